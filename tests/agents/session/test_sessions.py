"""Session store, library, replay, fork/resume and export, on scripted providers."""

import json
import os

import pytest

from agents.events import Finished, MessageCompleted, TokenDelta, VerdictReached
from agents.llm.base import ProviderError
from agents.llm.scripted import ScriptedProvider
from agents.session.export import export_session, load_json_export, to_html, to_markdown
from agents.session.fork import kept_messages, team_of
from agents.session.library import delete_session, list_sessions, read_session
from agents.session.replay import replay
from agents.session.store import SessionWriter, recorded
from agents.spec import parse_team
from agents.teams.run import TeamRun


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AGORA_LAB_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


DEBATE = parse_team(
    {
        "name": "Tea debate",
        "agents": [
            {"name": "Pro", "role": "debater"},
            {"name": "Con", "role": "debater"},
            {"name": "Judge", "role": "judge"},
        ],
        "protocol": {"kind": "debate", "max_rounds": 2, "stop_on_consensus": False},
    }
)


def providers(pro=None, con=None, judge=None):
    long = " ".join(["word"] * 120)
    return {
        "Pro": ScriptedProvider(pro or [f"Tea <b>is</b> & best {long}", "tea again"], name="Pro"),
        "Con": ScriptedProvider(con or ["Coffee <script>alert(1)</script>", "coffee again"], name="Con"),
        "Judge": ScriptedProvider(
            judge or ['{"decision": "continue"}', '{"decision": "decided", "winner": "Con", "reason": "sharper"}'],
            name="Judge",
        ),
    }


async def run_session(team=DEBATE, provs=None, **kwargs):
    run = TeamRun(team, provs or providers(), seed=5, **kwargs)
    writer = SessionWriter(run.run_id)
    events = [e async for e in recorded(run.run_stream("Tea or coffee?"), writer)]
    return run.run_id, events


async def test_the_log_holds_every_message_and_the_header(data_dir):
    session_id, events = await run_session()
    log = read_session(session_id)
    assert log.status == "completed" and log.header.task == "Tea or coffee?"
    assert log.header.team["name"] == "Tea debate" and log.header.seed == 5
    assert [m.text for m in log.messages] == [e.text for e in events if isinstance(e, MessageCompleted)]
    assert [e.type for e in log.events if e.type != "token_delta"] == [
        e.type for e in events if e.type != "token_delta"
    ]
    # deltas are coalesced: far fewer lines than the live stream had
    assert sum(isinstance(e, TokenDelta) for e in log.events) < sum(isinstance(e, TokenDelta) for e in events)
    assert not (data_dir / "sessions" / f"{session_id}.lock").exists()


async def test_a_failed_run_is_saved_as_failed_and_can_be_resumed():
    failing = providers(con=[ProviderError("disconnected", "server died mid-reply")])
    session_id, _ = await run_session(provs=failing)
    log = read_session(session_id)
    assert log.status == "failed" and [m.agent for m in log.messages] == ["Pro"]
    kept = kept_messages(log, len(log.messages))
    fresh = providers()
    run = TeamRun(team_of(log), fresh, prior=kept, parent_run=session_id)
    events = [e async for e in run.run_stream(log.task)]
    assert events[-1].reason == "completed"
    assert fresh["Pro"].requests[0].messages[-1].content.startswith("Round 2")  # Pro's round-1 turn was kept
    assert events[0].parent_run == session_id and events[0].forked_at_message == 1


def test_a_log_without_an_end_reopens_as_interrupted(data_dir):
    from agents.events import RunStarted

    writer = SessionWriter("killed1")
    writer.write(RunStarted(run_id="killed1", team=DEBATE.model_dump(mode="json"), task="t", app_version="x"))
    writer.write(MessageCompleted(message_id="m1", agent="Pro", model="m", text="kept", finish_reason="stop"))
    writer._file.write('{"type": "message_completed", "message_id": "m2", "ag')  # torn write at the kill
    writer._file.flush()
    writer.lock.write_text("999999999")  # a pid that is not running
    log = read_session("killed1")
    assert log.status == "interrupted" and [m.text for m in log.messages] == ["kept"] and log.skipped_lines == 1


