import asyncio

from agents.events import MessageCompleted, MessageStarted, TokenDelta
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams
from agents.llm.scripted import ScriptedProvider
from agents.tools.base import ToolSpec
from agents.tools.calculator import SPEC, calculator_tool
from agents.tools.calls import CallContext
from agents.tools.events import ToolCallCompleted, ToolCallFailed, ToolCallRequested
from agents.tools.make_tool import MAKE_TOOL_SCHEMA
from agents.tools.registry import ToolRegistry
from agents.tools.text_protocol import find_call, parse_call, tools_prompt
from agents.tools.text_turn import text_tool_turn

SPECS = {"calculator": SPEC}
MAKE_TOOL_SPEC = ToolSpec(name="make_tool", description="Write a tool.", parameters=MAKE_TOOL_SCHEMA)


def test_parse_forms():
    for inside in (
        "calculator(2+3)",
        'calculator("2+3")',
        "calculator(expression='2+3')",
        'calculator({"expression": "2+3"})',
    ):
        call = parse_call(inside, SPECS)
        assert (call.tool, call.arguments, call.problem) == ("calculator", {"expression": "2+3"}, None), inside


def test_malformed_calls_have_a_problem():
    for inside in ("calculator(", "just words", "calculator({not json)"):
        assert parse_call(inside, SPECS).problem is not None, inside
    assert parse_call("abacus(1)", SPECS).problem is None  # unknown tools are reported when run


def test_a_complete_call_followed_by_prose_is_read():
    # the embedded model's own text: a correct call, then it goes on talking inside the tags
    inside = (
        'make_tool("""def multiply(a: int, b: int) -> int:\n    "Multiply two integers."\n    return a * b""", '
        '"assert multiply(6, 7) == 42"). The lab runs the test in sandbox and saves it.</output>.'
    )
    call = parse_call(inside, {"make_tool": MAKE_TOOL_SPEC})
    assert call.problem is None and call.arguments["test"] == "assert multiply(6, 7) == 42"
    assert call.arguments["source"].endswith("return a * b") and call.raw == f"<tool>{inside}</tool>"
    assert parse_call("calculator(2+3).\n<output>5", SPECS).arguments == {"expression": "2+3"}
    # more code after the call is not guessed at: the whole text is read as before, and fails
    assert "could not read the call" in parse_call("calculator(2) + 3", SPECS).problem
    assert parse_call('make_tool("f", "g")) + 1', {"make_tool": MAKE_TOOL_SPEC}).problem is not None


def test_find_call_drops_an_invented_output():
    assert find_call("Sure. <tool>calculator(1+2)</tool><output>4</output>") == ("Sure. ", "calculator(1+2)")
    assert find_call("no call here") is None


def test_prompt_has_a_worked_example():
    prompt = tools_prompt([SPEC], 3)
    assert '<tool>calculator("12*(3+4)")</tool>' in prompt and "<output>84</output>" in prompt and "At most 3" in prompt
    # two examples whose numbers differ, each answer stating the result first (small models copy)
    assert '<tool>calculator("58+7*61-209*3")</tool>' in prompt and "Assistant: The answer is -142." in prompt


def request() -> CompletionRequest:
    return CompletionRequest(
        messages=(
            ChatMessage(role="system", content="You are Alice."),
            ChatMessage(role="user", content="What is 12+34*5?"),
        ),
        params=GenerationParams(max_tokens=100),
        speaker="Alice",
    )


def script(*replies):
    """Reply i-th to the i-th segment: the provider sees how many outputs it has been given."""

    def reply(req: CompletionRequest) -> str:
        return (
            replies[min(req.messages[-1].content.count("<output>"), len(replies) - 1)]
            if req.messages[-1].role == "assistant"
            else replies[0]
        )

    return ScriptedProvider(reply)


async def turn(provider, registry=None, max_calls=4):
    ctx = CallContext(registry or ToolRegistry([calculator_tool()]), "", "Alice")
    req = request()
    return req, [e async for e in text_tool_turn(provider.stream, req, ctx, max_calls)]


async def test_call_run_and_continue_as_one_message():
    provider = script("Let me compute. <tool>calculator(12+34*5)</tool> <output>999</output>", "So it is 182.")
    req, events = await turn(provider)
    assert sum(isinstance(e, MessageStarted) for e in events) == 1
    done = events[-1]
    assert isinstance(done, MessageCompleted) and done.message_id == req.message_id
    assert "<output>182</output>" in done.text and done.text.endswith("So it is 182.") and "999" not in done.text
    assert "".join(e.text for e in events if isinstance(e, TokenDelta)) == done.text
    completed = next(e for e in events if isinstance(e, ToolCallCompleted))
    assert completed.output == "182" and completed.message_id == req.message_id
    assert (
        "</tool>" in provider.requests[0].params.stop
        and "calculator(expression)" in provider.requests[0].messages[0].content
    )
    assert provider.requests[1].messages[-1].role == "assistant" and provider.requests[1].messages[-1].name == "Alice"


async def test_malformed_call_is_seen_by_the_model():
    provider = script("<tool>calculator(</tool>", "Sorry, I will answer 182.")
    _, events = await turn(provider)
    failed = next(e for e in events if isinstance(e, ToolCallFailed))
    assert failed.kind == "malformed_call"
    assert "<output>error (malformed_call)" in events[-1].text and events[-1].finish_reason == "stop"


async def test_unknown_tool_and_bad_arguments():
    provider = script("<tool>abacus(1)</tool>", "<tool>calculator(1+)</tool>", "Done.")
    _, events = await turn(provider)
    kinds = [e.kind for e in events if isinstance(e, ToolCallFailed)]
    assert kinds == ["unknown_tool", "bad_arguments"] and events[-1].text.endswith("Done.")


async def test_a_model_that_calls_in_a_loop_hits_the_limit():
    provider = script("<tool>calculator(1+1)</tool>")
    _, events = await turn(provider, max_calls=3)
    assert sum(isinstance(e, ToolCallCompleted) for e in events) == 3
    last_failed = [e for e in events if isinstance(e, ToolCallFailed)][-1]
    assert last_failed.kind == "call_limit" and len(provider.requests) == 4
    assert isinstance(events[-1], MessageCompleted) and events[-1].text.count("<output>2</output>") == 3


async def test_every_tool_event_is_linked_to_the_message():
    req, events = await turn(script("<tool>calculator(2*2)</tool>", "4."))
    tool_events = [e for e in events if isinstance(e, (ToolCallRequested, ToolCallCompleted))]
    assert tool_events and {e.message_id for e in tool_events} == {req.message_id}


async def test_an_approval_request_reaches_the_consumer_while_the_call_waits():
    from agents.tools.approvals import ApprovalAnswers
    from agents.tools.calls import Approval
    from agents.tools.events import ToolApprovalRequested

    answers = ApprovalAnswers()
    registry = ToolRegistry([calculator_tool()], {"calculator": "ask"})
    ctx = CallContext(registry, "", "Alice", approver=answers)
    events = []

    async def consume():  # a consumer that only answers once it has seen the request
        async for event in text_tool_turn(script("<tool>calculator(2*3)</tool>", "6.").stream, request(), ctx):
            events.append(event)
            if isinstance(event, ToolApprovalRequested):
                answers.answer(event.call_id, Approval(approved=True))

    await asyncio.wait_for(consume(), 30)  # a request held back until the answer would hang here
    assert next(e for e in events if isinstance(e, ToolCallCompleted)).output == "6"
