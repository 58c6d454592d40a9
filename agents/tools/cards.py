"""How a tool event reads as a card, for the one rendering of events (agents/session/render.py)
that serves the terminal, Markdown, HTML and the conversation view. The fields mirror that
module's Card, so it wraps these one to one; None: the event shows no card."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

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
# What a transcript (exports, the conversation view) keeps; the terminal shows every card.
TOOL_TRANSCRIPT_KINDS = frozenset({"tool_call", "tool_decision", "tool_result", "tool_error", "tool_authored"})


@dataclass(frozen=True)
class ToolCard:
    kind: str
    title: str
    body: str = ""
    meta: str = ""
    facts: tuple[tuple[str, str], ...] = ()
    agent: str = ""
    message_id: str | None = None
    tone: Literal["info", "warning", "final", "error"] = "info"


def _arguments(arguments: dict[str, Any]) -> str:
    text = json.dumps(arguments, ensure_ascii=False)
    return text if len(text) <= 300 else text[:300] + " …"


def _cut(text: str) -> str:
    return text if len(text) <= MAX_BODY else text[:MAX_BODY] + f"\n[… {len(text) - MAX_BODY} more characters]"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _call(event: ToolCallRequested) -> ToolCard:
    body = event.raw if event.raw and event.via == "text" else _arguments(event.arguments)
    return ToolCard(
        "tool_call",
        f"{event.agent} calls {event.tool}",
        body,
        f"via {event.via}",
        agent=event.agent,
        message_id=event.message_id,
    )


def _approval(event: ToolApprovalRequested) -> ToolCard:
    return ToolCard(
        "tool_approval",
        f"Approve {event.tool}?",
        _arguments(event.arguments),
        f"{event.agent} asks; the run waits",
        agent=event.agent,
        message_id=event.message_id,
        tone="warning",
    )


def _approved(event: ToolCallApproved) -> ToolCard:
    title = f"{event.tool} approved" + (" with edited arguments" if event.edited else "")
    return ToolCard(
        "tool_decision",
        title,
        _arguments(event.arguments),
        f"by {event.by}",
        agent=event.agent,
        message_id=event.message_id,
    )


def _rejected(event: ToolCallRejected) -> ToolCard:
    return ToolCard(
        "tool_decision",
        f"{event.tool} rejected",
        event.reason,
        f"by {event.by}",
        agent=event.agent,
        message_id=event.message_id,
        tone="warning",
    )


def _completed(event: ToolCallCompleted) -> ToolCard:
    body = _cut(event.output) + ("\n[output truncated]" if event.truncated else "")
    return ToolCard(
        "tool_result",
        f"{event.tool} result",
        body,
        _ms(event.duration_s),
        agent=event.agent,
        message_id=event.message_id,
    )


def _failed(event: ToolCallFailed) -> ToolCard:
    return ToolCard(
        "tool_error",
        f"{event.tool} failed ({event.kind.replace('_', ' ')})",
        _cut(event.message),
        _ms(event.duration_s),
        agent=event.agent,
        message_id=event.message_id,
        tone="error",
    )


def _offered(event: ToolsOffered) -> ToolCard:
    return ToolCard(
        "tools_offered",
        f"Tools offered to {event.agent}",
        ", ".join(event.offered) or "none",
        event.reason,
        agent=event.agent,
        message_id=event.message_id,
    )


def _authored(event: ToolAuthored) -> ToolCard:
    title = f"{event.author} wrote the tool {event.name}" + (
        f" (version {event.version})" if event.ok else ": not saved"
    )
    return ToolCard(
        "tool_authored", title, event.message, event.library, agent=event.author, tone="final" if event.ok else "error"
    )


_MAKERS: dict[type, Any] = {
    ToolCallRequested: _call,
    ToolApprovalRequested: _approval,
    ToolCallApproved: _approved,
    ToolCallRejected: _rejected,
    ToolCallCompleted: _completed,
    ToolCallFailed: _failed,
    ToolsOffered: _offered,
    ToolAuthored: _authored,
}


def tool_card(event: EventBase) -> ToolCard | None:
    make = _MAKERS.get(type(event))
    return None if make is None else make(event)