async def test_list_and_delete_sessions():
    first, _ = await run_session()
    second, _ = await run_session()
    assert [log.session_id for log in list_sessions()] == [second, first]
    delete_session(first)
    assert [log.session_id for log in list_sessions()] == [second]
    with pytest.raises(FileNotFoundError):
        read_session(first)


async def test_replay_gives_the_same_events_without_model_calls():
    session_id, events = await run_session()
    log = read_session(session_id)
    replayed = [e async for e in replay(log, speed=0)]
    assert [e for e in replayed if not isinstance(e, TokenDelta)] == [
        e for e in log.events if not isinstance(e, TokenDelta)
    ]
    for message in log.messages:
        deltas = "".join(e.text for e in replayed if isinstance(e, TokenDelta) and e.message_id == message.message_id)
        assert deltas == message.text


async def test_fork_at_message_k_with_other_settings_records_its_parent():
    session_id, _ = await run_session()
    log = read_session(session_id)
    spec = team_of(log, temperature=0.1)
    assert all(a.temperature == 0.1 for a in spec.agents)
    fresh = providers(judge=['{"decision": "decided", "winner": "Pro"}'] * 2)
    run = TeamRun(spec, fresh, prior=kept_messages(log, 2), parent_run=session_id)
    child_events = [e async for e in recorded(run.run_stream(log.task), SessionWriter(run.run_id))]
    child = read_session(run.run_id)
    assert child.header.parent_run == session_id and child.header.forked_at_message == 2
    assert [m.text for m in child.messages[:2]] == [m.text for m in log.messages[:2]]
    assert fresh["Pro"].requests == [] and fresh["Con"].requests == []
    assert [e.winner for e in child_events if isinstance(e, VerdictReached)] == ["Pro"]
    with pytest.raises(ValueError):
        kept_messages(log, 99)


async def test_json_export_loads_back_with_full_fidelity(tmp_path):
    session_id, _ = await run_session()
    log = read_session(session_id)
    path = export_session(log, "json", tmp_path / "s.json")
    back = load_json_export(path)
    assert back.events == log.events and back.status == log.status and back.header == log.header


async def test_markdown_and_html_exports_show_the_debate():
    session_id, _ = await run_session()
    log = read_session(session_id)
    markdown = to_markdown(log)
    assert "# Tea debate" in markdown and "## Round 2" in markdown and "winner: **Con**" in markdown
    page = to_html(log)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Tea &lt;b&gt;is&lt;/b&gt; &amp; best" in page
    assert page.count("class='msg'") == len(log.messages)
    assert "Winner: Con" in page and "tokens" in page and "#2563eb" in page
    assert "<style>" in page and "<link" not in page and "src=" not in page  # self-contained


async def test_no_session_file_or_export_contains_an_api_key(tmp_path, monkeypatch):
    secret = "sk-test-1234567890abcdef"
    monkeypatch.setenv("LAB_API_KEY", secret)
    leaky = providers(pro=[f"my key is {secret}", "x"])
    session_id, _ = await run_session(provs=leaky)
    log = read_session(session_id)
    files = [log.path] + [export_session(log, fmt, tmp_path / f"out.{fmt}") for fmt in ("json", "md", "html")]
    for path in files:
        text = path.read_text()
        assert secret not in text and "[redacted]" in text


async def test_the_session_is_durable_at_each_completed_message(monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    session_id, events = await run_session()
    completed = sum(isinstance(e, MessageCompleted) for e in events)
    assert len(synced) >= completed + 1  # every message, plus the end
    assert isinstance(events[-1], Finished)
    assert json.loads(read_session(session_id).path.read_text().splitlines()[0])["type"] == "run_started"
