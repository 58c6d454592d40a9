"""Tools inside a team run: the turn, the session log, replay (no tool runs again), a round of
agents calling tools at once, MCP problems as notices."""

import asyncio

import pytest

from agents.events import MessageCompleted, Notice
from agents.llm.scripted import ScriptedProvider
from agents.session.library import read_session
from agents.session.replay import replay
from agents.session.store import SessionWriter, recorded
from agents.spec import parse_team
from agents.teams.run import TeamRun
from agents.tool_settings import ToolSettings
from agents.tools.base import Tool, ToolSpec
from agents.tools.events import ToolCallCompleted, ToolsOffered
from agents.tools.mcp_client import McpServerConfig
from agents.tools.registry import ToolRegistry
from agents.tools.toolbox import Toolbox
from tests.helpers.teams import simultaneous_round

TEAM = {
    "name": "Calc team",
    "agents": [{"name": "Alice", "tools": ["calculator"]}, {"name": "Bob"}],
    "protocol": {"kind": "round_robin", "max_rounds": 1},
}


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AGORA_LAB_DATA_DIR", str(tmp_path / "data"))


def alice_replies(req):
    return "So it is 42." if req.messages[-1].role == "assistant" else "<tool>calculator(6*7)</tool>"


async def run_team(spec, providers, **kwargs):
    run = TeamRun(spec, providers, **kwargs)
    events = [e async for e in recorded(run.run_stream("What is 6*7?"), SessionWriter(run.run_id))]
    return run.run_id, events


async def test_a_team_agent_calls_a_tool_and_replay_shows_the_recorded_result():
    spec = parse_team(TEAM)
    alice, bob = ScriptedProvider(alice_replies, name="Alice"), ScriptedProvider(["Agreed."], name="Bob")
    session_id, events = await run_team(spec, {"Alice": alice, "Bob": bob})
    offered = next(e for e in events if isinstance(e, ToolsOffered))
    completed = next(e for e in events if isinstance(e, ToolCallCompleted))
    alice_done = next(e for e in events if isinstance(e, MessageCompleted) and e.agent == "Alice")
    assert offered.offered == ("calculator",) and completed.output == "42"
    assert completed.message_id == alice_done.message_id and "<output>42</output>" in alice_done.text
    assert len(alice.requests) == 2 and bob.requests and "calculator" not in bob.requests[0].messages[0].content

    log = read_session(session_id)
    assert [e.type for e in log.events if e.type.startswith("tool")] == [
        "tools_offered",
        "tool_call_requested",
        "tool_call_completed",
    ]
    replayed = [e async for e in replay(log, speed=0)]
    again = next(e for e in replayed if isinstance(e, ToolCallCompleted))
    assert again == completed and len(alice.requests) == 2  # nothing ran again


async def test_three_agents_call_a_slow_tool_in_one_simultaneous_round():
    # Each call waits for all three to have started: one turn after the other would never end.
    started = [asyncio.Event() for _ in range(3)]
    order = iter(range(3))

    async def slow(arguments):
        started[next(order)].set()
        for event in started:
            await event.wait()
        return "done"

    toolbox = Toolbox(ToolRegistry([Tool(ToolSpec(name="slow", description="takes a while"), slow, time_limit_s=60)]))
    spec = simultaneous_round(3, "slow")
    providers = {
        f"D{i}": ScriptedProvider(
            lambda r: "D0 wins" if r.messages[-1].role == "assistant" else "<tool>slow()</tool>", name=f"D{i}"
        )
        for i in range(3)
    }
    events = await asyncio.wait_for(collect(TeamRun(spec, providers, toolbox=toolbox).run_stream("go")), 60)
    assert sum(isinstance(e, ToolCallCompleted) for e in events) == 3 and events[-1].reason == "completed"


async def collect(stream):
    return [e async for e in stream]


async def test_an_mcp_server_that_cannot_start_is_a_notice_and_the_run_goes_on():
    spec = parse_team(TEAM)
    alice = spec.agents[0].model_copy(update={"tools": ("calculator", "calc_add")})
    spec = spec.model_copy(update={"agents": (alice, spec.agents[1])})
    settings = ToolSettings(mcp_servers=(McpServerConfig(name="calc", command="/nonexistent/mcp"),))
    providers = {"Alice": ScriptedProvider(alice_replies), "Bob": ScriptedProvider(["ok"])}
    _, events = await run_team(spec, providers, tools=settings)
    notice = next(e for e in events if isinstance(e, Notice))
    assert notice.level == "warning" and "MCP server calc could not start" in notice.text
    assert next(e for e in events if isinstance(e, ToolCallCompleted)).output == "42"
    assert events[-1].reason == "completed"
