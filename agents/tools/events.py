"""Typed events of tool use, each linked to the message whose model asked for the call.

Same style as ``agents.events``: frozen records with a ``type`` discriminator. A call's life is
requested -> (approval requested -> approved | rejected) -> completed | failed.
"""

from __future__ import annotations

# The records live in agents.events, where the union of every event is (and the layers allow it);
# this module is where the tools package and its users name them.
from agents.events import (
    TOOL_EVENTS,
    CallVia,
    ToolApprovalRequested,
    ToolAuthored,
    ToolCallApproved,
    ToolCallCompleted,
    ToolCallFailed,
    ToolCallRejected,
    ToolCallRequested,
    ToolErrorKind,
    ToolPolicy,
    ToolsOffered,
)

OUTCOME_EVENTS = (ToolCallCompleted, ToolCallFailed, ToolCallRejected)


def outcome_text(event: ToolCallCompleted | ToolCallFailed | ToolCallRejected) -> str:
    """What the model reads back for a finished call: the output, or a readable error."""
    if isinstance(event, ToolCallCompleted):
        return event.output
    if isinstance(event, ToolCallFailed):
        return f"error ({event.kind}): {event.message}"
    return f"error (rejected): the call was rejected{': ' + event.reason if event.reason else ''}"


__all__ = [
    "OUTCOME_EVENTS",
    "TOOL_EVENTS",
    "CallVia",
    "ToolApprovalRequested",
    "ToolAuthored",
    "ToolCallApproved",
    "ToolCallCompleted",
    "ToolCallFailed",
    "ToolCallRejected",
    "ToolCallRequested",
    "ToolErrorKind",
    "ToolPolicy",
    "ToolsOffered",
    "outcome_text",
]
