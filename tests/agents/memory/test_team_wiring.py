"""Memory in a team's turns: read before, write after, across sessions; forks and replays."""

import re

import pytest

from agents.events import event_from_json, event_to_json
from agents.llm.scripted import ScriptedProvider
from agents.memory.events import MemoryModelCall, MemoryRead, MemoryWritten
from agents.memory.store import MemoryStore
from agents.spec import parse_team
from agents.teams.run import TeamRun

MEMORY = {"enabled": True, "write_policy": "every_turn", "reflect_every": 0}


@pytest.fixture(autouse=True)
def own_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AGORA_LAB_DATA_DIR", str(tmp_path))


def team(memory=MEMORY):
    first = {"name": "A", "memory": memory} if memory is not None else {"name": "A"}
    return parse_team(
        {
            "name": "crew",
            "agents": [first, {"name": "B"}],
            "protocol": {"kind": "round_robin", "max_rounds": 1},
        }
    )


def replies(request):
    system = "\n".join(m.content for m in request.messages if m.role == "system")
    if "Zara" in system:
        return "I remember: Zara's locker code is 4817."
    return "Zara's locker code is 4817." if request.speaker == "A" else "Noted."


async def run(spec, task, prior=(), parent=None):
    providers = {name: ScriptedProvider(replies, name=name) for name in ("A", "B")}
    events = [e async for e in TeamRun(spec, providers, prior=prior, parent_run=parent).run_stream(task)]
    return events, providers


async def test_a_second_session_reads_what_the_first_wrote():
    first, _ = await run(team(), "Share your notes.")
    writes = [e for e in first if isinstance(e, MemoryWritten)]
    assert [(w.agent, w.op) for w in writes] == [("A", "ADD")]  # B has no memory
    assert not [e for e in first if e.type == "memory_reflected"]  # running out of rounds solved nothing
    second, providers = await run(team(), "What is Zara's locker code?")
    reads = [e for e in second if isinstance(e, MemoryRead)]
    assert reads and reads[0].agent == "A" and "4817" in reads[0].items[0].text
    prompt = providers["A"].requests[0].messages
    assert any(m.role == "system" and m.content.startswith("Memories") for m in prompt)
    assert all(event_from_json(event_to_json(e)) == e for e in second if isinstance(e, (MemoryRead, MemoryWritten)))


async def test_a_fork_does_not_write_the_kept_turns_again():
    first, _ = await run(team(), "Share your notes again.")
    kept = [e for e in first if type(e).__name__ == "MessageCompleted"][:1]
    with MemoryStore() as store:
        before = store.count("A")
    forked, _ = await run(team(), "Share your notes again.", prior=kept, parent="parent")
    assert not [e for e in forked if isinstance(e, MemoryWritten) and e.source_message == kept[0].message_id]
    with MemoryStore() as store:
        assert store.count("A") == before


async def test_a_replay_shows_the_recorded_memory_events_and_leaves_the_store_alone(tmp_path):
    from agents.session.library import read_session
    from agents.session.replay import replay
    from agents.session.store import SessionWriter, recorded

    providers = {name: ScriptedProvider(replies, name=name) for name in ("A", "B")}
    run = TeamRun(team(), providers)
    path = tmp_path / "sessions" / f"{run.run_id}.jsonl"
    async for _event in recorded(run.run_stream("Share your notes."), SessionWriter(run.run_id, path)):
        pass
    with MemoryStore() as store:
        before = (store.count("A"), len(store.history("A")))
    log = read_session(path)
    replayed = [e async for e in replay(log, speed=0)]
    assert [type(e) for e in replayed if isinstance(e, (MemoryRead, MemoryWritten))] == [MemoryRead, MemoryWritten]
    with MemoryStore() as store:
        assert (store.count("A"), len(store.history("A"))) == before


