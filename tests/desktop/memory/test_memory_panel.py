"""The Memory panel offscreen: list, search, entity filter, undoable edits, live highlight."""

from agents.memory.events import MemoryRead, RetrievedMemory
from agents.memory.records import Memory
from agents.memory.store import MemoryStore
from desktop.memory.panel import MemoryPanel


def filled(tmp_path) -> tuple[str, dict[str, Memory]]:
    path = str(tmp_path / "m.db")
    with MemoryStore(path) as store:
        made = {
            "capital": store.add(
                Memory(
                    agent="Alice",
                    text="Canberra is the capital of Australia.",
                    kind="fact",
                    importance=7,
                    source_session="s1",
                    source_message="m3",
                )
            ),
            "tea": store.add(Memory(agent="Alice", text="Bob drinks tea at four.", importance=3)),
            "house": store.add(Memory(agent="Alice", text="Parliament House stands in Canberra.")),
        }
        made["insight"] = store.add(
            Memory(
                agent="Alice",
                text="Canberra comes up often.",
                kind="reflection",
                links=(made["capital"].id, made["house"].id),
            ),
            "reflection",
        )
    return path, made


def test_lists_searches_filters_and_undoes(qtbot, tmp_path):
    path, made = filled(tmp_path)
    panel = MemoryPanel(path)
    qtbot.addWidget(panel)
    panel.set_agents(["Alice"])
    assert panel.model.rowCount() == 4
    panel.search.setText("tea")
    panel.refresh()
    assert [m.id for m in panel.model.memories] == [made["tea"].id]
    panel.search.setText("")
    panel.filter_entity("canberra")
    assert {m.id for m in panel.model.memories} == {made["capital"].id, made["house"].id, made["insight"].id}
    panel.filter_entity(None)
    panel.kind_box.setCurrentText("reflection")
    assert [m.id for m in panel.model.memories] == [made["insight"].id]
    panel.tabs.setCurrentWidget(panel.reflections)
    assert panel.reflections.topLevelItem(0).childCount() == 2
    panel.kind_box.setCurrentText("all kinds")
    panel.table.selectRow([m.id for m in panel.model.memories].index(made["tea"].id))
    panel.delete_selected()
    assert made["tea"].id not in {m.id for m in panel.model.memories}
    panel.undo_stack.undo()
    assert made["tea"].id in {m.id for m in panel.model.memories}
    panel.tabs.setCurrentWidget(panel.history)
    assert "DELETE" in panel.history.toPlainText() and "ADD" in panel.history.toPlainText()
    panel.tabs.setCurrentWidget(panel.graph)
    assert "canberra" in panel.graph.items_by_entity


def test_a_read_highlights_and_a_double_click_asks_to_jump(qtbot, tmp_path):
    path, made = filled(tmp_path)
    panel = MemoryPanel(path)
    qtbot.addWidget(panel)
    panel.set_agents(["Alice"])
    item = RetrievedMemory(
        memory_id=made["capital"].id, text="x", kind="fact", score=1, recency=1, importance=1, relevance=1
    )
    panel.on_event(MemoryRead(agent="Alice", owner="Alice", query="q", items=(item,), tokens=3))
    assert panel.model.highlighted == {made["capital"].id}
    row = [m.id for m in panel.model.memories].index(made["capital"].id)
    with qtbot.waitSignal(panel.jumpRequested) as jumped:
        panel._jump(panel.model.index(row, 0))
    assert jumped.args == ["s1", "m3"]


def test_a_corrupt_store_is_said_not_crashed(qtbot, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"x" * 4096)
    panel = MemoryPanel(str(bad))
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.problem):
        panel.set_agents(["Alice"])
    assert "memory unavailable" in panel.status.text() and bad.read_bytes() == b"x" * 4096


def test_a_run_starting_lists_the_agents_with_memory(qtbot, tmp_path):
    from agents.events import RunStarted

    path, _ = filled(tmp_path)
    panel = MemoryPanel(path)
    qtbot.addWidget(panel)
    team = {"name": "t", "agents": [{"name": "Alice", "memory": {"enabled": True}}, {"name": "Bob"}]}
    panel.feed([RunStarted(run_id="r", team=team, task="x", app_version="0")])
    assert panel.agent == "Alice" and panel.model.rowCount() == 4
