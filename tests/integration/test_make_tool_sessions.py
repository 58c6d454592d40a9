"""A tool written in one recorded session is used by a NEW session of the same team.

Session 1 runs the real pipeline (recording, the sandbox, the team's library beside its file):
Smith's turn is a scripted agent turn that writes the function, since the embedded 270M base
model writes a passing one only for some tasks (tests/bench/make_tool_proof.py measures it); the
Reviewer is the embedded model. Session 2 is a fresh pipeline on the team file re-read from
disk: the saved tool is a known tool there, and the embedded model itself calls it.
"""

import json

import pytest

from agents.events import MessageCompleted
from agents.llm.scripted import ScriptedProvider
from agents.session.library import read_session
from agents.session.pipeline import RunPipeline, TeamJob, load_providers
from agents.spec import load_team
from agents.tools.authored import ToolLibrary, library_path
from agents.tools.events import ToolAuthored, ToolCallCompleted

pytestmark = pytest.mark.integration

SHOUT = '<tool>make_tool("""def shout(text: str) -> str:\n    "Upper-case a text."\n    return text.upper()""", "assert shout(\'hi\') == \'HI\'")</tool>'


def team(smith_tools: list[str]) -> dict:
    return {
        "name": "makers",
        "agents": [
            {"name": "Smith", "role": "assistant", "tools": smith_tools, "temperature": 0.0, "max_tokens": 48},
            {"name": "Reviewer", "role": "critic", "temperature": 0.0, "max_tokens": 16},
        ],
        "protocol": {"kind": "round_robin", "max_rounds": 1},
    }


def scripted_smith(replies: list[str]):
    """The real loader, except that Smith's turns are scripted."""

    async def load(refs, settings, into):
        into["Smith"] = ScriptedProvider(replies, name="Smith")
        async for event in load_providers({n: r for n, r in refs.items() if n != "Smith"}, settings, into):
            yield event

    return load


async def run(path, task, settings, load=None):
    job = TeamJob(load_team(path, check_models=False), task, seed=1, team_file=path, tools=settings.tools)
    pipeline = RunPipeline(job, settings, load=load)
    events = [event async for event in pipeline.events()]
    assert pipeline.finished is not None and pipeline.finished.reason == "completed"
    return pipeline.run_id, events


async def test_a_tool_saved_in_one_session_is_called_in_the_next(tmp_path, monkeypatch, embedded_settings, embedded):
    monkeypatch.setenv("AGORA_LAB_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "makers.json"
    path.write_text(json.dumps(team(["make_tool"])))
    first, events = await run(
        path, "Make a tool that upper-cases a text.", embedded_settings, scripted_smith([SHOUT, "Done."])
    )
    authored = next(e for e in events if isinstance(e, ToolAuthored))
    assert authored.ok and authored.name == "shout" and authored.session == first
    saved = ToolLibrary(library_path(path)).latest()["shout"]
    assert saved.description == "Upper-case a text." and saved.session == first and saved.author == "Smith"
    assert any(isinstance(e, ToolAuthored) for e in read_session(first).events)  # recorded for replay

    path.write_text(json.dumps(team(["shout"])))  # a later session gives Smith the saved tool
    second, later = await run(path, "What is shout('hello')?", embedded_settings)
    assert second != first
    called = [e for e in later if isinstance(e, ToolCallCompleted) and e.tool == "shout"]
    assert called and called[0].output == "HELLO", [e.text for e in later if isinstance(e, MessageCompleted)]
