"""Native function calling through the OpenAI-compatible provider, against a real HTTP server."""

import pytest

from agents.agent import Agent
from agents.events import ErrorEvent, MessageCompleted, Notice, TokenDelta
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams, ProviderError
from agents.llm.native_tools import NativeToolsProvider, ToolCallPiece
from agents.llm.openai_compat import OpenAICompatProvider
from agents.llm.refs import parse_model_ref
from agents.tool_settings import ToolSettings
from agents.tools.calculator import SPEC
from agents.tools.events import ToolCallCompleted, ToolCallRequested
from agents.tools.native import openai_tools
from agents.tools.toolbox import Toolbox
from tests.agents.llm.tools_server import ToolsServer


@pytest.fixture
async def server():
    srv = await ToolsServer().start()
    yield srv
    await srv.stop()


def provider(server, model, **options):
    query = "&".join(f"{k}={v}" for k, v in {"timeout": 5, "retries": 0, **options}.items())
    return OpenAICompatProvider(parse_model_ref(f"openai-compatible:{server.base_url}#{model}?{query}"))


def request():
    return CompletionRequest(
        messages=(ChatMessage(role="user", content="2*3 and 4+4?"),),
        params=GenerationParams(max_tokens=64, stop=("\nBob:",)),
        speaker="Alice",
    )


async def turn(p, tools=("calculator",)):
    box = await Toolbox.open([], {}, ToolSettings())
    try:
        return [e async for e in box.turn(Agent(name="Alice", tools=tools), request(), p)]
    finally:
        await p.aclose()


def test_native_tools_setting_per_endpoint(server):
    assert isinstance(provider(server, "calls"), NativeToolsProvider)
    assert provider(server, "calls").uses_native_tools()
    assert not provider(server, "calls", api="completions").uses_native_tools()
    assert not provider(server, "calls", tools="off").uses_native_tools()
    assert provider(server, "calls", tools="on", api="completions").uses_native_tools()
    with pytest.raises(ProviderError, match="native_tools"):
        provider(server, "calls", tools="maybe")


async def test_streamed_parallel_calls_become_one_message_with_results(server):
    events = await turn(provider(server, "calls"))
    assert [e.via for e in events if isinstance(e, ToolCallRequested)] == ["native", "native"]
    assert [e.output for e in events if isinstance(e, ToolCallCompleted)] == ["6", "8"]
    done = events[-1]
    assert isinstance(done, MessageCompleted) and done.text == "It is 6 and 8." and done.finish_reason == "stop"
    first, second = server.bodies
    assert first["tools"] == openai_tools([SPEC]) and first["tool_choice"] == "auto" and first["stream"]
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "tool", "tool"]
    assert [c["id"] for c in second["messages"][1]["tool_calls"]] == ["call_a", "call_b"]
    assert second["messages"][1]["tool_calls"][0]["function"]["name"] == "calculator"
    assert [m["content"] for m in second["messages"][2:]] == ["6", "8"]


async def test_a_server_that_refuses_tools_gets_the_text_protocol_with_a_notice(server):
    p = provider(server, "refuse")
    events = await turn(p)
    notices = [e.text for e in events if isinstance(e, Notice)]
    assert len(notices) == 1 and "native tool calls refused" in notices[0] and "does not support tools" in notices[0]
    assert not any(isinstance(e, ErrorEvent) for e in events)
    assert "tools" in server.bodies[0] and "tools" not in server.bodies[1]
    assert "<tool>" in server.bodies[1]["messages"][0]["content"]  # the protocol, explained in the system text
    assert events[-1].finish_reason == "stop" and not p.uses_native_tools()


async def test_refused_with_native_on_is_an_error(server):
    events = await turn(provider(server, "refuse", tools="on"))
    assert [e.kind for e in events if isinstance(e, ErrorEvent)] == ["bad_request"]
    assert events[-1].finish_reason == "error" and len(server.bodies) == 1


async def test_a_server_that_cannot_stream_calls_is_asked_without_streaming(server):
    p = provider(server, "no_stream")
    events = await turn(p)
    notices = [e.text for e in events if isinstance(e, Notice)]
    assert len(notices) == 1 and "without streaming" in notices[0]
    assert [e.output for e in events if isinstance(e, ToolCallCompleted)] == ["42"]
    assert events[-1].text == "It is 42." and events[-1].finish_reason == "stop"
    assert "".join(e.text for e in events if isinstance(e, TokenDelta)) == "It is 42."
    assert [b["stream"] for b in server.bodies] == [True, False, False]  # remembered for the next round
    assert events[-1].usage.completion_tokens == 8 and not events[-1].usage.estimated


async def test_plain_stream_never_sends_tools_nor_yields_pieces(server):
    p = provider(server, "calls")
    try:
        events = [e async for e in p.stream(request())]
    finally:
        await p.aclose()
    assert "tools" not in server.bodies[0] and events[-1].text == "It is 6 and 8."
    assert not any(isinstance(e, ToolCallPiece) for e in events)


async def test_tools_on_a_completions_endpoint_are_a_clear_error(server):
    events = await turn(provider(server, "calls", tools="on", api="completions"))
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert [e.kind for e in errors] == ["unsupported"] and "api=chat" in errors[0].message
