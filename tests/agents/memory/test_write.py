"""Writes: the tolerant parser, the rule fallback, and every operation (or failure) as an event."""

import pytest

from agents.llm.base import ProviderError
from agents.llm.scripted import ScriptedProvider
from agents.memory.agent_memory import AgentMemory
from agents.memory.events import MemoryModelCall, MemoryWriteUnreadable, MemoryWritten
from agents.memory.records import Memory, MemoryConfig
from agents.memory.store import MemoryStore
from agents.memory.write import WRITE_SYSTEM, parse_line, parse_operations, rule_operations

TURN = "The answer is 24 because 8 / (3 - 8 / 3) = 24. Always check the arithmetic before answering. Nice chat!"


@pytest.mark.parametrize(
    "line, op, target, importance, text",
    [
        ("ADD 7 | Canberra is the capital.", "ADD", None, 7.0, "Canberra is the capital."),
        ("- add: Canberra is the capital (importance=3)", "ADD", None, 3.0, "Canberra is the capital"),
        ("2. [UPDATE] #2 6 | The user wants sources.", "UPDATE", 2, 6.0, "The user wants sources."),
        ("Edit 1: prefers tea now", "UPDATE", 1, None, "prefers tea now"),
        ("remove 3", "DELETE", 3, None, ""),
        ("* NOOP", "NOOP", None, None, ""),
        ("nothing to store", "NOOP", None, None, ""),
    ],
)
def test_parse_line_tolerates_small_model_variations(line, op, target, importance, text):
    parsed = parse_line(line)
    assert parsed is not None
    assert (parsed.op, parsed.target, parsed.importance, parsed.text) == (op, target, importance, text)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "\x00\xff\ufffd",
        "I think that was a great debate, thanks!",
        "{not json",
        "]]]]",
        "ADD",
        "UPDATE 9 | nonsense",
        "DELETE",
        "12345 67890",
    ],
)
def test_garbage_gives_no_operation_and_is_reported(garbage):
    proposal = parse_operations(garbage, n_similar=2)
    assert proposal.operations == []
    if garbage.strip():
        assert proposal.unreadable or proposal.problems


def test_mem0_json_is_read_too():
    proposal = parse_operations(
        '{"memory": [{"id": "1", "text": "The user likes tea", "event": "UPDATE"}]}', n_similar=1
    )
    assert [(o.op, o.target, o.text) for o in proposal.operations] == [("UPDATE", 1, "The user likes tea")]


def test_the_write_prompt_says_store_what_to_do():
    assert "Store what to do next time" in WRITE_SYSTEM


def test_rules_keep_statements_and_skip_chatter_and_what_is_stored():
    ops = rule_operations(TURN, similar=[])
    texts = [o.text for o in ops if o.op == "ADD"]
    assert "Always check the arithmetic before answering." in texts and "Nice chat!" not in texts
    stored = [Memory(agent="A", text="Always check the arithmetic before answering.")]
    assert "Always check the arithmetic before answering." not in [o.text for o in rule_operations(TURN, stored)]
    assert [o.op for o in rule_operations("Hello there! How are you?", [])] == ["NOOP"]


@pytest.fixture
def store(tmp_path):
    with MemoryStore(tmp_path / "m.db") as opened:
        yield opened


async def collect(stream, calls: bool = False):
    """The stream's events; its model-call records only when ``calls``."""
    return [event async for event in stream if calls or not isinstance(event, MemoryModelCall)]


async def test_model_operations_become_write_events_with_diffs(store):
    old = store.add(Memory(agent="A", text="The user prefers short answers."))
    provider = ScriptedProvider(
        ["UPDATE 1 6 | The user prefers detailed answers with sources.\nADD 8 | Check the arithmetic first."]
    )
    memory = AgentMemory(store, "A", MemoryConfig(enabled=True, reflect_every=0), provider=provider, session_id="s1")
    called, *events = await collect(
        memory.write("The user now prefers detailed answers with sources. Check the arithmetic first.", "m7"), True
    )
    assert isinstance(called, MemoryModelCall) and called.step == "write" and called.model == "scripted:scripted"
    assert called.usage.prompt_tokens > 0 and called.usage.completion_tokens > 0
    assert [(e.op, e.method) for e in events] == [("UPDATE", "model"), ("ADD", "model")]
    update = events[0]
    assert update.before == old.text and update.after == "The user prefers detailed answers with sources."
    assert update.source_session == "s1" and update.source_message == "m7"
    assert "Stored memories:\n1. The user prefers short answers." in provider.requests[0].messages[1].content
    assert store.get(old.id).text == update.after and store.count("A") == 2


