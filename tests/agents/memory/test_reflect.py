"""Reflection cites its sources; workflows are kept once; both are events."""

import pytest

from agents.llm.scripted import ScriptedProvider
from agents.memory.agent_memory import AgentMemory
from agents.memory.events import MemoryModelCall, MemoryReflected, MemoryWriteUnreadable
from agents.memory.records import MemoryConfig
from agents.memory.reflect import parse_insights
from agents.memory.store import MemoryStore

TURNS = [
    "Alice checked the arithmetic and found an error.",
    "The judge preferred answers that show the working.",
    "Alice solved 24 with 4 7 8 8 after checking twice.",
]


def test_insights_without_valid_citations_are_refused():
    insights, rejected = parse_insights(
        "INSIGHT 8 | Check twice before answering. (from 1, 3)\n"
        "INSIGHT 5 | An insight that cites nothing at all\n"
        "- Lesson: cite a memory that was not shown (9)",
        n_memories=3,
    )
    assert [(i.text, i.cites, i.importance) for i in insights] == [("Check twice before answering.", (1, 3), 8.0)]
    assert len(rejected) == 2


@pytest.fixture
def store(tmp_path):
    with MemoryStore(tmp_path / "m.db") as opened:
        yield opened


def script(request):
    if request.speaker == "Reflection":
        return "INSIGHT 8 | Check the arithmetic and show the working before answering. (from 1, 2)"
    said = request.messages[1].content.split("Conversation:\n")[1].splitlines()[0]
    return f"ADD 6 | {said}"


async def test_reflection_every_n_writes_cites_the_memories_it_rests_on(store):
    memory = AgentMemory(store, "A", MemoryConfig(enabled=True, reflect_every=3), provider=ScriptedProvider(script))
    events = []
    for turn in TURNS:
        events += [e async for e in memory.write(turn)]
    reflected = [e for e in events if isinstance(e, MemoryReflected)]
    assert len(reflected) == 1 and reflected[0].trigger == "every_n" and reflected[0].method == "model"
    sources = store.memories("A", kind="observation") + store.memories("A", kind="fact")
    cited = [store.get(i).text for i in reflected[0].cites]
    assert cited == TURNS[:2] and {s.text for s in sources} >= set(cited)
    stored = store.get(reflected[0].memory_id)
    assert stored.kind == "reflection" and stored.links == reflected[0].cites
    assert store.writes_since_reflection("A") == 0


async def test_unreadable_reflection_falls_back_to_shared_entities_and_says_so(store):
    memory = AgentMemory(
        store,
        "A",
        MemoryConfig(enabled=True, write_policy="every_turn", reflect_every=0),
        provider=ScriptedProvider(lambda r: "lorem ipsum"),
    )
    for turn in TURNS:
        [e async for e in memory.write(turn)]
    called, *events = [e async for e in memory.end_session()]
    assert isinstance(called, MemoryModelCall) and called.step == "reflect" and called.usage.prompt_tokens > 0
    assert isinstance(events[0], MemoryWriteUnreadable) and events[0].step == "reflect"
    reflected = [e for e in events if isinstance(e, MemoryReflected)]
    assert reflected and reflected[0].method == "rules" and reflected[0].trigger == "session_end"
    assert "alice" in reflected[0].text and len(reflected[0].cites) == 2  # the two memories naming Alice


async def test_session_end_does_not_reflect_when_nothing_was_written(store):
    memory = AgentMemory(store, "A", MemoryConfig(enabled=True), provider=ScriptedProvider(script))
    assert [e async for e in memory.end_session()] == []


def test_a_workflow_is_stored_once_and_a_later_task_reads_it(store):
    memory = AgentMemory(store, "A", MemoryConfig(enabled=True))
    steps = ["List the four numbers: 4 7 8 8.", "Try (7 - 8 / 8) * 4.", "Check: 6 * 4 = 24."]
    event = memory.record_workflow("Game of 24 with 4 7 8 8", steps, source_message="m9")
    assert event is not None and event.kind == "workflow" and store.get(event.memory_id).kind == "workflow"
    assert memory.record_workflow("Game of 24 with 4 7 8 8", steps) is None  # the same recipe again
    assert memory.record_workflow("one step only", ["just answer"]) is None
    read = memory.read("Game of 24 with 3 3 8 8")
    assert read.items[0].memory_id == event.memory_id and "1. List the four numbers" in memory.last_read.section
