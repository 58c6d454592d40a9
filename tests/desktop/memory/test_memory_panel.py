"""The Memory panel offscreen: list, search, entity filter, undoable edits, live highlight, and a
store that is slow, locked or damaged. The panel reads through its StoreReader (a worker thread
behind the one Qt edge); tests run the loop until the reader says it is idle, never a clock."""

import asyncio
import sqlite3
import threading

import pytest
from PySide6.QtCore import QTimer

from agents.events import RunStarted
from agents.memory.events import MemoryRead, RetrievedMemory
from agents.memory.records import Memory
from agents.memory.reflect import workflow_text
from agents.memory.store import MemoryStore
from desktop.memory.panel import MemoryPanel
from tests.desktop.memory.waiting import HANG_GUARD_S, settle


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


@pytest.fixture
def panel(qtbot, qloop, tmp_path):
    path, made = filled(tmp_path)
    shown = MemoryPanel(path)
    qtbot.addWidget(shown)
    shown.made = made
    yield shown
    settle(qloop, shown)  # nothing left running when the widget goes


def test_lists_searches_filters_and_undoes(panel, qloop):
    made = panel.made
    panel.set_agents(["Alice"])
    settle(qloop, panel)
    assert panel.model.rowCount() == 4 and "4 of 4 memories of Alice" in panel.status.text()
    panel.search.setText("tea")
    panel.refresh()
    settle(qloop, panel)
    assert [m.id for m in panel.model.memories] == [made["tea"].id]
    panel.search.setText("")
    panel.filter_entity("canberra")
    settle(qloop, panel)
    assert {m.id for m in panel.model.memories} == {made["capital"].id, made["house"].id, made["insight"].id}
    panel.filter_entity(None)
    panel.kind_box.setCurrentText("reflection")
    settle(qloop, panel)
    assert [m.id for m in panel.model.memories] == [made["insight"].id]
    panel.tabs.setCurrentWidget(panel.reflections)
    settle(qloop, panel)
    assert panel.reflections.topLevelItem(0).childCount() == 2
    panel.kind_box.setCurrentText("all kinds")
    settle(qloop, panel)
    panel.tabs.setCurrentWidget(panel.table)
    settle(qloop, panel)
    panel.table.selectRow([m.id for m in panel.model.memories].index(made["tea"].id))
    panel.delete_selected()
    settle(qloop, panel)
    assert made["tea"].id not in {m.id for m in panel.model.memories}
    panel.undo_stack.undo()
    settle(qloop, panel)
    assert made["tea"].id in {m.id for m in panel.model.memories}
    panel.tabs.setCurrentWidget(panel.history)
    settle(qloop, panel)
    assert "DELETE" in panel.history.toPlainText() and "ADD" in panel.history.toPlainText()
    panel.tabs.setCurrentWidget(panel.graph)
    settle(qloop, panel)
    assert "canberra" in panel.graph.items_by_entity


def test_a_read_highlights_and_a_double_click_asks_to_jump(panel, qloop, qtbot):
    made = panel.made
    panel.set_agents(["Alice"])
    settle(qloop, panel)
    item = RetrievedMemory(
        memory_id=made["capital"].id, text="x", kind="fact", score=1, recency=1, importance=1, relevance=1
    )
    panel.on_event(MemoryRead(agent="Alice", owner="Alice", query="q", items=(item,), tokens=3))
    assert panel.model.highlighted == {made["capital"].id}
    row = [m.id for m in panel.model.memories].index(made["capital"].id)
    with qtbot.waitSignal(panel.jumpRequested) as jumped:
        panel._jump(panel.model.index(row, 0))
    assert jumped.args == ["s1", "m3"]


def test_a_run_starting_lists_the_agents_with_memory_under_their_keys(panel, qloop):
    team = {
        "name": "t",
        "agents": [{"name": "Ada", "memory": {"enabled": True, "key": "Alice"}}, {"name": "Bob"}],
    }
    panel.feed([RunStarted(run_id="r", team=team, task="x", app_version="0")])
    settle(qloop, panel)
    assert panel.agent == "Alice" and panel.model.rowCount() == 4  # Ada was Alice: her memory follows