async def test_garbage_from_the_model_is_an_event_and_the_fallback_still_stores(store):
    memory = AgentMemory(
        store, "A", MemoryConfig(enabled=True, reflect_every=0), provider=ScriptedProvider(lambda r: "@@## ~~")
    )
    events = await collect(memory.write(TURN, "m1"))
    unreadable = [e for e in events if isinstance(e, MemoryWriteUnreadable)]
    assert len(unreadable) == 1 and unreadable[0].raw_output == "@@## ~~" and unreadable[0].fallback
    written = [e for e in events if isinstance(e, MemoryWritten) and e.op == "ADD"]
    assert written and all(e.method == "rules" for e in written) and store.count("A") == len(written)


async def test_a_provider_error_is_reported_not_lost(store):
    provider = ScriptedProvider([ProviderError("unreachable", "server down")])
    memory = AgentMemory(store, "A", MemoryConfig(enabled=True, reflect_every=0), provider=provider)
    events = await collect(memory.write(TURN))
    assert any(isinstance(e, MemoryWriteUnreadable) and "server down" in e.reason for e in events)
    assert store.count("A") > 0


async def test_an_add_that_repeats_a_stored_memory_is_a_noop(store):
    store.add(Memory(agent="A", text="Check the arithmetic before answering."))
    memory = AgentMemory(
        store,
        "A",
        MemoryConfig(enabled=True, reflect_every=0),
        provider=ScriptedProvider(["ADD 5 | Check the arithmetic before answering!"]),
    )
    events = await collect(memory.write("Check the arithmetic before answering."))
    assert [e.op for e in events] == ["NOOP"] and store.count("A") == 1


async def test_every_turn_policy_stores_the_turn_and_a_read_finds_it(store):
    memory = AgentMemory(store, "A", MemoryConfig(enabled=True, write_policy="every_turn", reflect_every=0))
    await collect(memory.write("Canberra is the capital of Australia.", "m1"))
    read = memory.read("What is the capital of Australia?")
    assert [i.text for i in read.items] == ["Canberra is the capital of Australia."]
    assert "Canberra" in memory.last_read.section and read.considered == 1


class FakeEmbedder:
    """Two-dimensional vectors: tea-ish texts point one way, everything else the other."""

    def __init__(self, fail: bool = False):
        self.fail = fail

    async def embed(self, texts):
        if self.fail:
            raise ConnectionError("embedding server down")
        return [(1.0, 0.0) if "tea" in t or "chai" in t else (0.0, 1.0) for t in texts]


async def test_an_embedder_stores_vectors_and_joins_relevance(store):
    memory = AgentMemory(
        store, "A", MemoryConfig(enabled=True, write_policy="every_turn", reflect_every=0), embedder=FakeEmbedder()
    )
    await collect(memory.write("Bob drinks tea every morning at seven."))
    await collect(memory.write("Bob drinks coffee at noon on Mondays."))
    assert all(m.embedding is not None for m in store.memories("A"))
    read = await memory.aread("What does Bob drink, chai?")
    assert read.items[0].text.startswith("Bob drinks tea")


async def test_a_failing_embedder_loses_no_write_or_read(store):
    memory = AgentMemory(
        store,
        "A",
        MemoryConfig(enabled=True, write_policy="every_turn", reflect_every=0),
        embedder=FakeEmbedder(fail=True),
    )
    await collect(memory.write("Bob drinks tea every morning."))
    assert store.memories("A")[0].embedding is None
    assert [i.text for i in (await memory.aread("tea")).items] == ["Bob drinks tea every morning."]


def test_a_statement_about_another_name_or_number_is_not_a_duplicate():
    from agents.memory.write import duplicate_of

    stored = [Memory(agent="A", text="Keiko's home town is Perth.")]
    assert duplicate_of("Zara's home town is Perth.", stored) is None
    assert duplicate_of("Keiko's home town is Perth!", stored) is stored[0]
    assert (
        duplicate_of("Keiko's locker code is 4821.", [Memory(agent="A", text="Keiko's locker code is 4822.")]) is None
    )


