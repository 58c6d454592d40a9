"""Every shipped team, end to end on the embedded model from the CLI; kill -9 loses nothing."""

import itertools
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from agents.events import MessageCompleted, event_from_json
from agents.session.export import load_json_export
from agents.session.library import read_session
from agents.spec import template_names

pytestmark = pytest.mark.integration


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("AGORA_LAB_DATA_DIR", str(tmp_path / "data"))  # this process reads what the CLI wrote
    return dict(os.environ, PYTHONUNBUFFERED="1")


def run_events(stdout):
    events = [event_from_json(line) for line in stdout.splitlines()]
    return events[next(i for i, e in enumerate(events) if e.type == "run_started") :]


def cli(*args, env, timeout=900):
    return subprocess.run(
        [sys.executable, "-m", "agents.cli", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


@pytest.mark.parametrize("template", sorted(template_names()))
def test_each_template_runs_on_the_embedded_model_and_exports_three_formats(template, env, tmp_path, _embedded_loaded):
    out = tmp_path / "run.html"
    result = cli("run", template, "--seed", "1", "--max-tokens", "16", "--json", "--export", str(out), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    events = run_events(result.stdout)
    assert events[0].type == "run_started" and events[-1].type == "finished" and events[-1].reason == "completed"
    messages = [e for e in events if isinstance(e, MessageCompleted)]
    assert len(messages) >= 2 and all(m.model == "local" for m in messages)
    session_id = events[0].run_id
    log = read_session(session_id)
    assert log.status == "completed" and [m.text for m in log.messages] == [m.text for m in messages]
    page = out.read_text()
    assert page.startswith("<!doctype html>") and page.count("class='msg'") == len(messages)
    for fmt in ("json", "md"):
        path = tmp_path / f"run.{fmt}"
        exported = cli("sessions", "export", session_id, "-o", str(path), env=env)
        assert exported.returncode == 0, exported.stderr
    assert load_json_export(tmp_path / "run.json").events == log.events
    assert f"# {log.team_name}" in (tmp_path / "run.md").read_text()


def test_kill_9_mid_run_loses_no_completed_message(env, tmp_path, _embedded_loaded):
    command = [sys.executable, "-m", "agents.cli", "run", "round_robin", "--seed", "3", "--max-tokens", "40", "--json"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    seen, session_id = [], None
    deadline = time.monotonic() + 600
    for line in process.stdout:
        event = event_from_json(line)
        session_id = session_id or getattr(event, "run_id", None)
        if isinstance(event, MessageCompleted):
            seen.append(event)
        # Killed while the second is being written (this seed's Writer ends the run with DONE in
        # its first turn, so a run may hold only two messages).
        if len(seen) == 1 and event.type == "token_delta":
            os.kill(process.pid, signal.SIGKILL)
            break
        assert time.monotonic() < deadline
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    log = read_session(session_id)
    assert log.status == "interrupted"
    assert [m.text for m in log.messages] == [m.text for m in seen]
    assert log.header is not None and log.header.task


def test_resume_continues_an_interrupted_session(env, _embedded_loaded):
    first = cli("run", "planner_critic", "--seed", "4", "--max-tokens", "16", "--json", env=env)
    assert first.returncode == 0, first.stderr[-2000:]
    parent = run_events(first.stdout)[0].run_id
    forked = cli("sessions", "fork", parent, "--at", "1", "--max-tokens", "16", "--json", env=env)
    assert forked.returncode == 0, forked.stderr[-2000:]
    header = run_events(forked.stdout)[0]
    assert header.parent_run == parent and header.forked_at_message == 1
    child = read_session(header.run_id)
    assert child.messages[0].text == read_session(parent).messages[0].text


def test_a_bad_team_file_starts_nothing(env, tmp_path):
    team = tmp_path / "team.json"
    team.write_text(
        json.dumps(
            {
                "name": "x",
                "agents": [{"name": "A", "role": "debater"}, {"name": "B", "role": "debater"}],
                "protocol": {"kind": "debate"},
            }
        )
    )
    result = cli("run", str(team), "--task", "anything", env=env)
    assert result.returncode == 2
    assert str(team) in result.stderr and "judge" in result.stderr
    assert not (tmp_path / "data" / "sessions").exists() or not list((tmp_path / "data" / "sessions").iterdir())


def test_a_selector_team_with_a_human_runs_on_the_embedded_model(env, tmp_path, _embedded_loaded):
    team = tmp_path / "selector.json"
    team.write_text(
        json.dumps(
            {
                "version": 1,
                "name": "Selector with a human",
                "agents": [
                    {
                        "name": "Scout",
                        "role": "researcher",
                        "persona": "You find facts.",
                        "model": "local",
                        "max_tokens": 16,
                    },
                    {
                        "name": "Sage",
                        "role": "advisor",
                        "persona": "You give advice.",
                        "model": "local",
                        "max_tokens": 16,
                    },
                    {"name": "Me", "role": "human"},
                ],
                "protocol": {"kind": "selector", "max_turns": 4},
            }
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "agents.cli", "run", str(team), "--task", "Plan a picnic.", "--seed", "2", "--json"],
        input="Bring sandwiches.\n" * 4,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    events = run_events(result.stdout)
    picks = [e.speaker for e in events if e.type == "speaker_selected"]
    assert len(picks) == 4 and all(a != b for a, b in itertools.pairwise(picks))
    spoken = [(e.agent, e.text) for e in events if isinstance(e, MessageCompleted)]
    assert [a for a, _ in spoken] == picks
    assert all(text == "Bring sandwiches." for agent, text in spoken if agent == "Me")
