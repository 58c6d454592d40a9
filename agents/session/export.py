"""Exporting a session: JSON (full fidelity, loads back), Markdown, self-contained HTML."""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

from agents.events import (
    ErrorEvent,
    Finished,
    MessageCompleted,
    RoundStarted,
    Terminated,
    VerdictReached,
    VoteTallied,
    event_from_json,
    event_to_json,
)
from agents.planning.report import plan_html, plan_markdown, plan_tree
from agents.session.library import SessionLog, _status
from agents.session.redact import redact_secrets

EXPORT_FORMAT = "agora-lab-session"
PALETTE = ["#2563eb", "#dc2626", "#059669", "#9333ea", "#d97706", "#0891b2", "#db2777", "#4d7c0f"]
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
    log.status = data.get("status") or _status(Path(path), events)
    return log


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _stats(m: MessageCompleted) -> str:
    approx = "~" if m.usage.estimated else ""
    return f"{approx}{m.usage.completion_tokens} tokens · {m.latency_s:.2f} s · {m.model}"


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
    for event in log.events:
        if isinstance(event, RoundStarted):
            lines += [f"## Round {event.round}", ""]
        elif isinstance(event, MessageCompleted):
            lines += [f"### {event.agent}", "", event.text or "*(empty)*", "", f"<sub>{_stats(event)}</sub>", ""]
        elif isinstance(event, VerdictReached):
            who = f" — winner: **{event.winner}**" if event.winner else ""
            lines += [
                f"> **{'Final judgment' if event.final else 'Verdict'} ({event.judge}):** {event.decision}{who}. {event.reason} *(read by {event.method})*",
                "",
            ]
        elif isinstance(event, VoteTallied):
            lines += [f"> **Majority vote:** {event.winner or 'no majority'} — {event.counts}", ""]
        elif isinstance(event, ErrorEvent):
            lines += [f"> **Error ({event.kind}):** {event.message}", ""]
        elif isinstance(event, Terminated):
            lines += [f"*Stopped: {event.condition}*", ""]
        elif isinstance(event, Finished) and event.final_answer:
            lines += ["## Final answer", "", event.final_answer, ""]
    return "\n".join(lines + plan_markdown(log.events))


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:860px;margin:2em auto;padding:0 1em;color:#1f2937;background:#f8fafc}
header{border-bottom:2px solid #e5e7eb;margin-bottom:1.5em}
h1{margin-bottom:.2em} .meta{color:#6b7280;font-size:.9em}
table{border-collapse:collapse;font-size:.85em;margin:.8em 0} td,th{border:1px solid #e5e7eb;padding:.25em .6em;text-align:left}
.round{margin:1.6em 0 .6em;color:#6b7280;font-weight:600;border-top:1px dashed #cbd5e1;padding-top:.4em}
.msg{background:#fff;border-left:5px solid var(--c);border-radius:8px;padding:.6em .9em;margin:.7em 0;box-shadow:0 1px 2px #0001}
.who{font-weight:700;color:var(--c)} .text{white-space:pre-wrap;margin:.3em 0} .stats{color:#9ca3af;font-size:.78em}
.card{border:1px solid #a5b4fc;background:#eef2ff;border-radius:8px;padding:.6em .9em;margin:.8em 0}
.card.final{border-color:#f59e0b;background:#fffbeb} .error{border-color:#fca5a5;background:#fef2f2}
.answer{font-size:1.1em;font-weight:600}
"""


def to_html(log: SessionLog) -> str:
    e = html.escape
    names = [a.get("name", "") for a in (log.header.team.get("agents", []) if log.header else [])]
    colour = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
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
                f"<tr><td style='color:{colour.get(agent['name'], '#000')}'>{e(agent['name'])}</td><td>{e(agent.get('role', ''))}</td>"
                f"<td>{e(model.get('name', agent.get('model', '')))}<br><small>{e(model.get('ref', ''))} {e(model.get('device', '') or '')} {e((model.get('sha256') or '')[:12])}</small></td>"
                f"<td>{agent.get('temperature')}</td><td>{agent.get('max_tokens')}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</header><main>")
    for event in log.events:
        parts.append(_html_event(event, colour))
    parts.append(plan_html(log.events))
    parts.append("</main></body></html>")
    return "".join(parts)


def _html_event(event, colour: dict[str, str]) -> str:
    e = html.escape
    if isinstance(event, RoundStarted):
        return f"<div class='round'>Round {event.round}</div>"
    if isinstance(event, MessageCompleted):
        c = colour.get(event.agent, "#64748b")
        return (
            f"<div class='msg' style='--c:{c}'><div class='who'>{e(event.agent)}</div><div class='text'>{e(event.text)}</div>"
            f"<div class='stats'>{e(_stats(event))} · {e(event.finish_reason)}</div></div>"
        )
    if isinstance(event, VerdictReached):
        title = "Final judgment" if event.final else f"Verdict after round {event.round}"
        conf = "" if event.confidence is None else f" · confidence {event.confidence:.2f}"
        winner = f"<div class='answer'>Winner: {e(event.winner)}</div>" if event.winner else ""
        answer = f"<div>Answer: {e(event.answer)}</div>" if event.answer else ""
        return (
            f"<div class='card{' final' if event.final else ''}'><b>{title}</b> ({e(event.judge)}): {e(event.decision)}{winner}{answer}"
            f"<div class='stats'>{e(event.reason)}{conf} · read by {e(event.method)}</div></div>"
        )
    if isinstance(event, VoteTallied):
        return f"<div class='card final'><b>Majority vote</b><div class='answer'>{e(event.winner or 'no majority')}</div><div class='stats'>{e(json.dumps(event.counts))}</div></div>"
    if isinstance(event, ErrorEvent):
        return f"<div class='card error'><b>Error ({e(event.kind)})</b>: {e(event.message)}</div>"
    if isinstance(event, Terminated):
        return f"<p class='meta'>Stopped: {e(event.condition)}</p>"
    if isinstance(event, Finished) and event.final_answer:
        return f"<div class='card final'><b>Final answer</b><div class='answer'>{e(event.final_answer)}</div></div>"
    return ""
