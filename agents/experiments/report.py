"""Reports from an experiment directory: Markdown, HTML (everything escaped), CSV and PNG
charts, all built from one list of tables so the formats never disagree."""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agents.experiments.config import ExperimentConfig, load_config
from agents.experiments.methods import parse_method
from agents.experiments.png import bar_chart, grouped_bars, line_chart
from agents.experiments.records import ResultRow
from agents.experiments.stats import (
    consensus_rate,
    flips,
    judge_agreement,
    paired,
    round_accuracy,
    summarise,
)
from agents.experiments.store import read_rows

ROW_FIELDS = (
    "key",
    "item_id",
    "method",
    "model",
    "seed",
    "status",
    "expected",
    "answer",
    "correct",
    "prompt_tokens",
    "completion_tokens",
    "calls",
    "latency_s",
    "consensus",
    "judge_winner",
    "judge_swapped_winner",
    "judge_agreement",
    "attempts",
    "error",
    "session",
)


@dataclass
class Table:
    title: str
    headers: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)
    note: str = ""


def _pct(x: float) -> str:
    return f"{x:.1%}"


def build_tables(config: ExperimentConfig, rows: Sequence[ResultRow], matched: dict) -> list[Table]:
    summary = Table(
        "Accuracy and compute",
        (
            "method",
            "model",
            "n",
            "correct",
            "accuracy",
            "95% interval",
            "unanswered",
            "failed",
            "tokens / item",
            "calls / item",
            "tokens / correct",
        ),
    )
    summaries = summarise(rows)
    for s in summaries:
        summary.rows.append(
            (
                s.method,
                s.model,
                str(s.n),
                str(s.correct),
                _pct(s.accuracy),
                f"{_pct(s.low)} - {_pct(s.high)}",
                str(s.n - s.answered - s.failed),
                str(s.failed),
                f"{s.mean_tokens:.0f}",
                f"{s.mean_calls:.1f}",
                "-" if s.tokens_per_correct is None else f"{s.tokens_per_correct:.0f}",
            )
        )
    tables = [summary]
    if matched:
        tables.append(
            Table(
                "Matched compute",
                ("method | model", "samples N", "target tokens / item", "tokens / sample"),
                [
                    (k, str(v["samples"]), f"{v['target_tokens']:.0f}", f"{v['sample_tokens']:.0f}")
                    for k, v in matched.items()
                ],
                note="N = the matched method's mean tokens per item / one chain-of-thought sample's tokens.",
            )
        )
    tables.append(_paired_table(summaries, rows))
    tables += _forensics(summaries, rows)
    return tables


def _paired_table(summaries, rows: Sequence[ResultRow]) -> Table:
    table = Table(
        "Paired comparisons (same items)",
        ("model", "A", "B", "items", "A right, B wrong", "B right, A wrong", "p (exact McNemar)"),
    )
    for model in dict.fromkeys(s.model for s in summaries):
        methods = [s.method for s in summaries if s.model == model]
        baseline = "single" if "single" in methods else methods[0]
        for other in (m for m in methods if m != baseline):
            test = paired(rows, other, baseline, model)
            table.rows.append(
                (model, other, baseline, str(test.n), str(test.a_only), str(test.b_only), f"{test.p_value:.3g}")
            )
    return table


def _forensics(summaries, rows: Sequence[ResultRow]) -> list[Table]:
    rounds = Table(
        "Debate forensics: accuracy per round", ("method", "model", "round", "majority accuracy", "agent accuracy")
    )
    flipped = Table("Debate forensics: answer flips", ("method", "model", "round", "right -> wrong", "wrong -> right"))
    agreement = Table(
        "Consensus and judge bias",
        ("method", "model", "consensus (final round)", "judge verdict unchanged when order swapped, names hidden"),
    )
    for s in summaries:
        if not parse_method(s.method).has_rounds:
            continue
        for number, vote, agents in round_accuracy(rows, s.method, s.model):
            rounds.rows.append((s.method, s.model, str(number), _pct(vote), _pct(agents)))
        for number, lost, gained in flips(rows, s.method, s.model):
            flipped.rows.append((s.method, s.model, str(number), str(lost), str(gained)))
        agreed, judged = judge_agreement(rows, s.method, s.model)
        same, known = consensus_rate(rows, s.method, s.model)
        agreement.rows.append(
            (
                s.method,
                s.model,
                f"{same}/{known}" + (f" ({same / known:.0%})" if known else ""),
                f"{agreed}/{judged}" + (f" ({agreed / judged:.0%})" if judged else "") if judged else "-",
            )
        )
    return [t for t in (rounds, flipped, agreement) if t.rows]


