"""Memory events in words: a (title, body, meta) triple per event for the one card rendering,
and the "Memory" section of a session export, built from the recorded events only (an export
or a replay never opens the live store)."""

from __future__ import annotations

import html
from collections.abc import Iterable

from agents.events import EventBase
from agents.memory.events import (
    MemoryModelCall,
    MemoryRead,
    MemoryReflected,
    MemoryUnavailable,
    MemoryWriteUnreadable,
    MemoryWritten,
)


def _first_line(text: str | None, limit: int = 160) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def describe_memory_event(event: EventBase) -> tuple[str, str, str] | None:
    """(title, body, meta) for a memory event; None for any other event."""
    if isinstance(event, MemoryRead):
        body = "\n".join(f"- [{i.kind}] {_first_line(i.text)}" for i in event.items) or "(nothing relevant)"
        scores = ", ".join(f"{i.score:.2f}" for i in event.items)
        return (
            f"{event.agent} recalled {len(event.items)} memor{'y' if len(event.items) == 1 else 'ies'}",
            body,
            f"scores {scores or '-'} · {event.tokens} tokens · of {event.considered}",
        )
    if isinstance(event, MemoryWritten):
        if event.op == "UPDATE":
            body = f"- {_first_line(event.before)}\n+ {_first_line(event.after)}"
        elif event.op == "DELETE":
            body = f"- {_first_line(event.before)}"
        elif event.op == "ADD":
            body = f"+ {_first_line(event.after)}"
        else:
            body = event.reason or "nothing to store"
        meta = f"{event.method}" + (f" · importance {event.importance:g}" if event.importance is not None else "")
        return f"{event.agent} memory {event.op}", body, meta
    if isinstance(event, MemoryReflected):
        what = "workflow" if event.kind == "workflow" else "reflection"
        return f"{event.agent} {what}", event.text, f"{event.method} · {event.trigger} · cites {len(event.cites)}"
    if isinstance(event, MemoryWriteUnreadable):
        fallback = "the rule-based fallback ran" if event.fallback else "nothing stored"
        return (
            f"{event.agent}: unreadable memory {event.step}",
            _first_line(event.raw_output, 400) or "(empty output)",
            f"{event.reason} · {fallback}",
        )
    if isinstance(event, MemoryModelCall):
        usage = event.usage
        spent = f"{usage.prompt_tokens} + {usage.completion_tokens} tokens" + (
            " (estimated)" if usage.estimated else ""
        )
        return (
            f"{event.agent} memory {event.step} step asked {event.model or 'the model'}",
            f"failed: {event.error}" if event.error else "",
            f"{spent} · counted in the run's token budget",
        )
    if isinstance(event, MemoryUnavailable):
        return (
            f"{event.agent}: memory unavailable ({event.problem})",
            event.message,
            f"{event.path} · run {event.action}s",
        )
    return None


def memory_section(events: Iterable[EventBase]) -> str:
    """Markdown: per agent, what it read, wrote and reflected in this session ("" when nothing)."""
    by_agent: dict[str, list[str]] = {}
    for event in events:
        described = describe_memory_event(event)
        if described is None:
            continue
        title, body, meta = described
        lines = by_agent.setdefault(getattr(event, "agent", "?"), [])  # every memory event has one
        indented = body.replace("\n", "\n  ")
        lines.append(f"- **{title}** ({meta})\n  {indented}")
    if not by_agent:
        return ""
    parts = ["## Memory"]
    for agent, lines in by_agent.items():
        parts += ["", f"### {agent}", "", *lines]
    return "\n".join(parts) + "\n"


def memory_section_html(events: Iterable[EventBase]) -> str:
    """The same section as HTML, for the HTML export ("" when nothing)."""
    by_agent: dict[str, list[str]] = {}
    for event in events:
        described = describe_memory_event(event)
        if described is None:
            continue
        title, body, meta = (html.escape(part) for part in described)
        by_agent.setdefault(getattr(event, "agent", "?"), []).append(
            f"<li><b>{title}</b> <small>{meta}</small><pre>{body}</pre></li>"
        )
    if not by_agent:
        return ""
    parts = ["<section class='memory'><h2>Memory</h2>"]
    for agent, items in by_agent.items():
        parts.append(f"<h3>{html.escape(agent)}</h3><ul>{''.join(items)}</ul>")
    return "".join(parts) + "</section>"
