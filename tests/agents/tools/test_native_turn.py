"""The native function-calling turn, against a fake provider that takes ``tools``."""

import asyncio

from agents.events import ErrorEvent, MessageCompleted, MessageStarted, Notice, TokenDelta
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams, ProviderError
from agents.tools.calculator import calculator_tool
from agents.tools.calls import CallContext
from agents.tools.events import ToolCallCompleted, ToolCallFailed, ToolCallRequested
from agents.tools.native_turn import native_tool_turn
from agents.tools.registry import ToolRegistry
from agents.tools.text_turn import text_tool_turn
from tests.agents.tools.helpers import waiting_pair
from tests.agents.tools.native_fake import NativeFake, call


def request(max_tokens=256):
    return CompletionRequest(
        messages=(ChatMessage(role="user", content="2*3 and 4+4?"),),
        params=GenerationParams(max_tokens=max_tokens),
        speaker="Alice",
    )


def context(tools=None):
    return CallContext(ToolRegistry(tools or [calculator_tool()]), "ignored", "Alice")


async def run(provider, req=None, ctx=None, **options):
    req, ctx = req or request(), ctx or context()
    return [e async for e in native_tool_turn(provider, req, ctx, **options)]


def two_calls_then_answer(extra):
    if not extra:  # the second call's arguments arrive in two pieces, after the first call began
        return [
            "Computing.",
            call(0, "calculator", '{"expression": "2*3"}'),
            call(1, "calculator", '{"expression"'),
            call(1, "", ': "4+4"}'),
        ]
    return [" 6 and 8."]


async def test_parallel_calls_run_and_the_turn_continues_as_one_message():
    provider = NativeFake(two_calls_then_answer)
    req = request()
    events = await run(provider, req)
    assert sorted(e.output for e in events if isinstance(e, ToolCallCompleted)) == ["6", "8"]
    assert [e.via for e in events if isinstance(e, ToolCallRequested)] == ["native", "native"]
    assert sum(isinstance(e, MessageStarted) for e in events) == 1
    done = events[-1]
    assert isinstance(done, MessageCompleted) and done.text == "Computing. 6 and 8." and done.finish_reason == "stop"
    assert done.message_id == req.message_id and done.usage.completion_tokens == 6
    assert "".join(e.text for e in events if isinstance(e, TokenDelta)) == done.text
    assert all(e.message_id == req.message_id for e in events if isinstance(e, ToolCallRequested))
    second = provider.asked[1]["extra"]
    assert second[0]["role"] == "assistant" and [c["id"] for c in second[0]["tool_calls"]] == ["c0", "c1"]
    assert second[0]["content"] == "Computing."
    assert [(m["role"], m["tool_call_id"], m["content"]) for m in second[1:]] == [
        ("tool", "c0", "6"),
        ("tool", "c1", "8"),
    ]
    assert provider.asked[0]["tools"][0]["function"]["name"] == "calculator"
    assert provider.asked[1]["request"].params.max_tokens == 256 - 3  # the turn's budget, less the first round's


async def test_garbage_from_the_server_is_an_error_result_the_model_reads():
    def garbage(extra):
        if extra:
            return ["sorry"]
        return [call(0, "calculator", '{"expression": '), call(1, "no_such_tool", "{}"), call(2, "calculator", "[1]")]

    provider = NativeFake(garbage)
    events = await run(provider)
    failed = {e.call_id: e for e in events if isinstance(e, ToolCallFailed)}
    assert sorted(e.kind for e in failed.values()) == ["malformed_call", "malformed_call", "unknown_tool"]
    results = [m["content"] for m in provider.asked[1]["extra"][1:]]
    assert "not valid JSON" in results[0] and "no tool named 'no_such_tool'" in results[1]
    assert "JSON object" in results[2]
    assert events[-1].text == "sorry" and events[-1].finish_reason == "stop"


