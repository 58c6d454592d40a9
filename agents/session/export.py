"""Exporting a session: JSON (full fidelity, loads back), Markdown, self-contained HTML."""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

from agents.events import MessageCompleted, event_from_json, event_to_json
from agents.memory.describe import memory_section, memory_section_html
from agents.planning.report import plan_html, plan_markdown, plan_tree
from agents.session.library import SessionLog, session_status
from agents.session.redact import redact_secrets
from agents.session.render import TONE_COLOURS, Card, CardMaker, team_agents, transcript

EXPORT_FORMAT = "agora-lab-session"
FORMATS = ("json", "md", "html")


def format_from_path(path: str | Path) -> str:
    """The export format a file name asks for (.json, .md/.markdown, .html)."""
    fmt = Path(path).suffix.lstrip(".").lower().replace("markdown", "md")
    if fmt not in FORMATS:
        raise ValueError(f"{path}: the file must end in .json, .md or .html")
    return fmt


def export_session(log: SessionLog, fmt: str, path: Path) -> Path:
    renderers = {"json": to_json, "md": to_markdown, "html": to_html}
    if fmt not in renderers:
        raise ValueError(f"unknown export format {fmt!r}; use one of {FORMATS}")
    path.write_text(redact_secrets(renderers[fmt](log)), encoding="utf-8")
    return path


def to_json(log: SessionLog) -> str:
    events = [json.loads(event_to_json(e)) for e in log.events]
    data = {"format": EXPORT_FORMAT, "version": 1, "session_id": log.session_id, "status": log.status, "events": events}
    tree = plan_tree(log.events)
    if tree is not None:  # planning runs: the tree, ready to use without replaying the events
        data["plan"] = tree
    return json.dumps(data, indent=1)


def load_json_export(path: Path) -> SessionLog:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != EXPORT_FORMAT:
        raise ValueError(f"{path}: not an Agora Lab session export")
    events = [event_from_json(json.dumps(e)) for e in data["events"]]
    log = SessionLog(data["session_id"], Path(path), events)
    log.header = next((e for e in events if e.type == "run_started"), None)
    log.messages = [e for e in events if isinstance(e, MessageCompleted) and e.finish_reason != "error"]
    log.status = data.get("status") or session_status(Path(path), events)
    return log


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def to_markdown(log: SessionLog) -> str:
    lines = [
        f"# {log.team_name}",
        "",
        f"**Task:** {log.task}",
        "",
        f"*Session {log.session_id} · {log.status} · {_when(log.started)}*",
        "",
    ]
    if log.header:
        lines += (
            ["| agent | model |", "| --- | --- |"]
            + [f"| {a} | {m.get('name', '?')} ({m.get('ref', '')}) |" for a, m in log.header.models.items()]
            + [""]
        )
    for card in transcript(log.events):
        lines += markdown_card(card) + [""]
    return "\n".join(lines + plan_markdown(log.events) + [memory_section(log.events)])


