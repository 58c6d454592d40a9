"""The native function-calling turn loop, against a fake OpenAI chunk stream."""

import asyncio

from agents.events import ErrorEvent, MessageCompleted, TokenDelta
from agents.llm.base import ProviderError
from agents.tools.calculator import calculator_tool
from agents.tools.calls import CallContext
from agents.tools.events import ToolCallCompleted, ToolCallFailed
from agents.tools.native_turn import native_tool_turn
from agents.tools.registry import ToolRegistry
from tests.agents.tools.helpers import waiting_pair


def chunk(content=None, tool_calls=None):
    return {"choices": [{"index": 0, "delta": {"content": content, "tool_calls": tool_calls}}]}


def two_calls_then_answer():
    seen = []

    async def step(messages, tools):
        seen.append((list(messages), tools))
        if messages[-1]["role"] != "tool":
            yield chunk("Computing. ")
            yield chunk(
                tool_calls=[
                    {"index": 0, "id": "a", "function": {"name": "calculator", "arguments": '{"expression": "2*3"}'}},
                    {"index": 1, "id": "b", "function": {"name": "calculator", "arguments": '{"expression"'}},
                ]
            )
            yield chunk(tool_calls=[{"index": 1, "function": {"arguments": ': "4+4"}'}}])
        else:
            yield chunk("6 and 8.")

    return step, seen


async def test_native_turn_runs_parallel_calls_and_continues():
    step, seen = two_calls_then_answer()
    ctx = CallContext(ToolRegistry([calculator_tool()]), "m1", "Alice", via="native")
    events = [e async for e in native_tool_turn(step, [{"role": "user", "content": "2*3 and 4+4?"}], ctx, "gpt-test")]
    assert sorted(e.output for e in events if isinstance(e, ToolCallCompleted)) == ["6", "8"]
    done = events[-1]
    assert isinstance(done, MessageCompleted) and done.text == "Computing. 6 and 8." and done.finish_reason == "stop"
    assert "".join(e.text for e in events if isinstance(e, TokenDelta)) == done.text
    second_request = seen[1][0]
    assert second_request[1]["tool_calls"][1]["id"] == "b"
    assert [m["content"] for m in second_request[2:]] == ["6", "8"]
    assert seen[0][1][0]["function"]["name"] == "calculator"


async def test_native_turn_call_limit_and_provider_error():
    async def looping(messages, tools):
        yield chunk(
            tool_calls=[
                {
                    "index": 0,
                    "id": f"c{len(messages)}",
                    "function": {"name": "calculator", "arguments": '{"expression": "1"}'},
                }
            ]
        )

    ctx = CallContext(ToolRegistry([calculator_tool()]), "m", "A", via="native")
    events = [e async for e in native_tool_turn(looping, [{"role": "user", "content": "x"}], ctx, "m", max_rounds=2)]
    assert sum(isinstance(e, ToolCallCompleted) for e in events) == 2
    assert [e.kind for e in events if isinstance(e, ToolCallFailed)] == ["call_limit"]

    async def broken(messages, tools):
        yield chunk("partial ")
        raise ProviderError("disconnected", "the server went away")

    events = [e async for e in native_tool_turn(broken, [], ctx, "m")]
    assert isinstance(events[-2], ErrorEvent) and events[-1].finish_reason == "error" and events[-1].text == "partial "


async def test_native_calls_of_one_round_run_concurrently():
    async def step(messages, tools):
        if messages and messages[-1]["role"] == "tool":
            yield chunk("done")
            return
        yield chunk(
            tool_calls=[
                {"index": 0, "id": "1", "function": {"name": "a", "arguments": "{}"}},
                {"index": 1, "id": "2", "function": {"name": "b", "arguments": "{}"}},
            ]
        )

    ctx = CallContext(ToolRegistry(waiting_pair()), "m", "A", via="native")
    events = await asyncio.wait_for(_collect(native_tool_turn(step, [], ctx, "m")), 30)
    assert events[-1].text == "done"


async def _collect(stream):
    return [e async for e in stream]
