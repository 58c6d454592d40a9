"""Renaming an agent (or its team) in the builder keeps its memory: the old name is pinned as
the memory's key, in the draft and so in the team file, and undo is just the draft before."""

import json

import pytest

from agents.agent import Agent
from agents.llm.scripted import ScriptedProvider
from agents.memory.events import MemoryRead
from agents.memory.records import Memory, MemoryConfig
from agents.memory.store import MemoryStore
from agents.spec import RoundRobinProtocol, parse_team
from agents.team_draft import TeamDraft
from agents.teams.run import TeamRun

ON = MemoryConfig(enabled=True, write_policy="rules", reflect_every=0)


@pytest.fixture(autouse=True)
def own_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AGORA_LAB_DATA_DIR", str(tmp_path))


def draft(memory: MemoryConfig | None = ON) -> TeamDraft:
    alice = Agent(name="Alice", memory=memory)
    return TeamDraft(name="crew", agents=(alice, Agent(name="Bob")), protocol=RoundRobinProtocol(max_rounds=1))


def test_a_rename_pins_the_old_name_once_and_undo_is_the_draft_before():
    before = draft()
    after = before.with_agent_changed("Alice", name="Ada")
    assert after.agent("Ada").memory.key == "Alice" and before.agent("Alice").memory.key is None
    again = after.with_agent_changed("Ada", name="Ann")
    assert again.agent("Ann").memory.key == "Alice"  # the first name stays the key
    assert again.agent("Ann").memory.owner("Ann", "crew") == "Alice"
    assert draft(None).with_agent_changed("Alice", name="Ada").agent("Ada").memory is None
    edited = after.agent("Ada").memory.model_dump() | {"read_k": 2}
    assert after.with_agent_changed("Ada", memory=edited).agent("Ada").memory.key == "Alice"  # other edits keep it


def test_a_team_rename_pins_shared_memory_to_the_old_team_name():
    shared = ON.model_copy(update={"scope": "shared"})
    renamed = draft(shared).renamed("new crew")
    memory = renamed.agent("Alice").memory
    assert renamed.name == "new crew" and memory.owner("Alice", "new crew") == "team:crew"
    assert draft(shared).renamed("crew") == draft(shared)  # no rename, nothing pinned


def test_the_key_is_in_the_team_file_and_validated():
    spec = draft().with_agent_changed("Alice", name="Ada").to_spec()
    saved = json.loads(spec.model_dump_json())
    assert saved["agents"][0]["memory"]["key"] == "Alice"
    assert parse_team(saved).agents[0].memory.key == "Alice"
    with pytest.raises(ValueError, match="memory key"):
        MemoryConfig(enabled=True, key="team:crew")
    with pytest.raises(ValueError):
        MemoryConfig(enabled=True, key="two\nlines")


async def test_a_renamed_agent_reads_the_memory_it_had():
    with MemoryStore() as store:
        store.add(Memory(agent="Alice", text="Zara's locker code is 4817.", kind="fact"))
    spec = draft().with_agent_changed("Alice", name="Ada").to_spec()
    providers = {name: ScriptedProvider(lambda r: "Noted.", name=name) for name in ("Ada", "Bob")}
    events = [e async for e in TeamRun(spec, providers).run_stream("What is Zara's locker code?")]
    read = next(e for e in events if isinstance(e, MemoryRead))
    assert read.agent == "Ada" and read.owner == "Alice" and "4817" in read.items[0].text
