import asyncio

from agents.tools.calculator import calculator_tool
from agents.tools.calls import Approval, CallContext, new_call, outcomes, run_calls
from agents.tools.events import (
    ToolApprovalRequested,
    ToolCallApproved,
    ToolCallCompleted,
    ToolCallFailed,
    ToolCallRejected,
    ToolCallRequested,
)
from agents.tools.registry import ToolRegistry
from tests.agents.tools.helpers import waiting_pair

CALC = new_call("calculator", {"expression": "6*7"})


def ctx(registry=None, approver=None) -> CallContext:
    return CallContext(registry or ToolRegistry([calculator_tool()]), "m1", "Alice", approver=approver)


async def events_of(calls, context):
    return [e async for e in run_calls(calls, context)]


async def test_a_call_is_requested_then_completed_with_the_message_id():
    events = await events_of([CALC], ctx())
    assert [type(e) for e in events] == [ToolCallRequested, ToolCallCompleted]
    assert all(e.message_id == "m1" and e.agent == "Alice" for e in events) and events[1].output == "42"
    assert outcomes(events) == {CALC.call_id: "42"}


async def test_unknown_tool_names_the_known_ones():
    events = await events_of([new_call("abacus", {})], ctx())
    assert isinstance(events[-1], ToolCallFailed) and events[-1].kind == "unknown_tool"
    assert "calculator" in events[-1].message


async def test_malformed_call_is_an_error_result():
    events = await events_of([new_call("?", problem="could not read it")], ctx())
    assert events[-1].kind == "malformed_call" and "error (malformed_call)" in outcomes(events)[events[-1].call_id]


async def test_policy_never_rejects_without_running():
    registry = ToolRegistry([calculator_tool()], {"calculator": "never"})
    events = await events_of([CALC], ctx(registry))
    assert isinstance(events[-1], ToolCallRejected) and events[-1].by == "policy"
    assert "rejected" in outcomes(events)[CALC.call_id]


async def test_ask_with_nobody_to_ask_is_rejected():
    registry = ToolRegistry([calculator_tool()], {"calculator": "ask"})
    events = await events_of([CALC], ctx(registry))
    assert [type(e) for e in events] == [ToolCallRequested, ToolApprovalRequested, ToolCallRejected]


async def test_ask_approved_with_edited_arguments_runs_the_edit():
    asked = []

    async def approver(request):
        asked.append(request)
        return Approval(approved=True, arguments={"expression": "1+1"})

    registry = ToolRegistry([calculator_tool()], {"calculator": "ask"})
    events = await events_of([CALC], ctx(registry, approver))
    approved = next(e for e in events if isinstance(e, ToolCallApproved))
    assert approved.edited and approved.by == "human" and asked[0].arguments == {"expression": "6*7"}
    assert events[-1].output == "2"


async def test_ask_rejected_by_a_person_keeps_the_reason():
    async def approver(request):
        return Approval(approved=False, reason="not now")

    registry = ToolRegistry([calculator_tool()], {"calculator": "ask"})
    events = await events_of([CALC], ctx(registry, approver))
    assert isinstance(events[-1], ToolCallRejected) and events[-1].by == "human" and events[-1].reason == "not now"


async def test_calls_of_one_turn_run_concurrently():
    registry = ToolRegistry(waiting_pair())
    calls = [new_call("a"), new_call("b")]
    events = await asyncio.wait_for(events_of(calls, ctx(registry)), 30)
    assert sorted(outcomes(events).values()) == ["a", "b"]
