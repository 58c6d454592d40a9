"""One turn with native function calling, around any OpenAI-style chunk stream.

``step(messages, tools)`` streams ``chat.completion.chunk`` objects (or dicts of the same shape)
for one request; the loop turns content into TokenDeltas, collects ``tool_calls`` deltas, runs
the calls of a round concurrently, appends the assistant and ``tool`` messages and asks again,
up to ``max_rounds`` rounds of calls. The caller sees one message with the tool events inside.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from agents.events import ErrorEvent, EventBase, FinishReason, MessageCompleted, MessageStarted, TokenDelta
from agents.llm.base import ProviderError
from agents.tools.calls import CallContext, outcomes, run_calls
from agents.tools.native import ToolCallDeltas, assistant_message, openai_tools, tool_message

ChunkStream = Callable[[list[dict[str, Any]], list[dict[str, Any]]], AsyncIterator[Any]]
DEFAULT_MAX_ROUNDS = 4


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


def _delta(chunk: Any) -> Any:
    choices = _get(chunk, "choices") or []
    return _get(choices[0], "delta") if choices else None


class _Round:
    """What one request streamed: its content, its tool calls, and whether it failed."""

    def __init__(self) -> None:
        self.content = ""
        self.deltas = ToolCallDeltas()
        self.failed = False


async def _stream_round(
    step: ChunkStream, history: list, tools: list, ctx: CallContext, out: _Round
) -> AsyncIterator[EventBase]:
    try:
        async for chunk in step(history, tools):
            delta = _delta(chunk)
            if delta is None:
                continue
            if piece := _get(delta, "content"):
                out.content += piece
                yield TokenDelta(message_id=ctx.message_id, text=piece)
            out.deltas.add(_get(delta, "tool_calls"))
    except ProviderError as exc:
        out.failed = True
        yield ErrorEvent(kind=exc.kind, message=exc.message, message_id=ctx.message_id, retryable=exc.retryable)


async def native_tool_turn(
    step: ChunkStream,
    messages: Sequence[dict[str, Any]],
    ctx: CallContext,
    model: str,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
) -> AsyncIterator[EventBase]:
    """Yield MessageStarted, TokenDeltas and tool events, then one MessageCompleted."""
    history, tools = list(messages), openai_tools(ctx.registry.specs())
    started, text = time.perf_counter(), ""
    finish: FinishReason = "stop"
    yield MessageStarted(message_id=ctx.message_id, agent=ctx.agent, model=model)
    for round_index in range(max_rounds + 1):
        this = _Round()
        async for event in _stream_round(step, history, tools, ctx, this):
            yield event
        text += this.content
        if this.failed:
            finish = "error"
        if this.failed or not this.deltas:
            break
        calls = this.deltas.calls()
        if round_index == max_rounds:
            for call in calls:
                for event in ctx.over_limit(call, f"more than {max_rounds} rounds of tool calls in one turn"):
                    yield event
            break
        events = []
        async for event in run_calls(calls, ctx):
            events.append(event)
            yield event
        results = outcomes(events)
        history += [
            assistant_message(calls, this.content),
            *(tool_message(c.call_id, results[c.call_id]) for c in calls),
        ]
    yield MessageCompleted(
        message_id=ctx.message_id,
        agent=ctx.agent,
        model=model,
        text=text,
        finish_reason=finish,
        latency_s=time.perf_counter() - started,
    )
