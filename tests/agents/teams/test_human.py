"""A human turn travels through the stream: announced with a request id, answered by that id."""

import asyncio

import pytest

from agents.events import Finished, HumanInputRequested, MessageCompleted
from agents.llm.base import Cancelled
from agents.llm.scripted import ScriptedProvider
from agents.spec import parse_team
from agents.teams.human import HumanAnswers
from agents.teams.run import TeamRun
from agents.termination import ExternalStop

TEAM = {
    "name": "with me",
    "agents": [{"name": "Bot"}, {"name": "Me", "role": "human"}],
    "protocol": {"kind": "round_robin", "max_rounds": 1},
}


def me():
    return parse_team(TEAM).agents[1]


async def test_an_answer_reaches_only_the_request_it_names():
    answers = HumanAnswers()
    waiting = asyncio.ensure_future(answers.ask(me(), "your turn", "r1"))
    await asyncio.sleep(0)
    assert answers.waiting == ("r1",)
    assert answers.answer("other", "not for you") is False
    await asyncio.sleep(0)
    assert not waiting.done()
    assert answers.answer("r1", "mine") is True
    assert await waiting == "mine" and answers.waiting == ()


async def test_an_answer_given_before_the_run_waits_is_kept_for_it():
    answers = HumanAnswers()
    answers.answer("r1", "early")
    assert await answers.ask(me(), "your turn", "r1") == "early"


async def test_release_ends_every_wait_and_refuses_later_ones():
    answers = HumanAnswers()
    waiting = asyncio.ensure_future(answers.ask(me(), "your turn", "r1"))
    await asyncio.sleep(0)
    answers.release()
    with pytest.raises(Cancelled):
        await waiting
    with pytest.raises(Cancelled):
        await answers.ask(me(), "again", "r2")


async def test_a_run_announces_the_request_id_and_takes_the_answer_by_it():
    answers = HumanAnswers()
    run = TeamRun(parse_team(TEAM), {"Bot": ScriptedProvider(["Hello, human."], name="Bot")}, human=answers)
    events = []
    async for event in run.run_stream("Say hi"):
        events.append(event)
        if isinstance(event, HumanInputRequested):
            assert event.request_id
            answers.answer(event.request_id, "Hi bot")
    asked = next(e for e in events if isinstance(e, HumanInputRequested))
    mine = next(e for e in events if isinstance(e, MessageCompleted) and e.agent == "Me")
    assert mine.text == "Hi bot" and mine.message_id == asked.request_id
    assert events[-1] == Finished(reason="completed", ts=events[-1].ts, final_answer=events[-1].final_answer)


async def test_stop_while_a_human_is_asked_ends_the_run_as_cancelled():
    stop = ExternalStop()
    gate = asyncio.Event()

    async def never_answers(agent, prompt):  # a plain callable, as the CLI passes
        gate.set()
        await asyncio.Event().wait()

    run = TeamRun(parse_team(TEAM), {"Bot": ScriptedProvider(["Hello."], name="Bot")}, human=never_answers, stop=stop)
    events = []

    async def consume():
        async for event in run.run_stream("Say hi"):
            events.append(event)

    task = asyncio.ensure_future(consume())
    await gate.wait()
    stop.set()
    await asyncio.wait_for(task, 10)
    assert isinstance(events[-1], Finished) and events[-1].reason == "cancelled"
    mine = [e for e in events if isinstance(e, MessageCompleted) and e.agent == "Me"]
    assert mine and mine[0].finish_reason == "cancelled" and mine[0].text == ""


def test_old_sessions_without_a_request_id_still_load():
    from agents.events import event_from_json

    event = event_from_json('{"type": "human_input_requested", "agent": "Me", "prompt": "go", "ts": 1.0}')
    assert isinstance(event, HumanInputRequested) and event.request_id == ""
