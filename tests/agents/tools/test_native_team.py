"""Native calls inside a team run: the agent whose provider takes tools calls natively, the
session log keeps the calls, and replay shows the recorded results without a model or a tool."""

from agents.events import MessageCompleted
from agents.llm.scripted import ScriptedProvider
from agents.session.library import read_session
from agents.session.replay import replay
from agents.session.store import SessionWriter, recorded
from agents.spec import parse_team
from agents.teams.run import TeamRun
from agents.tools.events import ToolCallCompleted, ToolCallRequested
from tests.agents.tools.native_fake import NativeFake, call
from tests.agents.tools.test_team_tools import TEAM, data_dir  # noqa: F401 (the autouse fixture)


async def test_a_team_agent_calls_natively_and_replay_shows_the_recorded_result():
    alice = NativeFake(lambda extra: ["It is 42."] if extra else [call(0, "calculator", '{"expression": "6*7"}')])
    run = TeamRun(parse_team(TEAM), {"Alice": alice, "Bob": ScriptedProvider(["Agreed."], name="Bob")})
    events = [e async for e in recorded(run.run_stream("What is 6*7?"), SessionWriter(run.run_id))]
    requested = next(e for e in events if isinstance(e, ToolCallRequested))
    completed = next(e for e in events if isinstance(e, ToolCallCompleted))
    alice_done = next(e for e in events if isinstance(e, MessageCompleted) and e.agent == "Alice")
    assert requested.via == "native" and requested.arguments == {"expression": "6*7"} and completed.output == "42"
    assert completed.message_id == alice_done.message_id and alice_done.text == "It is 42."
    assert len(alice.asked) == 2 and not alice.requests  # never the text protocol
    assert [t["function"]["name"] for t in alice.asked[0]["tools"]] == ["calculator"]  # only what was offered

    log = read_session(run.run_id)
    assert [e.type for e in log.events if e.type.startswith("tool_call")] == [
        "tool_call_requested",
        "tool_call_completed",
    ]
    replayed = [e async for e in replay(log, speed=0)]
    assert [e.output for e in replayed if isinstance(e, ToolCallCompleted)] == ["42"]
