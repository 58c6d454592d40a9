"""Native tool calls against a real llama.cpp server (``python -m llama_cpp.server``, the
embedded GGUF, ``--chat_format chatml-function-calling``).

What that chat format in llama-cpp-python 0.3.x does, read from its source: with
``tool_choice="auto"`` a grammar makes the model choose between ``functions.<name>:`` and
``message:``, and the arguments are grammar-constrained to the tool's JSON Schema; a call it
chooses cannot be streamed (the server answers 200 and sends nothing), so the provider asks
again without streaming; a named ``tool_choice`` streams. Its template drops ``tool`` messages,
so the model never reads a result back: these tests check the calls and the plumbing, not
what the base model does with results. (Seen: the 270M base model copies ``value1`` from that
template's own example into the arguments.) The follow-up request must carry the assistant's
``content`` as a string: this server refuses ``null`` with HTTP 500.
"""

import pytest

from agents.agent import Agent
from agents.events import ErrorEvent, MessageCompleted, Notice
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams
from agents.llm.openai_compat import OpenAICompatProvider
from agents.llm.refs import parse_model_ref
from agents.tool_settings import ToolSettings
from agents.tools.calculator import calculator_tool
from agents.tools.calls import CallContext
from agents.tools.events import ToolCallCompleted, ToolCallFailed, ToolCallRequested
from agents.tools.native_turn import native_tool_turn
from agents.tools.registry import ToolRegistry
from agents.tools.toolbox import Toolbox
from tests.integration.conftest import LlamaServer

pytestmark = pytest.mark.integration
FORCED = {"type": "function", "function": {"name": "calculator"}}


@pytest.fixture(scope="module")
def calling_server(gguf_path):
    server = LlamaServer(gguf_path, logits_all=False, chat_format="chatml-function-calling")
    yield server
    server.stop()


def provider(server) -> OpenAICompatProvider:
    # A hang guard, not a speed test: a loaded machine is slow.
    return OpenAICompatProvider(parse_model_ref(f"openai-compatible:{server.base_url}#gemma?timeout=600&retries=1"))


def question(text="What is 473+896*583+887-956*809? Use the calculator."):
    return CompletionRequest(
        messages=(
            ChatMessage(
                role="system", content="You are Solver. You answer arithmetic questions with the exact number."
            ),
            ChatMessage(role="user", content=text),
        ),
        params=GenerationParams(max_tokens=48, temperature=0.0, seed=0),
        speaker="Solver",
    )


def outcome_of(events, call_id):
    return next(e for e in events if isinstance(e, (ToolCallCompleted, ToolCallFailed)) and e.call_id == call_id)


async def test_a_named_tool_choice_gives_a_streamed_call_that_runs(calling_server, server_key):
    """The call is forced (``tool_choice`` names the calculator) so that the test does not
    depend on the base model deciding to call; the arguments are still the model's."""
    p = provider(calling_server)
    ctx = CallContext(ToolRegistry([calculator_tool()]), "m", "Solver")
    try:
        events = [e async for e in native_tool_turn(p, question(), ctx, max_calls=2, first_choice=FORCED)]
    finally:
        await p.aclose()
    assert not any(isinstance(e, ErrorEvent) for e in events), events
    requested = [e for e in events if isinstance(e, ToolCallRequested)]
    assert requested and all(e.via == "native" and e.tool == "calculator" for e in requested)
    first = requested[0]
    assert isinstance(first.arguments.get("expression"), str)  # JSON that matched the schema
    outcome = outcome_of(events, first.call_id)  # the model's expression may be wrong; the call was read
    assert not (isinstance(outcome, ToolCallFailed) and outcome.kind == "malformed_call")
    done = events[-1]
    assert isinstance(done, MessageCompleted) and done.finish_reason == "stop"


async def test_auto_tool_choice_in_a_team_turn_calls_without_streaming(calling_server, server_key):
    """The real run path: Toolbox.turn with a chat endpoint (native_tools auto). At
    temperature 0 this model, asked to use the calculator, chooses the call."""
    p = provider(calling_server)
    box = await Toolbox.open([], {}, ToolSettings(max_calls_per_turn=2))
    try:
        events = [e async for e in box.turn(Agent(name="Solver", tools=("calculator",)), question(), p, None)]
    finally:
        await p.aclose()
    assert not any(isinstance(e, ErrorEvent) for e in events), events
    requested = [e for e in events if isinstance(e, ToolCallRequested)]
    assert requested and all(e.via == "native" for e in requested)
    assert any("without streaming" in e.text for e in events if isinstance(e, Notice))
    for call in requested:  # every call got exactly one outcome the model could read
        assert outcome_of(events, call.call_id)
    assert events[-1].finish_reason == "stop"
