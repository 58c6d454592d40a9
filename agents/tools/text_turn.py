"""One agent turn with tools through the text protocol, around any provider-like stream.

The model writes until ``</tool>`` (a stop sequence), the call runs, ``<output>…</output>`` is
appended, and the model continues from its own text, up to ``max_calls`` calls. The caller
sees one message: one MessageStarted, every TokenDelta (the outputs included, so the streamed
text equals the final text), the tool events in between, and one MessageCompleted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from agents.events import Event, EventBase, FinishReason, MessageCompleted, MessageStarted, TokenDelta
from agents.llm.base import ChatMessage, CompletionRequest
from agents.tool_settings import DEFAULT_MAX_CALLS
from agents.tools.calls import CallContext, new_call, outcomes, run_calls
from agents.tools.reply import TurnReply
from agents.tools.text_protocol import CLOSE, find_call, output_block, parse_call, tools_prompt

StreamFn = Callable[[CompletionRequest], AsyncIterator[Event]]


def with_tools(request: CompletionRequest, ctx: CallContext, max_calls: int) -> CompletionRequest:
    """The request with the protocol explained in its system text and ``</tool>`` as a stop."""
    prompt = tools_prompt(ctx.registry.specs(), max_calls, request.speaker)
    messages = list(request.messages)
    if messages and messages[0].role == "system":
        messages[0] = messages[0].model_copy(update={"content": f"{messages[0].content}\n\n{prompt}"})
    else:
        messages.insert(0, ChatMessage(role="system", content=prompt))
    stops = request.params.stop + ((CLOSE,) if CLOSE not in request.params.stop else ())
    return request.model_copy(
        update={"messages": tuple(messages), "params": request.params.model_copy(update={"stop": stops})}
    )


def _continuation(base: CompletionRequest, text_so_far: str, tokens_used: int) -> CompletionRequest | None:
    """The next segment's request: the reply so far as the speaker's own message."""
    left = base.params.max_tokens - tokens_used
    if left <= 0:
        return None
    own = ChatMessage(role="assistant", content=text_so_far, name=base.speaker)
    return base.model_copy(
        update={"messages": base.messages + (own,), "params": base.params.model_copy(update={"max_tokens": left})}
    )


async def text_tool_turn(
    stream: StreamFn, request: CompletionRequest, ctx: CallContext, max_calls: int = DEFAULT_MAX_CALLS
) -> AsyncIterator[EventBase]:
    """Yield one message's events with tool calls run in between (see the module docstring).

    ``ctx`` belongs to this turn: its message id becomes the request's, so every tool event
    links to the message that made the call.
    """
    ctx.message_id = request.message_id
    base = with_tools(request, ctx, max_calls)
    reply, calls = TurnReply(base), 0
    segment: CompletionRequest | None = base
    finish: FinishReason = "stop"
    while segment is not None:
        async for event in _segment(stream, segment, reply):
            yield event
        done = reply.last
        if done is None or done.finish_reason != "stop":
            finish = done.finish_reason if done else "error"
            break
        reply.add_usage(done.usage)
        found = find_call(done.text)
        if found is None:
            break
        calls += 1
        if calls > max_calls:
            call = new_call(found[1].split("(")[0].strip() or "?", raw=found[1])
            for event in ctx.over_limit(call, f"more than {max_calls} tool calls in one turn"):
                yield event
            break
        async for event in _run_one(found[1], ctx, reply):
            yield event
        if ctx.cancel is not None and ctx.cancel.cancelled:
            finish = "cancelled"
            break
        segment = _continuation(base, reply.text, reply.usage.completion_tokens)
    yield reply.completed(finish)


async def _segment(stream: StreamFn, segment: CompletionRequest, reply: TurnReply) -> AsyncIterator[EventBase]:
    """One generation's events as part of the one message; its completion is kept in ``reply.last``."""
    reply.last = None
    async for event in stream(segment):
        if isinstance(event, MessageStarted):
            if not reply.model:
                reply.agent, reply.model = event.agent, event.model
                yield event
        elif isinstance(event, TokenDelta):
            yield reply.delta(event.text)
        elif isinstance(event, MessageCompleted):
            reply.last = event
        else:
            yield event  # errors, notices, context trims belong to this message too


async def _run_one(inside: str, ctx: CallContext, reply: TurnReply) -> AsyncIterator[EventBase]:
    call = parse_call(inside, {s.name: s for s in ctx.registry.specs()})
    events: list[EventBase] = []
    async for event in run_calls([call], ctx):  # passed on at once: an approval request must be seen
        events.append(event)
        yield event
    yield reply.delta(output_block(outcomes(events)[call.call_id]))
