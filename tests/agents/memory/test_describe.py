"""Memory events in words, for cards and the export's Memory section."""

from agents.events import Notice
from agents.memory.describe import describe_memory_event, memory_section, memory_section_html
from agents.memory.events import MemoryRead, MemoryWritten, RetrievedMemory


def test_an_update_is_a_diff_and_a_read_lists_its_scores():
    update = MemoryWritten(
        agent="A", owner="A", op="UPDATE", memory_id="m1", before="old text", after="new text", method="model"
    )
    assert describe_memory_event(update) == ("A memory UPDATE", "- old text\n+ new text", "model")
    read = MemoryRead(
        agent="A",
        owner="A",
        query="q",
        tokens=12,
        considered=40,
        items=(
            RetrievedMemory(
                memory_id="m1", text="Canberra", kind="fact", score=2.5, recency=1, importance=0.5, relevance=1
            ),
        ),
    )
    title, body, meta = describe_memory_event(read)
    assert title == "A recalled 1 memory" and body == "- [fact] Canberra" and "2.50" in meta and "of 40" in meta
    assert describe_memory_event(Notice(text="x")) is None


def test_the_export_section_groups_by_agent_and_is_empty_without_memory():
    events = [
        Notice(text="x"),
        MemoryWritten(agent="B", owner="B", op="ADD", memory_id="m", after="tea at four", method="rules"),
    ]
    section = memory_section(events)
    assert section.startswith("## Memory") and "### B" in section and "+ tea at four" in section
    assert memory_section([Notice(text="x")]) == ""
    page = memory_section_html(
        events + [MemoryWritten(agent="B", owner="B", op="ADD", memory_id="n", after="<b>x</b>", method="rules")]
    )
    assert "<h2>Memory</h2>" in page and "&lt;b&gt;x&lt;/b&gt;" in page and memory_section_html([]) == ""
