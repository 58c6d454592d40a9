"""The Memory dock in the window: it follows the run's stream and links back to messages."""

from agents.events import MessageCompleted, MessageStarted, RunStarted
from agents.memory.events import MemoryRead, RetrievedMemory
from agents.memory.records import Memory
from agents.memory.store import MemoryStore
from desktop.main_window import MainWindow
from tests.desktop.memory.waiting import settle


def test_the_dock_follows_a_run_and_jumps_to_the_source_message(qtbot, qloop, tmp_path, monkeypatch):
    monkeypatch.setenv("AGORA_LAB_DATA_DIR", str(tmp_path))
    with MemoryStore() as store:
        memory = store.add(
            Memory(agent="Alice", text="Canberra is the capital.", source_session="s1", source_message="m1")
        )
    window = MainWindow()
    qtbot.addWidget(window)
    assert any(dock.windowTitle() == "Memory" for dock in window.docks)
    team = {"name": "t", "agents": [{"name": "Alice", "memory": {"enabled": True}}, {"name": "Bob"}]}
    item = RetrievedMemory(
        memory_id=memory.id, text=memory.text, kind="fact", score=2, recency=1, importance=0.5, relevance=1
    )
    window.runs.runner.batch.emit(
        [
            RunStarted(run_id="s1", team=team, task="capital?", app_version="0"),
            MemoryRead(agent="Alice", owner="Alice", message_id="m1", query="capital?", items=(item,), tokens=9),
            MessageStarted(message_id="m1", agent="Alice", model="scripted"),
            MessageCompleted(message_id="m1", agent="Alice", model="scripted", text="Canberra.", finish_reason="stop"),
        ]
    )
    panel = window.memory
    settle(qloop, panel)
    assert panel.agent == "Alice" and panel.model.highlighted == {memory.id} and panel.model.rowCount() == 1
    assert window.conversation.show_message("m1") and not window.conversation.show_message("elsewhere")
    with qtbot.waitSignal(panel.jumpRequested):
        panel._jump(panel.model.index(0, 0))


def test_the_builder_gives_an_agent_memory_and_takes_it_away(qtbot):
    from desktop.builder.builder import TeamBuilder

    builder = TeamBuilder(["local"])
    qtbot.addWidget(builder)
    builder.open_template("debate_with_judge")
    first = builder.team().agents[0]
    builder.agent_form.show_agent(first)
    assert first.memory is None and not builder.agent_form.memory.fields["enabled"].isChecked()
    builder.agent_form.memory.fields["read_k"].setValue(3)
    builder.agent_form.memory.fields["enabled"].setChecked(True)
    memory = builder.team().agents[0].memory
    assert memory is not None and memory.enabled and memory.read_k == 3
    builder.agent_form.memory.fields["enabled"].setChecked(False)
    assert builder.team().agents[0].memory is None
    builder.document.undo_stack.undo()
    assert builder.team().agents[0].memory is not None  # every edit an undo step


def test_renaming_an_agent_in_the_builder_keeps_its_memory_and_undo_puts_it_back(qtbot):
    from desktop.builder.builder import TeamBuilder

    builder = TeamBuilder(["local"])
    qtbot.addWidget(builder)
    builder.open_template("debate_with_judge")
    first = builder.team().agents[0]
    form = builder.agent_form
    builder._select(first.name)
    form.memory.fields["enabled"].setChecked(True)
    form.name.setText("Renamed")
    form.name.editingFinished.emit()
    renamed = builder.team().agents[0]
    assert renamed.name == "Renamed" and renamed.memory is not None and renamed.memory.key == first.name
    assert form.memory.fields["key"].text() == first.name  # the form shows where the memory is kept
    form.memory.fields["read_k"].setValue(2)  # a later edit keeps the key
    assert builder.team().agents[0].memory.key == first.name and builder.team().agents[0].memory.read_k == 2
    builder.document.undo_stack.undo()
    builder.document.undo_stack.undo()
    back = builder.team().agents[0]
    assert back.name == first.name and back.memory is not None and back.memory.key is None
