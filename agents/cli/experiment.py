"""`agora-lab experiment run | resume | report`: experiments headless.

``run`` on a directory that already holds the same experiment resumes it; ``resume DIR``
continues with the configuration stored there; ``report DIR`` writes Markdown, HTML, CSV
and PNG charts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from agents.events import ModelLoadProgress, TokenDelta, event_to_json
from agents.experiments.config import ExperimentConfig, ExperimentConfigError, TaskSource
from agents.experiments.methods import METHOD_FORMS, parse_method
from agents.experiments.records import ExperimentFinished, ExperimentStarted, MatchedCompute, UnitFinished
from agents.experiments.report import write_report
from agents.experiments.runner import ExperimentRun
from agents.experiments.stats import summarise
from agents.experiments.store import ExperimentLocked, read_rows
from agents.experiments.tasks import TASK_SETS
from agents.settings import load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def add_parser(sub: argparse._SubParsersAction) -> None:
    experiment = sub.add_parser("experiment", help="does collaboration help? run and report experiments")
    actions = experiment.add_subparsers(dest="action", required=True)
    run = actions.add_parser("run", help="run (or resume) an experiment into a directory")
    run.add_argument("--tasks", default="arithmetic", help=f"a task set ({', '.join(TASK_SETS)}) or a .jsonl file")
    run.add_argument("--n", type=_positive, default=50, help="number of items")
    run.add_argument("--task-seed", type=int, default=0, help="which generated items")
    run.add_argument("--methods", default="single,cot,debate3x2", help=f"comma-separated: {METHOD_FORMS}")
    run.add_argument(
        "--model",
        "-m",
        action="append",
        default=None,
        help="model reference (repeatable; heterogeneous teams mix them; default: settings)",
    )
    run.add_argument("--seeds", default="0", help="comma-separated generation seeds")
    run.add_argument("--concurrency", type=_positive, default=4, help="items running at once")
    run.add_argument("--temperature", type=float, default=0.7)
    run.add_argument("--max-tokens", type=_positive, default=192, help="per reasoning reply")
    run.add_argument("--retries", type=int, default=1, help="extra tries for an item whose model failed")
    run.add_argument(
        "--match-sc",
        default=None,
        metavar="METHOD",
        help="add self-consistency with N sized to METHOD's tokens (e.g. debate3x2)",
    )
    run.add_argument("--no-judge-bias", action="store_true", help="skip re-judging with the order swapped")
    run.add_argument("--out", required=True, help="the experiment directory")
    run.add_argument("--report", action="store_true", help="write the report when done")
    run.add_argument("--json", action="store_true", help="print every experiment event as a JSON line")
    resume = actions.add_parser("resume", help="continue an interrupted experiment")
    resume.add_argument("directory")
    resume.add_argument("--report", action="store_true")
    resume.add_argument("--json", action="store_true")
    report = actions.add_parser("report", help="write report.md, report.html, CSV and PNG charts")
    report.add_argument("directory")
    report.add_argument("--out", default=None, help="where (default: DIR/report)")
    experiment.set_defaults(handler=command_experiment)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def config_from(args: argparse.Namespace, default_model: str) -> ExperimentConfig:
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if args.match_sc:
        target = parse_method(args.match_sc).name
        methods.append(f"sc@{target}")
    try:
        seeds = tuple(int(s) for s in args.seeds.split(",") if s.strip())
    except ValueError:
        raise ExperimentConfigError(f"--seeds: {args.seeds!r} is not a comma-separated list of integers") from None
    try:
        return ExperimentConfig(
            tasks=TaskSource(name=args.tasks, n=args.n, seed=args.task_seed),
            methods=tuple(methods),
            models=tuple(args.model or [default_model]),
            seeds=seeds,
            concurrency=args.concurrency,
            temperature=args.temperature,
            max_tokens=args.max_tokens,
            retries=args.retries,
            judge_bias=not args.no_judge_bias,
        )
    except ValidationError as exc:
        raise ExperimentConfigError(
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors())
        ) from None


async def command_experiment(args: argparse.Namespace) -> int:
    if args.action == "report":
        for path in write_report(args.directory, args.out):
            print(path)
        return EXIT_OK
    settings = load_settings()
    if args.action == "run":
        run = ExperimentRun(args.out, config_from(args, settings.default_model), settings)
    else:
        run = ExperimentRun(args.directory, None, settings)
    try:
        code = await _follow(run, args.json)
    except ExperimentLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _print_summary(run.directory)
    if args.report:
        for path in write_report(run.directory):
            print(path, file=sys.stderr)
    return code


async def _follow(run: ExperimentRun, json_lines: bool) -> int:
    failed = total = 0
    async for event in run.events():
        if json_lines:
            if not isinstance(event, TokenDelta):
                print(event_to_json(event), flush=True)
            continue
        if isinstance(event, ExperimentStarted):
            total = event.total
            print(f"experiment {event.directory}: {event.total} runs ({event.done} already done)", file=sys.stderr)
        elif isinstance(event, ModelLoadProgress):
            print(f"loading {event.model}: {event.stage}", file=sys.stderr)
        elif isinstance(event, MatchedCompute):
            print(
                f"{event.method} on {event.model}: N = {event.samples} samples "
                f"({event.target_tokens:.0f} tokens per item / {event.sample_tokens:.0f} per sample)",
                file=sys.stderr,
            )
        elif isinstance(event, UnitFinished):
            print(_unit_line(event), file=sys.stderr)
        elif isinstance(event, ExperimentFinished):
            failed = event.failed
            print(f"{event.reason}: {event.done}/{event.total} done, {event.failed} failed", file=sys.stderr)
            if event.reason == "cancelled":
                return EXIT_INTERRUPTED
    return EXIT_FAILED if total and failed == total else EXIT_OK


def _unit_line(event: UnitFinished) -> str:
    row, p = event.row, event.progress
    verdict = "right" if row.correct else row.status if row.status != "ok" else "wrong"
    eta = "" if p.eta_s is None else f", ETA {int(p.eta_s // 60)}m{int(p.eta_s % 60):02d}s"
    detail = f": {row.error}" if row.error else f" ({row.answer} vs {row.expected})"
    return f"[{p.done}/{p.total}] {row.method} {row.item_id}: {verdict}{detail}, {row.tokens} tokens{eta}"


def _print_summary(directory: Path) -> None:
    rows = read_rows(Path(directory))
    if not rows:
        return
    print(f"{'method':<16} {'model':<12} {'n':>4} {'accuracy':>9} {'95% interval':>15} {'tokens/item':>12}")
    for s in summarise(rows):
        print(
            f"{s.method:<16} {s.model[:12]:<12} {s.n:>4} {s.accuracy:>9.1%} {s.low:>7.1%}-{s.high:<7.1%} {s.mean_tokens:>12.0f}"
        )