async def test_the_export_has_a_memory_section_and_the_transcript_shows_the_read(tmp_path):
    from agents.session.export import to_html, to_markdown
    from agents.session.library import read_session
    from agents.session.store import SessionWriter, recorded

    await run(team(), "Share your notes.")
    providers = {name: ScriptedProvider(replies, name=name) for name in ("A", "B")}
    second = TeamRun(team(), providers)
    path = tmp_path / "s.jsonl"
    async for _event in recorded(second.run_stream("What is Zara's locker code?"), SessionWriter(second.run_id, path)):
        pass
    log = read_session(path)
    markdown = to_markdown(log)
    assert "A recalled 1 memory" in markdown and "## Memory" in markdown and "### A" in markdown
    assert "<h2>Memory</h2>" in to_html(log)


async def test_a_broken_store_with_stop_ends_the_run_with_a_clear_error(tmp_path, monkeypatch):
    from agents.events import ErrorEvent, Finished

    (tmp_path / "memory").mkdir(exist_ok=True)
    (tmp_path / "memory" / "memory.sqlite3").write_bytes(b"garbage" * 100)
    events, _ = await run(team({**MEMORY, "on_store_error": "stop"}), "anything")
    assert isinstance(events[-2], ErrorEvent) and "memory unavailable" in events[-2].message
    assert isinstance(events[-1], Finished) and events[-1].reason == "error"
    going_on, _ = await run(team(), "anything")
    assert going_on[1].type == "memory_unavailable" and going_on[-1].reason == "completed"


@pytest.mark.parametrize(
    ("memory", "says"),
    [
        ({"enabled": True, "token_budget": 5}, "too small to show one memory"),
        ({"enabled": True, "write_policy": "often"}, "agents[0].memory.write_policy"),
        ({"enabled": True, "scope": "everyone"}, "agents[0].memory.scope"),
    ],
)
def test_a_bad_memory_section_names_the_field(memory, says):
    from agents.spec import TeamFileError

    with pytest.raises(TeamFileError, match=re.escape(says)):
        team(memory)


def test_an_agent_without_a_memory_section_has_none_and_its_file_stays_clean():
    spec = team(None)
    assert spec.agents[0].memory is None and spec.model_dump(exclude_none=True)["agents"][0].get("memory") is None


async def test_an_agent_remembers_what_it_was_told_not_only_what_it_said():
    spec = parse_team(
        {
            "name": "crew",
            "agents": [{"name": "B"}, {"name": "A", "memory": {**MEMORY, "write_policy": "rules"}}],
            "protocol": {"kind": "round_robin", "max_rounds": 1},
        }
    )
    told = {"B": "Zara's locker code is 4817.", "A": "Noted, thanks."}
    providers = {name: ScriptedProvider(lambda r, name=name: told[name], name=name) for name in ("A", "B")}
    events = [e async for e in TeamRun(spec, providers).run_stream("Pass on the codes.")]
    added = [e.after for e in events if isinstance(e, MemoryWritten) and e.op == "ADD"]
    assert added == ["B: Zara's locker code is 4817."]


async def test_memory_model_calls_count_in_the_token_budget_and_say_their_usage():
    def budgeted(memory):
        spec = team(memory).model_dump()
        # A's message alone costs about 62 tokens (its prompt carries the team's worked example), B's 63
        spec["termination"] = {"token_budget": 140}
        return parse_team(spec)

    plain, _ = await run(budgeted(None), "Share your notes.")
    assert [e.agent for e in plain if e.type == "message_completed"][:2] == ["A", "B"]
    remembered, _ = await run(budgeted({**MEMORY, "write_policy": "model"}), "Share your notes.")
    calls = [e for e in remembered if isinstance(e, MemoryModelCall)]
    assert calls and calls[0].step == "write" and calls[0].usage.prompt_tokens > 140
    assert [e.agent for e in remembered if e.type == "message_completed"] == ["A"]  # the write spent the budget
    assert next(e for e in remembered if e.type == "terminated").condition.startswith("token budget")
