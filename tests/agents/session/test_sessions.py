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
    # Pro's round-1 turn was kept: Pro's first fresh request is round 2's, with that turn as its own
    first = fresh["Pro"].requests[0].messages
    assert [m.content for m in first if m.role == "assistant"] == [kept[0].text] and len(fresh["Pro"].requests) == 1
    assert events[0].parent_run == session_id and events[0].forked_at_message == 1


def test_a_log_without_an_end_reopens_as_interrupted(data_dir):
    from agents.events import RunStarted

    writer = SessionWriter("killed1")
    writer.write(RunStarted(run_id="killed1", team=DEBATE.model_dump(mode="json"), task="t", app_version="x"))
    writer.write(MessageCompleted(message_id="m1", agent="Pro", model="m", text="kept", finish_reason="stop"))
    with writer.path.open("a", encoding="utf-8") as torn:  # torn write at the kill
        torn.write('{"type": "message_completed", "message_id": "m2", "ag')
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
    session_id, _events = await run_session()
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


KEY = "sk-route-0123456789abcdef"


def _key_route(route: str, monkeypatch) -> None:
    """Make KEY known to this process the way ``route`` would."""
    from agents.llm import credentials
    from agents.llm.refs import parse_model_ref
    from agents.settings import Settings, save_settings

    if route == "endpoint variable":
        save_settings(
            Settings.model_validate(
                {
                    "endpoints": {
                        "lab": {"base_url": "http://127.0.0.1:9/v1", "model": "m", "api_key_env": "LAB_KEY_VAR"}
                    }
                }
            )
        )
        monkeypatch.setenv("LAB_KEY_VAR", KEY)
    elif route == "AGORA_LAB_API_KEY":
        monkeypatch.setenv("AGORA_LAB_API_KEY", KEY)
    elif route == "keyring":
        monkeypatch.setattr(credentials, "_keyring_get", lambda name: KEY)
        credentials.api_key_for(parse_model_ref("oai:https://elsewhere.example/v1#m"))
    else:  # an inline reference's own key variable
        monkeypatch.setenv("THEIR_KEY_VAR", KEY)
        credentials.api_key_for(parse_model_ref("oai:https://elsewhere.example/v1#m?key_env=THEIR_KEY_VAR"))


@pytest.fixture
def forget_keys():
    from agents.llm.credentials import KEYS_IN_USE

    yield
    KEYS_IN_USE.discard(KEY)


@pytest.mark.parametrize("route", ["endpoint variable", "AGORA_LAB_API_KEY", "keyring", "inline key variable"])
def test_a_key_split_across_delta_records_cannot_be_rebuilt(tmp_path, monkeypatch, route, forget_keys):
    """Repro: deltas "<200 chars> Bearer sk-ro" | "ute-0123… tail" were redacted record by record,
    so joining the log's deltas (what `sessions replay` prints) gave the whole key back."""
    from agents.session.store import COALESCE_CHARS

    config = tmp_path / "config"
    monkeypatch.setenv("AGORA_LAB_CONFIG_DIR", str(config))
    used_late = route in ("keyring", "inline key variable")  # a key first used after the writer opened
    if not used_late:
        _key_route(route, monkeypatch)
    for offset in range(len(KEY) + 1):
        writer = SessionWriter(f"split-{offset}", tmp_path / f"split-{offset}.jsonl")
        if used_late and offset == 0:
            _key_route(route, monkeypatch)
        head = "x" * COALESCE_CHARS + " Bearer " + KEY[:offset]
        whole = head + KEY[offset:] + " tail"
        writer.write(TokenDelta(message_id="m", text=head))
        writer.write(TokenDelta(message_id="m", text=KEY[offset:] + " tail"))
        if offset % 2:  # half of them complete, half are cut off (a killed run)
            writer.write(MessageCompleted(message_id="m", agent="A", model="x", text=whole, finish_reason="stop"))
        writer.close()
        log = read_session(writer.path)
        joined = "".join(e.text for e in log.events if isinstance(e, TokenDelta))
        exported = export_session(log, "json", tmp_path / f"split-{offset}.json").read_text()
        for text in (joined, writer.path.read_text(), exported):
            assert KEY not in text and KEY[:12] not in text, (route, offset)
        assert "[redacted]" in joined or offset % 2, (route, offset)


HOSTILE_TEXT = "Evil\nteam\r\u2028\u2029\x85\x1b[2J\u200b\u202eend\t" + "z" * 200


def test_one_line_flattens_whatever_a_name_or_task_contains():
    from agents.session.library import one_line

    line = one_line(HOSTILE_TEXT + "\udc80", 40)
    assert len(line) <= 40 and line.endswith("…") and line.startswith("Evil team [2J end z")
    assert all(ch.isprintable() for ch in line)
    assert one_line("short", 40) == "short"


def test_sessions_list_shows_one_line_per_session(data_dir):
    """Repro: a team named "Evil\\nteam\\r…" and a task with U+2028 and an ESC sequence made
    `agora-lab sessions list` print several lines per session and drive the terminal."""
    import subprocess
    import sys

    from agents.events import RunStarted

    for number in range(2):
        writer = SessionWriter(f"hostile{number}")
        writer.write(
            RunStarted(run_id=f"hostile{number}", team={"name": HOSTILE_TEXT}, task=HOSTILE_TEXT, app_version="t")
        )
        writer.close()
    env = dict(os.environ, AGORA_LAB_DATA_DIR=str(data_dir))
    result = subprocess.run(
        [sys.executable, "-m", "agents.cli", "sessions", "list"], capture_output=True, timeout=120, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode("utf-8").split("\n")
    assert len(lines) == 3 and lines[-1] == "", lines  # two sessions, two lines
    assert all(ch.isprintable() for line in lines for ch in line)


async def test_a_team_on_a_keep_alive_only_server_ends_as_a_failed_session():
    """Repro: a mixed team whose remote agent's server only sent ": ping" ran until killed and
    its session stayed `interrupted`; now the first-token deadline fails the turn and the run."""
    from agents.llm.openai_compat import OpenAICompatProvider
    from agents.llm.refs import parse_model_ref
    from tests.helpers.fault_server import FaultServer

    server = await FaultServer().start()
    remote = OpenAICompatProvider(parse_model_ref(f"oai:{server.base_url}#keepalive?first_token=0.2&retries=0"))
    try:
        spec = parse_team(
            {
                "name": "mixed",
                "agents": [{"name": "Local"}, {"name": "Remote"}],
                "protocol": {"kind": "round_robin", "max_rounds": 1},
            }
        )
        run = TeamRun(spec, {"Local": ScriptedProvider(["hello"]), "Remote": remote})
        writer = SessionWriter(run.run_id)
        events = [e async for e in recorded(run.run_stream("task"), writer)]
    finally:
        await remote.aclose()
        await server.stop()
    assert any(e.type == "error" and e.kind == "timeout" for e in events)
    assert read_session(run.run_id).status == "failed"
