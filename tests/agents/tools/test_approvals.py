import asyncio

import pytest

from agents.llm.base import Cancelled, CancelToken
from agents.tools.approvals import ApprovalAnswers
from agents.tools.calculator import calculator_tool
from agents.tools.calls import Approval, CallContext, new_call, run_calls
from agents.tools.events import ToolApprovalRequested, ToolCallCompleted, ToolCallRejected
from agents.tools.registry import ToolRegistry


def asking_ctx(answers, cancel=None) -> CallContext:
    registry = ToolRegistry([calculator_tool()], {"calculator": "ask"})
    return CallContext(registry, "m", "Alice", approver=answers, cancel=cancel)


async def test_an_answer_given_through_the_stream_reaches_the_waiting_call():
    answers = ApprovalAnswers()
    events = []
    async for event in run_calls([new_call("calculator", {"expression": "2*21"})], asking_ctx(answers)):
        events.append(event)
        if isinstance(event, ToolApprovalRequested):  # the window shows the bar, the person clicks
            answers.answer(event.call_id, Approval(approved=True))
    assert isinstance(events[-1], ToolCallCompleted) and events[-1].output == "42"


async def test_an_early_answer_is_kept_and_a_rejection_is_recorded():
    answers = ApprovalAnswers()
    call = new_call("calculator", {"expression": "1"})
    assert answers.answer(call.call_id, Approval(approved=False, reason="no")) is False
    events = [e async for e in run_calls([call], asking_ctx(answers))]
    assert isinstance(events[-1], ToolCallRejected) and events[-1].reason == "no" and events[-1].by == "human"


async def test_stop_ends_a_wait_for_approval():
    answers, cancel = ApprovalAnswers(), CancelToken()
    stream = run_calls([new_call("calculator", {"expression": "1"})], asking_ctx(answers, cancel))
    first, second = await stream.__anext__(), await stream.__anext__()
    assert isinstance(second, ToolApprovalRequested) and first.call_id == second.call_id
    pending = asyncio.ensure_future(stream.__anext__())
    while not answers.waiting:
        await asyncio.sleep(0)
    cancel.cancel()
    rejected = await pending
    assert isinstance(rejected, ToolCallRejected) and "stopped while waiting" in rejected.reason


async def test_release_refuses_later_asks():
    answers = ApprovalAnswers()
    answers.release()
    with pytest.raises(Cancelled):
        await answers(ToolApprovalRequested(call_id="c", message_id="m", agent="A", tool="t"))
