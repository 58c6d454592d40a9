"""`agora-lab run` and `sessions fork/resume` in-process, through the run pipeline on scripted models."""

import ast
import json
import os
import signal
from pathlib import Path

import pytest

import agents.cli
from agents import cli
from agents.cli.common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, exit_code
from agents.events import Finished, MessageCompleted, RunStarted, event_from_json
from agents.llm.base import ProviderError
from agents.llm.scripted import ScriptedProvider
from agents.session import pipeline
from agents.session.library import list_sessions, read_session

TEAM = {
    "name": "Pair",
    "agents": [{"name": "A", "role": "writer", "model": "local"}, {"name": "B", "role": "critic", "model": "local"}],
    "protocol": {"kind": "round_robin", "max_rounds": 2},
}


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AGORA_LAB_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def team_file(tmp_path):
    path = tmp_path / "pair.json"
    path.write_text(json.dumps(TEAM))
    return str(path)


class Models:
    """Stands in for the real loader; every provider it opens is counted when closed."""

    def __init__(self, monkeypatch, script=lambda request: f"{request.speaker} writes", delay_s=0.0):
        self.script, self.delay_s, self.closed, self.opened = script, delay_s, [], []
        monkeypatch.setattr(pipeline, "load_providers", self.load)

    async def load(self, refs, settings, into):
        for name in refs:
            provider = ScriptedProvider(self.script, delay_s=self.delay_s, name=name)
            provider.aclose = lambda p=provider: _record(self.closed, p)
            self.opened.append(provider)
            into[name] = provider
        return
        yield


async def _record(into, item):
    into.append(item)


def json_events(out):
    return [event_from_json(line) for line in out.splitlines()]


def test_run_prints_the_stream_saves_the_session_and_closes_the_models(monkeypatch, capsys, team_file, tmp_path):
    models = Models(monkeypatch)
    export = tmp_path / "run.md"
    assert cli.main(["run", team_file, "--task", "a poem", "--seed", "1", "--json", "--export", str(export)]) == EXIT_OK
    captured = capsys.readouterr()
    events = json_events(captured.out)
    assert isinstance(events[0], RunStarted) and events[-1].reason == "completed"
    assert f"session {events[0].run_id} saved: " in captured.err and f"exported {export}" in captured.err
    assert read_session(events[0].run_id).status == "completed" and "# Pair" in export.read_text()
    assert sorted(map(id, models.closed)) == sorted(map(id, models.opened)) and len(models.opened) == 2


def test_a_failed_run_exits_1_and_resume_continues_it_with_its_parent(monkeypatch, capsys, team_file):
    def failing_b(request):
        return ProviderError("disconnected", "gone") if request.speaker == "B" else "A writes"

    Models(monkeypatch, script=failing_b)
    assert cli.main(["run", team_file, "--task", "a poem"]) == EXIT_FAILED
    parent = list_sessions()[0]
    assert parent.status == "failed" and [m.agent for m in parent.messages] == ["A"]
    capsys.readouterr()
    models = Models(monkeypatch)
    assert cli.main(["sessions", "resume", parent.session_id, "--json"]) == EXIT_OK
    events = json_events(capsys.readouterr().out)
    assert events[0].parent_run == parent.session_id and events[0].forked_at_message == 1
    assert [e.agent for e in events if isinstance(e, MessageCompleted)] == ["A", "B", "A", "B"]
    assert [r.speaker for p in models.opened for r in p.requests] == ["A", "B", "B"]  # A's first turn was kept
    assert len(models.closed) == len(models.opened) == 2


def test_fork_keeps_the_first_messages_and_applies_the_cap(monkeypatch, capsys, team_file):
    Models(monkeypatch)
    assert cli.main(["run", team_file, "--task", "a poem"]) == EXIT_OK
    parent = list_sessions()[0].session_id
    capsys.readouterr()
    models = Models(monkeypatch)
    assert (
        cli.main(["sessions", "fork", parent, "--at", "2", "--max-tokens", "7", "--temperature", "0.2", "--json"])
        == EXIT_OK
    )
    child = read_session(json_events(capsys.readouterr().out)[0].run_id)
    assert child.header.parent_run == parent and child.header.forked_at_message == 2
    assert all(a["max_tokens"] == 7 and a["temperature"] == 0.2 for a in child.header.team["agents"])
    assert [r.speaker for p in models.opened for r in p.requests] == ["A", "B"]  # round 1 was kept


def test_ctrl_c_during_a_run_stops_it_cleanly_with_exit_130(monkeypatch, capsys, team_file):
    Models(monkeypatch, delay_s=0.001)  # the replies yield to the loop, so it can see the signal
    printer_show = cli.team.EventPrinter.show

    def show(self, event):
        printer_show(self, event)
        if isinstance(event, MessageCompleted):
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(cli.team.EventPrinter, "show", show)
    assert cli.main(["run", team_file, "--task", "a poem"]) == EXIT_INTERRUPTED
    log = list_sessions()[0]
    assert log.status == "cancelled" and log.messages[0].finish_reason == "stop"
    assert [m.finish_reason for m in log.messages[1:]] in ([], ["cancelled"])  # B was cut, not finished
    assert "interrupted" not in capsys.readouterr().err  # a clean Stop, not a KeyboardInterrupt


def test_exit_codes_follow_how_the_run_finished():
    assert exit_code(Finished(reason="completed")) == EXIT_OK
    assert exit_code(Finished(reason="cancelled")) == EXIT_INTERRUPTED
    assert exit_code(Finished(reason="error")) == EXIT_FAILED
    assert exit_code(None) == EXIT_FAILED


def test_no_cli_module_assembles_a_run_itself():
    """Loading, building, recording and closing a run belong to the run pipeline alone."""
    assembled = {"agents.teams.run", "agents.session.store", "agents.planning.run.PlanRun"}
    offenders = []
    for path in Path(agents.cli.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
                offenders += [f"{path.name}: {name}" for name in names & assembled]
    assert offenders == []
