"""`agora-lab plan` end to end (exact world model: no model is loaded), stored and exported."""

import json
import os
import subprocess
import sys

from agents.events import PlanFinished, event_from_json


def cli(*args, data_dir):
    env = dict(os.environ, AGORA_LAB_DATA_DIR=str(data_dir))
    return subprocess.run(
        [sys.executable, "-m", "agents.cli", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_plan_runs_headless_and_is_a_session_that_exports_with_its_tree(tmp_path):
    out = tmp_path / "plan.json"
    result = cli(
        "plan",
        "--env",
        "maze",
        "--seed",
        "1",
        "--algo",
        "mcts",
        "--world-model",
        "exact",
        "--export",
        str(out),
        data_dir=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "solved (goal): 12 steps (optimal 12)" in result.stdout
    session = result.stderr.split("session ")[1].split()[0]
    listed = cli("sessions", "list", data_dir=tmp_path).stdout
    assert session in listed and "Planning · maze #1 · mcts" in listed
    shown = cli("sessions", "show", session, data_dir=tmp_path).stdout
    assert "## Plan" in shown and "1. move down — ✓" in shown
    exported = json.loads(out.read_text())
    assert exported["plan"]["plan"][0] == "move down" and exported["plan"]["metrics"]["success"] is True
    nodes = exported["plan"]["nodes"]
    assert nodes[0]["parent"] is None and len(nodes) == exported["plan"]["metrics"]["nodes"]
    html = tmp_path / "plan.html"
    assert cli("sessions", "export", session, "-o", str(html), data_dir=tmp_path).returncode == 0
    assert "<h2>Plan</h2>" in html.read_text()


def test_plan_json_lines_are_the_event_stream(tmp_path):
    result = cli("plan", "--env", "game24", "--seed", "2", "--algo", "beam", "--json", data_dir=tmp_path)
    assert result.returncode == 0
    events = [event_from_json(line) for line in result.stdout.splitlines()]
    done = next(e for e in events if isinstance(e, PlanFinished))
    assert done.success and len(done.plan) == 3


def test_bad_plan_options_are_usage_errors(tmp_path):
    assert cli("plan", "--env", "chess", data_dir=tmp_path).returncode == 2
    assert cli("plan", "--budget", "0", data_dir=tmp_path).returncode == 2
    result = cli("plan", "--export", str(tmp_path / "x.txt"), data_dir=tmp_path)
    assert result.returncode == 2 and ".json, .md or .html" in result.stderr


def test_a_stored_planning_run_replays_in_the_terminal(tmp_path, monkeypatch, capsys):
    from agents import cli
    from agents.session.library import list_sessions

    monkeypatch.setenv("AGORA_LAB_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["plan", "--env", "blocksworld", "--seed", "1", "--algo", "beam", "--world-model", "exact"]) == 0
    live = capsys.readouterr().out
    session = list_sessions()[0].session_id
    assert cli.main(["sessions", "replay", session, "--speed", "0"]) == 0
    replayed = capsys.readouterr()
    text = replayed.out + replayed.err
    assert "step 1:" in text and "solved (goal)" in text
    assert [line for line in live.splitlines() if line.startswith("step ")] == [
        line for line in text.splitlines() if line.startswith("step ")
    ]
