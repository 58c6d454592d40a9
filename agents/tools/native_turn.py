"""One agent turn with native function calling, around a provider that takes ``tools``.

Each round is one request: the provider streams text (TokenDeltas) and call pieces; the calls
of a round run concurrently, the assistant's ``tool_calls`` and the ``tool`` results are added
to the conversation, and the model is asked again, up to ``max_calls`` calls in the turn. The
caller sees one message: one MessageStarted, the text of every round, the tool events in
between, and one MessageCompleted.

A server that refuses ``tools`` outright (HTTP 400 and the like, before any reply) gets the
turn again through the text protocol when its endpoint says ``native_tools: auto``, with a
notice; the provider remembers it, so later turns go straight to the text protocol.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from agents.events import ErrorEvent, EventBase, FinishReason, MessageCompleted, MessageStarted, Notice, TokenDelta
from agents.llm.base import CancelToken, CompletionRequest
from agents.llm.native_tools import NativeToolsProvider, ToolCallPiece, ToolChoice
from agents.tool_settings import DEFAULT_MAX_CALLS
from agents.tools.calls import CallContext, ToolCall, outcomes, run_calls
from agents.tools.native import ToolCallDeltas, assistant_message, openai_tools, tool_message
from agents.tools.reply import TurnReply

Fallback = Callable[[], AsyncIterator[EventBase]]


class _Round:
    """What one request brought: its calls, its completion, a refusal of the tools."""

    def __init__(self) -> None:
        self.deltas = ToolCallDeltas()
        self.done: MessageCompleted | None = None
        self.refused: ErrorEvent | None = None
        self.content = ""


async def native_tool_turn(
    provider: NativeToolsProvider,
    request: CompletionRequest,
    ctx: CallContext,
    max_calls: int = DEFAULT_MAX_CALLS,
    cancel: CancelToken | None = None,
    fallback: Fallback | None = None,
    first_choice: ToolChoice = "auto",
) -> AsyncIterator[EventBase]:
    """Yield one message's events with the calls run in between (see the module docstring).

    ``first_choice`` is the first request's ``tool_choice`` (a test or a benchmark may name a
    tool to force a call); later rounds use ``auto``. ``fallback`` is the same turn through
    the text protocol, run when the server refuses tools.
    """
    ctx.message_id, ctx.via = request.message_id, "native"
    tools = openai_tools(ctx.registry.specs())
    extra: list[dict[str, Any]] = []  # the calls so far and their results, as the API repeats them
    results: dict[str, str] = {}
    reply, made, choice = TurnReply(request), 0, first_choice
    segment: CompletionRequest | None = request
    finish: FinishReason = "stop"
    while segment is not None:
        this = _Round()
        async for event in _round(provider, segment, tools, extra, cancel, choice, reply, this, fallback is not None):
            yield event
        if this.refused is not None and fallback is not None:
            yield Notice(level="warning", text=_fallback_notice(this.refused))
            ctx.via = "text"
            async for event in fallback():
                yield event
            return
        if this.done is None or this.done.finish_reason != "stop":
            finish = this.done.finish_reason if this.done else "error"
            for event in _cut_off(this, ctx):
                yield event
            break
        reply.add_usage(this.done.usage)
        if not this.deltas:
            break
        calls = this.deltas.calls()
        async for event in _within_limit(calls, ctx, results, max_calls - made, max_calls):
            yield event
        made += len(calls)
        if made > max_calls:
            break
        if cancel is not None and cancel.cancelled:
            finish = "cancelled"
            break
        extra += _follow_up(calls, this.content, results)
        segment, choice = _next(request, reply), "auto"
    yield reply.completed(finish)


async def _round(
    provider: NativeToolsProvider,
    segment: CompletionRequest,
    tools: list[dict[str, Any]],
    extra: list[dict[str, Any]],
    cancel: CancelToken | None,
    choice: ToolChoice,
    reply: TurnReply,
    out: _Round,
    may_fall_back: bool,
) -> AsyncIterator[EventBase]:
    """One request's events as part of the one message. Until the server has sent something,
    the message's opening is held back: a refusal of the tools is then no part of it."""
    held: list[EventBase] | None = [] if may_fall_back and not reply.model else None
    async for item in provider.stream_tools(segment, tools, extra, cancel, choice):
        event = _taken(item, reply, out)
        if held is not None:
            if isinstance(event, ErrorEvent) and provider.tools_refused(event.kind):
                out.refused = event
                return
            if not isinstance(item, (ToolCallPiece, TokenDelta)):
                held += [event] if event is not None else []
                continue
            for kept in held:  # the server took the tools: the message goes on as usual
                yield kept
            held = None
        if event is not None:
            yield event
    for kept in held or ():
        yield kept


def _taken(item: Any, reply: TurnReply, out: _Round) -> EventBase | None:
    """What ``item`` adds to the message: an event to pass on, or None (kept in ``out``)."""
    if isinstance(item, ToolCallPiece):
        out.deltas.add([item])
        return None
    if isinstance(item, MessageStarted):
        if reply.model:
            return None
        reply.agent, reply.model = item.agent, item.model
        return item
    if isinstance(item, TokenDelta):
        # Each round's text comes trimmed; a later round's must not run into the earlier one's.
        gap = " " if not out.content and reply.text and not reply.text[-1].isspace() else ""
        out.content += item.text
        return reply.delta(gap + item.text)
    if isinstance(item, MessageCompleted):
        out.done = item
        return None
    return item  # errors, notices, context trims belong to this message too


def _cut_off(this: _Round, ctx: CallContext) -> list[EventBase]:
    """Calls a reply was making when it ended otherwise than by finishing (max tokens, an error,
    Stop): recorded as asked for, never run, so the transcript says what the model tried."""
    why = "the reply ended before this call was complete; it was not run"
    return [e for call in this.deltas.calls() for e in (ctx.requested(call), ctx.failed(call, "malformed_call", why))]


async def _within_limit(
    calls: list[ToolCall], ctx: CallContext, results: dict[str, str], left: int, limit: int
) -> AsyncIterator[EventBase]:
    """Run the calls that fit in what is left of the turn's limit (concurrently); the rest are
    recorded as over it. Each outcome the model reads back lands in ``results``."""
    events: list[EventBase] = []
    if left > 0:
        async for event in run_calls(calls[:left], ctx):  # passed on at once: an approval request must be seen
            events.append(event)
            yield event
    results.update(outcomes(events))
    for call in calls[max(0, left) :]:
        for event in ctx.over_limit(call, f"more than {limit} tool calls in one turn"):
            yield event


def _follow_up(calls: list[ToolCall], content: str, results: dict[str, str]) -> list[dict[str, Any]]:
    """The assistant turn that made the calls, then each call's ``tool`` result."""
    return [assistant_message(calls, content), *(tool_message(c.call_id, results[c.call_id]) for c in calls)]


def _next(request: CompletionRequest, reply: TurnReply) -> CompletionRequest | None:
    left = request.params.max_tokens - reply.usage.completion_tokens
    if left <= 0:
        return None
    return request.model_copy(update={"params": request.params.model_copy(update={"max_tokens": left})})


def _fallback_notice(refused: ErrorEvent) -> str:
    said = f" (the server said: {refused.detail[:300]})" if refused.detail else ""
    return (
        f"native tool calls refused: {refused.message}{said}; "
        "this turn and later ones use the text protocol (<tool>…</tool>) instead"
    )