async def test_the_per_turn_call_limit_counts_calls_not_rounds():
    provider = NativeFake(lambda extra: [call(0, "calculator", '{"expression": "1+1"}', f"x{len(extra)}")])
    events = await run(provider, max_calls=3)
    assert sum(isinstance(e, ToolCallCompleted) for e in events) == 3
    limited = [e for e in events if isinstance(e, ToolCallFailed)]
    assert [e.kind for e in limited] == ["call_limit"] and len(provider.asked) == 4
    assert events[-1].finish_reason == "stop"

    parallel = NativeFake(lambda extra: [call(i, "calculator", '{"expression": "2"}') for i in range(3)])
    events = await run(parallel, max_calls=2)
    assert sum(isinstance(e, ToolCallCompleted) for e in events) == 2
    assert [e.kind for e in events if isinstance(e, ToolCallFailed)] == ["call_limit"]


async def test_a_provider_error_mid_turn_keeps_the_text_so_far():
    def broken(extra):
        if not extra:
            return ["partial", call(0, "calculator", '{"expression": "2"}')]
        return [" more", ProviderError("disconnected", "the server went away")]

    events = await run(NativeFake(broken))
    assert isinstance(events[-2], ErrorEvent) and events[-2].kind == "disconnected"
    assert events[-1].finish_reason == "error" and events[-1].text == "partial more"


async def test_a_refusal_falls_back_to_the_text_protocol_with_a_notice():
    provider = NativeFake(
        lambda extra: [ProviderError("bad_request", "tools are not supported")],
        text_replies=['<tool>calculator("2*3")', "It is 6."],
    )
    req, ctx = request(), context()
    fallback = lambda: text_tool_turn(provider.stream, req, ctx)  # noqa: E731
    events = [e async for e in native_tool_turn(provider, req, ctx, fallback=fallback)]
    notices = [e for e in events if isinstance(e, Notice)]
    assert len(notices) == 1 and "text protocol" in notices[0].text and "tools are not supported" in notices[0].text
    assert not any(isinstance(e, ErrorEvent) for e in events)  # the refusal is not the message's error
    assert sum(isinstance(e, MessageStarted) for e in events) == 1
    assert [e.via for e in events if isinstance(e, ToolCallRequested)] == ["text"]
    assert [e.output for e in events if isinstance(e, ToolCallCompleted)] == ["6"]
    assert events[-1].finish_reason == "stop" and events[-1].text.endswith("It is 6.")
    assert not provider.uses_native_tools()  # later turns go straight to the text protocol


async def test_with_native_on_a_refusal_is_the_turns_error():
    provider = NativeFake(lambda extra: [ProviderError("bad_request", "no tools here")], mode="on")
    req, ctx = request(), context()
    events = [
        e
        async for e in native_tool_turn(provider, req, ctx, fallback=lambda: text_tool_turn(provider.stream, req, ctx))
    ]
    assert [e.kind for e in events if isinstance(e, ErrorEvent)] == ["bad_request"]
    assert events[-1].finish_reason == "error" and not provider.requests


async def test_the_first_request_may_name_the_tool_and_later_ones_are_auto():
    forced = {"type": "function", "function": {"name": "calculator"}}
    provider = NativeFake(two_calls_then_answer)
    await run(provider, first_choice=forced)
    assert [a["tool_choice"] for a in provider.asked] == [forced, "auto"]


async def test_calls_of_one_round_run_concurrently():
    provider = NativeFake(lambda extra: ["done"] if extra else [call(0, "a", "{}"), call(1, "b", "{}")])
    events = await asyncio.wait_for(run(provider, ctx=context(waiting_pair())), 30)
    assert events[-1].text == "done"


async def test_a_call_cut_off_by_the_token_limit_is_recorded_not_run():
    class CutOff(NativeFake):
        async def stream_tools(self, request, tools, extra, cancel=None, tool_choice="auto"):
            async for item in super().stream_tools(request, tools, extra, cancel, tool_choice):
                yield (
                    item.model_copy(update={"finish_reason": "length"}) if isinstance(item, MessageCompleted) else item
                )

    events = await run(CutOff(lambda extra: [call(0, "calculator", '{"expression": "1+')]))
    failed = [e for e in events if isinstance(e, ToolCallFailed)]
    assert [e.kind for e in failed] == ["malformed_call"] and "not run" in failed[0].message
    assert not any(isinstance(e, ToolCallCompleted) for e in events) and events[-1].finish_reason == "length"
