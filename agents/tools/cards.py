"""How a tool event reads as a card (title, body, meta), for the one rendering of events that
serves the terminal, Markdown, HTML and the conversation view. None: the event shows no card."""

from __future__ import annotations

import json
from typing import Any

from agents.events import EventBase
from agents.tools.events import (
    ToolApprovalRequested,
    ToolAuthored,
    ToolCallApproved,
    ToolCallCompleted,
    ToolCallFailed,
    ToolCallRejected,
    ToolCallRequested,
    ToolsOffered,
)

MAX_BODY = 2000


def _arguments(arguments: dict[str, Any]) -> str:
    text = json.dumps(arguments, ensure_ascii=False)
    return text if len(text) <= 300 else text[:300] + " …"


def _cut(text: str) -> str:
    return text if len(text) <= MAX_BODY else text[:MAX_BODY] + f"\n[… {len(text) - MAX_BODY} more characters]"


def tool_card(event: EventBase) -> tuple[str, str, dict[str, Any]] | None:
    """(title, body, meta) of a tool event; meta carries the call id and a ``kind`` for styling."""
    if isinstance(event, ToolCallRequested):
        return (
            f"🔧 {event.agent} calls {event.tool}",
            _arguments(event.arguments) if not event.raw or event.via == "native" else event.raw,
            {"call_id": event.call_id, "kind": "tool"},
        )
    if isinstance(event, ToolApprovalRequested):
        return (
            f"Approve {event.tool}?",
            f"{event.agent} wants to run {event.tool} with {_arguments(event.arguments)}",
            {"call_id": event.call_id, "kind": "ask"},
        )
    if isinstance(event, ToolCallApproved):
        edited = " (arguments edited)" if event.edited else ""
        return (
            f"{event.tool} approved{edited}",
            _arguments(event.arguments),
            {"call_id": event.call_id, "kind": "tool"},
        )
    if isinstance(event, ToolCallRejected):
        return (f"{event.tool} rejected ({event.by})", event.reason, {"call_id": event.call_id, "kind": "error"})
    if isinstance(event, ToolCallCompleted):
        meta = {"call_id": event.call_id, "kind": "tool", "duration": f"{event.duration_s * 1000:.0f} ms"}
        return (f"{event.tool} result", _cut(event.output) + ("\n[output truncated]" if event.truncated else ""), meta)
    if isinstance(event, ToolCallFailed):
        meta = {"call_id": event.call_id, "kind": "error", "duration": f"{event.duration_s * 1000:.0f} ms"}
        return (f"{event.tool} failed: {event.kind.replace('_', ' ')}", _cut(event.message), meta)
    if isinstance(event, ToolsOffered):
        return (
            f"Tools offered to {event.agent}",
            f"{', '.join(event.offered) or 'none'} — {event.reason}",
            {"kind": "info"},
        )
    if isinstance(event, ToolAuthored):
        title = f"{event.author} wrote the tool {event.name}" + (
            f" (version {event.version})" if event.ok else " — not saved"
        )
        return (title, event.message, {"kind": "tool" if event.ok else "error"})
    return None
