"""Typed events of tool use, each linked to the message whose model asked for the call.

Same style as ``agents.events``: frozen records with a ``type`` discriminator. A call's life is
requested -> (approval requested -> approved | rejected) -> completed | failed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from agents.events import EventBase

ToolPolicy = Literal["run", "ask", "never"]
CallVia = Literal["native", "text", "cli"]
ToolErrorKind = Literal[
    "unknown_tool",
    "bad_arguments",
    "malformed_call",
    "raised",
    "timeout",
    "call_limit",
    "sandbox",
    "server_error",
    "unavailable",
]


class ToolCallRequested(EventBase):
    type: Literal["tool_call_requested"] = "tool_call_requested"
    call_id: str
    message_id: str
    agent: str
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    raw: str = ""  # the call as the model wrote it (text protocol) or its JSON arguments (native)
    via: CallVia = "text"


class ToolApprovalRequested(EventBase):
    """A person must answer (policy "ask"); the run waits for the approver."""

    type: Literal["tool_approval_requested"] = "tool_approval_requested"
    call_id: str
    message_id: str
    agent: str
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class ToolCallApproved(EventBase):
    type: Literal["tool_call_approved"] = "tool_call_approved"
    call_id: str
    message_id: str
    agent: str = ""  # who made the call (the card's colour)
    tool: str
    by: Literal["policy", "human"]
    arguments: dict[str, Any] = Field(default_factory=dict)  # what will run: the person may have edited them
    edited: bool = False


class ToolCallRejected(EventBase):
    type: Literal["tool_call_rejected"] = "tool_call_rejected"
    call_id: str
    message_id: str
    agent: str = ""  # who made the call (the card's colour)
    tool: str
    by: Literal["policy", "human"]
    reason: str = ""


class ToolCallCompleted(EventBase):
    type: Literal["tool_call_completed"] = "tool_call_completed"
    call_id: str
    message_id: str
    agent: str = ""  # who made the call (the card's colour)
    tool: str
    output: str
    truncated: bool = False
    duration_s: float = 0.0


class ToolCallFailed(EventBase):
    type: Literal["tool_call_failed"] = "tool_call_failed"
    call_id: str
    message_id: str
    agent: str = ""  # who made the call (the card's colour)
    tool: str
    kind: ToolErrorKind
    message: str
    duration_s: float = 0.0


class ToolsOffered(EventBase):
    """Which tools a turn was offered, and why (all of them, or the top-k by relevance)."""

    type: Literal["tools_offered"] = "tools_offered"
    message_id: str
    agent: str
    offered: tuple[str, ...]
    available: int
    reason: str
    scores: dict[str, float] = Field(default_factory=dict)


class ToolAuthored(EventBase):
    """An agent's ``make_tool``: saved to the team's tool library, or refused with the reason."""

    type: Literal["tool_authored"] = "tool_authored"
    name: str
    author: str
    session: str | None = None
    ok: bool
    version: int | None = None
    message: str = ""
    library: str = ""


TOOL_EVENTS = (
    ToolCallRequested,
    ToolApprovalRequested,
    ToolCallApproved,
    ToolCallRejected,
    ToolCallCompleted,
    ToolCallFailed,
    ToolsOffered,
    ToolAuthored,
)
OUTCOME_EVENTS = (ToolCallCompleted, ToolCallFailed, ToolCallRejected)


def outcome_text(event: ToolCallCompleted | ToolCallFailed | ToolCallRejected) -> str:
    """What the model reads back for a finished call: the output, or a readable error."""
    if isinstance(event, ToolCallCompleted):
        return event.output
    if isinstance(event, ToolCallFailed):
        return f"error ({event.kind}): {event.message}"
    return f"error (rejected): the call was rejected{': ' + event.reason if event.reason else ''}"