def markdown_card(card: Card) -> list[str]:
    """A card as Markdown: headings for rounds, messages and the answer, a quote for the rest."""
    if card.kind == "round":
        return [f"## {card.title}"]
    if card.kind == "message":
        return [f"### {card.title}", "", card.body or "*(empty)*", "", f"<sub>{card.meta}</sub>"]
    if card.kind == "finished":
        return [f"## {card.title}", "", card.body]
    if card.kind == "stopped":
        return [f"*{card.title}: {card.body}*"]
    who = f" ({card.agent})" if card.agent else ""
    facts = " · ".join(f"{key}: **{value}**" for key, value in card.facts)
    text = " — ".join(part for part in (facts, card.body) if part)
    meta = f" *({card.meta})*" if card.meta else ""
    # Every line of a multi-line reason stays inside the quote.
    return ["> " + line for line in f"**{card.title}{who}:** {text}{meta}".splitlines()]


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:860px;margin:2em auto;padding:0 1em;color:#1f2937;background:#f8fafc}
header{border-bottom:2px solid #e5e7eb;margin-bottom:1.5em}
h1{margin-bottom:.2em} .meta{color:#6b7280;font-size:.9em}
table{border-collapse:collapse;font-size:.85em;margin:.8em 0} td,th{border:1px solid #e5e7eb;padding:.25em .6em;text-align:left}
.round{margin:1.6em 0 .6em;color:#6b7280;font-weight:600;border-top:1px dashed #cbd5e1;padding-top:.4em}
.msg{background:#fff;border-left:5px solid var(--c);border-radius:8px;padding:.6em .9em;margin:.7em 0;box-shadow:0 1px 2px #0001}
.who{font-weight:700;color:var(--c)} .text{white-space:pre-wrap;margin:.3em 0} .stats{color:#9ca3af;font-size:.78em}
.card{border:1px solid #e5e7eb;border-radius:8px;padding:.6em .9em;margin:.8em 0}
.card.info{border-style:dashed;color:#4b5563}
.answer{font-size:1.1em;font-weight:600} .by{color:var(--c)}
""" + "".join(
    f".card.{tone}{{border-color:{border};background:{fill}}}\n"
    for tone, (fill, border) in TONE_COLOURS.items()
    if fill
)


def to_html(log: SessionLog) -> str:
    e = html.escape
    maker = CardMaker(team_agents(log.header.team) if log.header else [])
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{e(log.team_name)} — Agora Lab</title><style>{CSS}</style></head><body>"
    ]
    parts.append(f"<header><h1>{e(log.team_name)}</h1><p><b>Task:</b> {e(log.task)}</p>")
    parts.append(f"<p class='meta'>Session {e(log.session_id)} · {e(log.status)} · {_when(log.started)}")
    if log.header:
        parts.append(f" · seed {e(str(log.header.seed))} · Agora Lab {e(log.header.app_version)}")
        if log.header.parent_run:
            parts.append(f" · forked from {e(log.header.parent_run)} at message {log.header.forked_at_message}")
    parts.append("</p>")
    if log.header:
        parts.append("<table><tr><th>agent</th><th>role</th><th>model</th><th>temperature</th><th>max tokens</th></tr>")
        for agent in log.header.team.get("agents", []):
            model = log.header.models.get(agent["name"], {})
            parts.append(
                f"<tr><td style='color:{e(maker.colour(agent['name']))}'>{e(agent['name'])}</td><td>{e(agent.get('role', ''))}</td>"
                f"<td>{e(model.get('name', agent.get('model', '')))}<br><small>{e(model.get('ref', ''))} {e(model.get('device', '') or '')} {e((model.get('sha256') or '')[:12])}</small></td>"
                f"<td>{e(str(agent.get('temperature')))}</td><td>{e(str(agent.get('max_tokens')))}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</header><main>")
    parts += [html_card(card) for card in transcript(log.events, maker)]
    parts.append(plan_html(log.events))
    parts.append(memory_section_html(log.events))
    parts.append("</main></body></html>")
    return "".join(parts)


def html_card(card: Card) -> str:
    """A card as inert HTML: every field escaped, colours only from the palette."""
    e = html.escape
    if card.kind == "round":
        return f"<div class='round'>{e(card.title)}</div>"
    if card.kind == "message":
        return (
            f"<div class='msg' style='--c:{e(card.colour)}'><div class='who'>{e(card.title)}</div>"
            f"<div class='text'>{e(card.body)}</div><div class='stats'>{e(card.meta)}</div></div>"
        )
    if card.kind == "stopped":
        return f"<p class='meta'>{e(card.title)}: {e(card.body)}</p>"
    who = f" <span class='by' style='--c:{e(card.colour)}'>({e(card.agent)})</span>" if card.agent else ""
    facts = "".join(f"<div class='answer'>{e(key.capitalize())}: {e(value)}</div>" for key, value in card.facts)
    body = f"<div class='text'>{e(card.body)}</div>" if card.body else ""
    meta = f"<div class='stats'>{e(card.meta)}</div>" if card.meta else ""
    return f"<div class='card {e(card.tone)}'><b>{e(card.title)}</b>{who}{facts}{body}{meta}</div>"