def test_a_store_that_cannot_open_is_an_event_with_the_agents_choice(tmp_path):
    from agents.memory.team import open_store

    bad = tmp_path / "bad.db"
    bad.write_bytes(b"nope" * 100)
    store, problem = open_store("A", MemoryConfig(enabled=True, on_store_error="stop"), str(bad))
    assert store is None and problem is not None and problem.problem == "corrupt" and problem.action == "stop"
    assert bad.read_bytes() == b"nope" * 100


async def test_a_one_megabyte_turn_is_written_clipped_and_prompts_stay_small(store):
    provider = ScriptedProvider(lambda request: "NOOP")
    memory = AgentMemory(store, "A", MemoryConfig(enabled=True, reflect_every=0), provider=provider)
    await collect(memory.write("Canberra is the capital. " * 40_000))
    assert len(provider.requests[0].messages[1].content) < 3000
    every = AgentMemory(store, "B", MemoryConfig(enabled=True, write_policy="every_turn", reflect_every=0))
    await collect(every.write("Canberra is the capital. " * 40_000))
    assert "[cut," in store.memories("B")[0].text


def test_an_operation_the_turn_does_not_support_is_refused():
    example = "ADD 7 | To convert Celsius to Fahrenheit: multiply by 9/5, then add 32."  # the prompt's own example
    proposal = parse_operations(
        example + "\nADD 6 | Zara's locker code is 4817.", 0, turn_text="Zara's locker code is 4817. Lunch is at noon."
    )
    assert [o.text for o in proposal.operations] == ["Zara's locker code is 4817."]
    assert "does not say" in proposal.problems[0]


async def test_a_model_that_only_copies_the_example_falls_back_to_rules(store):
    provider = ScriptedProvider(lambda r: "ADD 7 | To convert Celsius to Fahrenheit: multiply by 9/5, then add 32.")
    memory = AgentMemory(store, "A", MemoryConfig(enabled=True, reflect_every=0), provider=provider)
    events = await collect(memory.write("Zara's locker code is 4817."))
    assert isinstance(events[0], MemoryWriteUnreadable) and "does not say" in events[0].reason
    assert [m.text for m in store.memories("A")] == ["Zara's locker code is 4817."]


async def test_refused_operations_beside_good_ones_are_still_an_event(store):
    provider = ScriptedProvider(lambda r: "ADD 6 | Zara's locker code is 4817.\nDELETE 7")
    memory = AgentMemory(store, "A", MemoryConfig(enabled=True, reflect_every=0), provider=provider)
    events = await collect(memory.write("Zara's locker code is 4817."))
    assert (
        isinstance(events[0], MemoryWriteUnreadable)
        and not events[0].fallback
        and "DELETE names memory 7" in events[0].reason
    )
    assert [(e.op, e.method) for e in events[1:]] == [("ADD", "model")]


def test_memory_settings_are_validated_with_a_clear_message():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="too small to show one memory"):
        MemoryConfig(enabled=True, token_budget=10)
    with pytest.raises(ValidationError):
        MemoryConfig.model_validate({"enabled": True, "write_policy": "sometimes"})
    assert MemoryConfig(enabled=True, scope="shared").owner("A", "crew") == "team:crew"


async def test_a_model_cannot_delete_or_overwrite_what_the_turn_does_not_concern(store):
    kept = store.add(Memory(agent="A", text="Otto's home town is Oslo."))
    provider = ScriptedProvider(["DELETE 1", "UPDATE 1 6 | Zara's locker code is 4817.", "DELETE 1"])
    memory = AgentMemory(store, "A", MemoryConfig(enabled=True, reflect_every=0), provider=provider)
    first = await collect(memory.write("Zara's home town is Perth."))
    assert [(e.op, "refused DELETE" in e.reason) for e in first] == [("NOOP", True)]
    second = await collect(memory.write("Zara has a home town too, and her locker code is 4817."))
    assert [e.op for e in second] == ["ADD"] and store.get(kept.id).text == "Otto's home town is Oslo."
    third = await collect(memory.write("Otto moved away from Oslo; forget his home town."))
    assert [e.op for e in third] == ["DELETE"] and store.count("A") == 1
