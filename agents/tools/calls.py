"""Running the calls a model made: policy, approval, the tool itself, each step an event.

Calls of one turn run concurrently (a model may ask for several at once); their events are
passed on as they happen, and each call ends with exactly one outcome event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from pydantic import Field

from agents.events import EventBase, Record, new_id
from agents.llm.base import Cancelled, CancelToken, unless_cancelled
from agents.streams import merge_streams
from agents.tools.base import invoke
from agents.tools.events import (
    CallVia,
    ToolApprovalRequested,
    ToolCallApproved,
    ToolCallCompleted,
    ToolCallFailed,
    ToolCallRejected,
    ToolCallRequested,
    ToolErrorKind,
    outcome_text,
)
from agents.tools.registry import ToolRegistry


class ToolCall(Record):
    """One call as parsed from the model's output; ``problem`` set when it could not be read."""

    call_id: str
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    raw: str = ""
    problem: str | None = None


class Approval(Record):
    approved: bool
    arguments: dict[str, Any] | None = None  # edited arguments; None keeps the model's
    reason: str = ""


Approver = Callable[[ToolApprovalRequested], Awaitable[Approval]]


def new_call(tool: str, arguments: dict[str, Any] | None = None, raw: str = "", problem: str | None = None) -> ToolCall:
    return ToolCall(call_id=new_id(), tool=tool, arguments=arguments or {}, raw=raw, problem=problem)


class CallContext:
    """Who is calling, through which protocol, and who answers "ask me"."""

    def __init__(
        self,
        registry: ToolRegistry,
        message_id: str,
        agent: str,
        via: CallVia = "text",
        approver: Approver | None = None,
        cancel: CancelToken | None = None,
    ):
        self.registry = registry
        self.message_id = message_id
        self.agent = agent
        self.via = via
        self.approver = approver
        self.cancel = cancel  # the run's Stop also ends a wait for an approval

    def failed(self, call: ToolCall, kind: ToolErrorKind, message: str, duration_s: float = 0.0) -> ToolCallFailed:
        return ToolCallFailed(
            call_id=call.call_id,
            message_id=self.message_id,
            agent=self.agent,
            tool=call.tool,
            kind=kind,
            message=message,
            duration_s=duration_s,
        )

    def requested(self, call: ToolCall) -> ToolCallRequested:
        return ToolCallRequested(
            call_id=call.call_id,
            message_id=self.message_id,
            agent=self.agent,
            tool=call.tool,
            arguments=call.arguments,
            raw=call.raw,
            via=self.via,
        )

    def over_limit(self, call: ToolCall, why: str) -> list[EventBase]:
        """A call past the turn's limit: recorded as asked for, never run."""
        return [self.requested(call), self.failed(call, "call_limit", f"{why}; the turn ends here")]


async def run_call(call: ToolCall, ctx: CallContext) -> AsyncIterator[EventBase]:
    """Every event of one call, ending with its outcome."""
    yield ctx.requested(call)
    refusal = _refusal(call, ctx)
    if refusal is not None:
        yield refusal
        return
    arguments = call.arguments
    if ctx.registry.policy(call.tool) == "ask":
        async for event in _ask(call, ctx):
            yield event
            if isinstance(event, ToolCallRejected):
                return
            if isinstance(event, ToolCallApproved):
                arguments = event.arguments
    async for event in _invoked(call, arguments, ctx):
        yield event


def _refusal(call: ToolCall, ctx: CallContext) -> EventBase | None:
    """The outcome of a call that must not run: unreadable, unknown, or set to never."""
    if call.problem is not None:
        return ctx.failed(call, "malformed_call", call.problem)
    if call.tool not in ctx.registry:
        known = ", ".join(ctx.registry.names()) or "none"
        return ctx.failed(call, "unknown_tool", f"there is no tool named {call.tool!r}; available: {known}")
    if ctx.registry.policy(call.tool) == "never":
        reason = f"{call.tool} is set to never run"
        return ToolCallRejected(
            call_id=call.call_id, message_id=ctx.message_id, agent=ctx.agent, tool=call.tool, by="policy", reason=reason
        )
    return None


async def _invoked(call: ToolCall, arguments: dict[str, Any], ctx: CallContext) -> AsyncIterator[EventBase]:
    tool = ctx.registry.get(call.tool)
    assert tool is not None  # _refusal checked it
    result = await invoke(tool, arguments)
    for extra in result.events:
        yield extra
    if result.ok:
        yield ToolCallCompleted(
            call_id=call.call_id,
            message_id=ctx.message_id,
            agent=ctx.agent,
            tool=call.tool,
            output=result.output,
            truncated=result.truncated,
            duration_s=result.duration_s,
        )
    else:
        yield ctx.failed(call, result.kind or "raised", result.message, result.duration_s)


async def _ask(call: ToolCall, ctx: CallContext) -> AsyncIterator[EventBase]:
    request = ToolApprovalRequested(
        call_id=call.call_id, message_id=ctx.message_id, agent=ctx.agent, tool=call.tool, arguments=call.arguments
    )
    yield request
    if ctx.approver is None:
        yield ToolCallRejected(
            call_id=call.call_id,
            message_id=ctx.message_id,
            agent=ctx.agent,
            tool=call.tool,
            by="policy",
            reason="this tool asks for approval and this run has nobody to ask",
        )
        return
    waiting = ctx.approver(request)
    try:
        answer = await (waiting if ctx.cancel is None else unless_cancelled(waiting, ctx.cancel))
    except Cancelled:  # Stop while a person was asked: the call never runs, and says why
        answer = Approval(approved=False, reason="the run was stopped while waiting for approval")
    if not answer.approved:
        yield ToolCallRejected(
            call_id=call.call_id,
            message_id=ctx.message_id,
            agent=ctx.agent,
            tool=call.tool,
            by="human",
            reason=answer.reason,
        )
        return
    arguments = call.arguments if answer.arguments is None else answer.arguments
    yield ToolCallApproved(
        call_id=call.call_id,
        message_id=ctx.message_id,
        agent=ctx.agent,
        tool=call.tool,
        by="human",
        arguments=arguments,
        edited=arguments != call.arguments,
    )


async def run_calls(calls: Sequence[ToolCall], ctx: CallContext) -> AsyncIterator[EventBase]:
    """All calls of one turn, concurrently; events in the order they happen."""
    if len(calls) == 1:
        async for event in run_call(calls[0], ctx):
            yield event
        return

    def crashed(index: int, exc: Exception) -> EventBase:  # a bug in one call must not lose the others' results
        return ctx.failed(calls[index], "raised", f"the call crashed: {exc!r}")

    async for event in merge_streams([run_call(call, ctx) for call in calls], crashed):
        yield event


def outcomes(events: Sequence[EventBase]) -> dict[str, str]:
    """call id -> the text the model reads back, from a batch's events."""
    return {
        e.call_id: outcome_text(e)
        for e in events
        if isinstance(e, (ToolCallCompleted, ToolCallFailed, ToolCallRejected))
    }