def write_charts(folder: Path, rows: Sequence[ResultRow]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    summaries = summarise(rows)
    labels = [s.method if len({x.model for x in summaries}) == 1 else f"{s.method} {s.model[:8]}" for s in summaries]
    paths = [folder / "accuracy.png", folder / "tokens_per_correct.png"]
    bar_chart(
        paths[0],
        "Accuracy per method (95% Wilson intervals)",
        labels,
        [s.accuracy for s in summaries],
        [(s.low, s.high) for s in summaries],
    )
    costs = [s.tokens_per_correct or 0.0 for s in summaries]
    bar_chart(paths[1], "Tokens per correct answer", labels, costs, ymax=max(costs + [1.0]) * 1.15, fmt="{:.0f}")
    teams = [s for s in summaries if parse_method(s.method).has_rounds]
    if teams:
        curves = {f"{s.method}": [v for _, v, _ in round_accuracy(rows, s.method, s.model)] for s in teams}
        depth = max(len(c) for c in curves.values())
        padded: dict[str, Sequence[float | None]] = {k: list(v) + [None] * (depth - len(v)) for k, v in curves.items()}
        paths.append(folder / "accuracy_by_round.png")
        line_chart(paths[-1], "Majority accuracy against debate round", list(range(1, depth + 1)), padded)
        cells = [(s.method, n, lost, gained) for s in teams for n, lost, gained in flips(rows, s.method, s.model)]
        if cells:
            paths.append(folder / "flips.png")
            grouped_bars(
                paths[-1],
                "Answer flips per round",
                [f"{m} r{n}" for m, n, _, _ in cells],
                {"right -> wrong": [c[2] for c in cells], "wrong -> right": [c[3] for c in cells]},
            )
    return paths


def to_markdown(title: str, config: ExperimentConfig, tables: Sequence[Table], charts: Sequence[str]) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = [f"# {cell(title)}", "", _describe(config), ""]
    for table in tables:
        lines += [f"## {table.title}", ""]
        if table.note:
            lines += [table.note, ""]
        lines += ["| " + " | ".join(cell(h) for h in table.headers) + " |", "|" + "---|" * len(table.headers)]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows] or ["| (none) |"]
        lines.append("")
    lines += [f"![{Path(c).stem}]({c})" for c in charts]
    return "\n".join(lines) + "\n"


def to_html(title: str, config: ExperimentConfig, tables: Sequence[Table], charts: Sequence[str]) -> str:
    e = html.escape
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}th{background:#f3f3f3}</style></head><body>",
        f"<h1>{e(title)}</h1><p>{e(_describe(config))}</p>",
    ]
    for table in tables:
        parts.append(f"<h2>{e(table.title)}</h2>" + (f"<p>{e(table.note)}</p>" if table.note else ""))
        parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in table.headers) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in table.rows]
        parts.append("</table>")
    parts += [f"<p><img src='{e(c, quote=True)}' alt='{e(Path(c).stem, quote=True)}'></p>" for c in charts]
    return "".join(parts) + "</body></html>\n"


def _describe(config: ExperimentConfig) -> str:
    return (
        f"Task set {config.tasks.name} ({config.tasks.n} items, seed {config.tasks.seed}); methods {', '.join(config.methods)}; "
        f"models {', '.join(config.models)}; seeds {', '.join(map(str, config.seeds))}; temperature {config.temperature}."
    )


def write_csv(path: Path, rows: Sequence[ResultRow]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ROW_FIELDS)
        for row in rows:
            data = row.model_dump()
            writer.writerow(["" if data[f] is None else data[f] for f in ROW_FIELDS])


def write_report(directory: str | Path, out: str | Path | None = None) -> list[Path]:
    """Write report.md, report.html, results.csv, summary.csv and charts/*.png; return the paths."""
    directory = Path(directory)
    out = Path(out) if out else directory / "report"
    out.mkdir(parents=True, exist_ok=True)
    config, rows = load_config(directory), read_rows(directory)
    matched_path = directory / "matched.json"
    matched = json.loads(matched_path.read_text(encoding="utf-8")) if matched_path.exists() else {}
    tables = build_tables(config, rows, matched)
    charts = write_charts(out / "charts", rows) if rows else []
    names = [str(p.relative_to(out)) for p in charts]
    title = f"Experiment {directory.name}"
    (out / "report.md").write_text(to_markdown(title, config, tables, names), encoding="utf-8")
    (out / "report.html").write_text(to_html(title, config, tables, names), encoding="utf-8")
    write_csv(out / "results.csv", rows)
    with (out / "summary.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(tables[0].headers)
        writer.writerows(tables[0].rows)
    return [out / "report.md", out / "report.html", out / "results.csv", out / "summary.csv", *charts]
