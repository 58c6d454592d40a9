"""TeamMemory: what a protocol calls around each turn, and what happens when the store fails."""

import pytest

from agents.llm.scripted import ScriptedProvider
from agents.memory.events import MemoryReflected, MemoryUnavailable, MemoryWritten
from agents.memory.records import MemoryConfig
from agents.memory.team import MemoryStopped, TeamMemory

ON = MemoryConfig(enabled=True, write_policy="every_turn", reflect_every=0)


async def test_a_turn_reads_then_writes_and_a_later_session_recalls(tmp_path):
    path = str(tmp_path / "m.db")
    team, events = await TeamMemory.open("t", {"A": ON, "B": MemoryConfig()}, {"A": None}, "s1", path)
    assert events == [] and "A" in team and "B" not in team
    section, read = await team.before_turn("A", "anything")
    assert section == "" and read is not None and read.items == ()
    written = [e async for e in team.after_turn("A", "Canberra is the capital of Australia.", "m1")]
    assert [type(e) for e in written] == [MemoryWritten]
    ended = [
        e
        async for e in team.end(
            "Capital of Australia?",
            [("A", "Let me think. It is Canberra.", "m1"), ("B", "Agreed: Canberra.", "m2")],
            solved=True,
        )
    ]
    assert any(isinstance(e, MemoryReflected) and e.kind == "workflow" for e in ended)
    team.close()
    later, _ = await TeamMemory.open("t", {"A": ON}, {"A": None}, "s2", path)
    section, read = await later.before_turn("A", "What is the capital of Australia?", "m9")
    assert "Canberra is the capital of Australia." in section and read is not None and read.message_id == "m9"
    later.close()


async def test_shared_memory_is_one_owner_for_the_team(tmp_path):
    shared = ON.model_copy(update={"scope": "shared"})
    team, _ = await TeamMemory.open("crew", {"A": shared, "B": shared}, {}, "s1", str(tmp_path / "m.db"))
    [e async for e in team.after_turn("A", "The vault code is 4821.", "m1")]
    section, read = await team.before_turn("B", "vault code")
    assert "4821" in section and read is not None and read.owner == "team:crew"
    team.close()


async def test_a_corrupt_store_continues_without_memory_or_stops_as_configured(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"x" * 4096)
    team, events = await TeamMemory.open("t", {"A": ON}, {"A": ScriptedProvider([])}, "s1", str(bad))
    assert "A" not in team and [type(e) for e in events] == [MemoryUnavailable] and events[0].action == "continue"
    with pytest.raises(MemoryStopped):
        await TeamMemory.open("t", {"A": ON.model_copy(update={"on_store_error": "stop"})}, {}, "s1", str(bad))
    assert bad.read_bytes() == b"x" * 4096