def test_a_slow_read_never_blocks_the_window(panel, qloop, qtbot, monkeypatch):
    entered, gate = threading.Event(), threading.Event()
    answer = panel.reader.session.answer

    def slow(*args):
        entered.set()
        gate.wait(HANG_GUARD_S)
        return answer(*args)

    monkeypatch.setattr(panel.reader.session, "answer", slow)
    panel.set_agents(["Alice"])
    assert "reading" in panel.status.text() and panel.model.rowCount() == 0  # asked, not waited for
    qloop.run_until_complete(asyncio.to_thread(entered.wait, HANG_GUARD_S))  # the worker is in the read
    ticks: list[int] = []
    QTimer.singleShot(0, lambda: ticks.append(1))
    qtbot.waitUntil(lambda: bool(ticks))  # Qt runs its events while the read waits
    panel.search.setText("tea")  # and the user can go on typing
    assert panel.reader.busy and panel.model.rowCount() == 0
    gate.set()
    panel.refresh()
    settle(qloop, panel)
    assert [m.id for m in panel.model.memories] == [panel.made["tea"].id]  # the stale view was not drawn


def test_a_locked_store_is_said_and_the_window_goes_on(qtbot, qloop, tmp_path):
    path, _ = filled(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the whole file
    panel = MemoryPanel(path, timeout_s=0.2)
    qtbot.addWidget(panel)
    problems: list[str] = []
    panel.problem.connect(problems.append)
    panel.set_agents(["Alice"])
    assert not panel.banner.isVisibleTo(panel)  # set_agents returned before the lock was met
    settle(qloop, panel)
    assert "locked by another program" in panel.banner.text() and panel.banner.isVisibleTo(panel)
    assert problems and panel.model.rowCount() == 0
    holder.execute("ROLLBACK")
    holder.close()
    panel.refresh()
    settle(qloop, panel)
    assert panel.model.rowCount() == 4 and not panel.banner.isVisibleTo(panel)


def test_a_corrupt_store_is_said_clearly_and_left_untouched(qtbot, qloop, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"x" * 4096)
    panel = MemoryPanel(str(bad))
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.problem) as said:
        panel.set_agents(["Alice"])
        settle(qloop, panel)
    assert "damaged or is not a memory database" in said.args[0] and "left untouched" in panel.banner.text()
    assert "memory unavailable (corrupt)" in panel.status.text() and bad.read_bytes() == b"x" * 4096


def test_a_workflow_shows_its_steps(qtbot, qloop, tmp_path):
    path = str(tmp_path / "w.db")
    with MemoryStore(path) as store:
        text = workflow_text("Use 1 2 3 4 and + - * / to obtain 24", ["1 + 2 = 3", "3 + 3 = 6", "4 * 6 = 24"])
        store.add(Memory(agent="Planner", text=text, kind="workflow"), "workflow")
    panel = MemoryPanel(path)
    qtbot.addWidget(panel)
    panel.set_agents(["Planner"])
    settle(qloop, panel)
    assert panel.model.data(panel.model.index(0, 0)).endswith("· 3 steps")
    panel.tabs.setCurrentWidget(panel.reflections)
    settle(qloop, panel)
    top = panel.reflections.topLevelItem(0)
    assert [top.child(i).text(0) for i in range(top.childCount())] == ["1 + 2 = 3", "3 + 3 = 6", "4 * 6 = 24"]


def test_a_bug_in_a_store_call_is_said_not_left_reading(panel, qloop, monkeypatch):
    def broken(*_args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(panel.reader.session, "answer", broken)
    panel.set_agents(["Alice"])
    settle(qloop, panel)
    assert "a bug" in panel.banner.text() and "memory unavailable" in panel.status.text()
