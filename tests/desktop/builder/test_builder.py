"""The team builder driven as a user drives it: real drag, mouse and key events on the canvas."""

import json

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from agents.spec import load_team
from desktop.builder.canvas import NODE_H
from desktop.main_window import MainWindow
from tests.desktop.test_main_window import run_until_finished, scripted_loader


@pytest.fixture
def window(qtbot, qloop):
    win = MainWindow(load=scripted_loader())
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    win.builder.new_team()
    return win


def drag_card(window, role: str, to: QPoint) -> None:
    """Drag a palette card and drop it on the canvas, as Qt delivers a drag: enter, move, drop."""
    palette, viewport = window.builder.roles, window.builder.canvas.viewport()
    mime: QMimeData = palette.mimeData([palette.item_for(role)])
    actions, buttons, mods = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    for event in (
        QDragEnterEvent(QPointF(to), actions, mime, buttons, mods),
        QDragMoveEvent(QPointF(to), actions, mime, buttons, mods),
        QDropEvent(QPointF(to), actions, mime, buttons, mods),
    ):
        QApplication.sendEvent(viewport, event)
        assert event.isAccepted()


def node_point(window, name: str, x: float, y: float) -> QPoint:
    """Viewport coordinates of a point given in the node's own coordinates."""
    canvas = window.builder.canvas
    return canvas.mapFromScene(canvas.nodes[name].mapToScene(QPointF(x, y)))


def drag_mouse(qtbot, widget, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(widget, start + (end - start) * step / 5)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)


def build_debate(window, qtbot):
    drag_card(window, "debater", QPoint(100, 200))
    drag_card(window, "debater", QPoint(300, 200))
    drag_card(window, "judge", QPoint(200, 80))
    canvas = window.builder.canvas
    port = node_point(window, "Judge", *canvas.nodes["Judge"].port_centre().toTuple())
    drag_mouse(qtbot, canvas.viewport(), port, node_point(window, "Debater", 40, NODE_H / 2))


def test_dragging_cards_and_linking_builds_a_valid_debate(window, qtbot):
    builder = window.builder
    drag_card(window, "debater", QPoint(200, 330))
    assert [a.role for a in builder.draft.agents] == ["debater"]
    assert "Missing" in builder.validation.text() and "judge" in builder.validation.text()
    build_debate(window, qtbot)
    assert [a.name for a in builder.draft.agents] == ["Debater", "Debater 2", "Debater 3", "Judge"]
    assert [(k.source, k.target, k.kind) for k in builder.draft.links] == [("Judge", "Debater", "judges")]
    assert builder.validation.text() == "Ready to run."
    assert len(builder.canvas.arrows) == 1 and not builder.canvas.arrows[0].path().isEmpty()


def test_every_edit_undoes_and_redoes_with_the_standard_keys(window, qtbot):
    build_debate(window, qtbot)
    stack, canvas = window.builder.document.undo_stack, window.builder.canvas
    assert stack.count() == 6  # the opened template, New team, three drops and a link
    before = window.builder.draft.position("Judge")
    drag_mouse(
        qtbot,
        canvas.viewport(),
        node_point(window, "Judge", 60, 20),
        node_point(window, "Judge", 60, 20) + QPoint(0, 120),
    )
    assert window.builder.draft.position("Judge")[1] > before[1] + 50
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.builder.draft.position("Judge") == before
    assert canvas.nodes["Judge"].pos().toTuple() == before
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.builder.draft.links == ()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(window.builder.draft.links) == 1 and len(canvas.arrows) == 1


def test_the_property_editor_renames_and_retunes_the_selected_agent(window, qtbot):
    build_debate(window, qtbot)
    canvas, form = window.builder.canvas, window.builder.agent_form
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=node_point(window, "Debater", 40, 20))
    assert form.current.name == "Debater" and form.isEnabled()
    form.name.setText("Pro")
    form.name.editingFinished.emit()
    form.temperature.setValue(1.3)
    draft = window.builder.draft
    assert draft.agent("Pro").temperature == pytest.approx(1.3)
    assert draft.links[0].target == "Pro"  # the link followed the rename
    assert "Pro" in canvas.nodes and form.current.name == "Pro"
    form.name.setText("user")  # reserved: refused with a banner, the name stays
    form.name.editingFinished.emit()
    assert "reserved" in window.banner.text() and form.name.text() == "Pro"
    window.builder.document.undo_stack.undo()
    window.builder.document.undo_stack.undo()
    assert window.builder.draft.agent("Debater").temperature == 0.7


def test_protocol_and_termination_forms_edit_the_team(window, qtbot):
    build_debate(window, qtbot)
    forms = window.builder.protocol_form
    forms.forms["debate"].fields["max_rounds"].setValue(5)
    assert window.builder.draft.protocol.max_rounds == 5
    forms.kind.setCurrentText("round_robin")
    assert window.builder.draft.protocol.kind == "round_robin"
    termination = window.builder.termination_form.fields
    termination["max_messages"].setValue(7)
    termination["text_mention"].setText("DONE")
    termination["text_mention"].editingFinished.emit()
    assert (
        window.builder.draft.termination.max_messages == 7 and window.builder.draft.termination.text_mention == "DONE"
    )
    termination["max_messages"].setValue(0)  # the "off" value
    assert window.builder.draft.termination.max_messages is None
    window.builder.document.undo_stack.undo()
    assert window.builder.draft.termination.max_messages == 7


def test_delete_key_removes_the_selected_agent_and_its_links(window, qtbot):
    build_debate(window, qtbot)
    canvas = window.builder.canvas
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=node_point(window, "Debater", 40, 20))
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert "Debater" not in {a.name for a in window.builder.draft.agents} and window.builder.draft.links == ()
    assert "Debater" not in canvas.nodes and canvas.arrows == []


def test_save_and_reopen_a_team_file_and_a_broken_one_is_refused(window, qtbot, tmp_path):
    build_debate(window, qtbot)
    path = tmp_path / "my-team.json"
    window.builder.save_team_as(str(path))
    saved = load_team(path)
    assert [a.name for a in saved.agents] == ["Debater", "Debater 2", "Judge"]
    assert saved.links[0].kind == "judges" and set(saved.layout) == {a.name for a in saved.agents}
    assert "my-team.json" in window.windowTitle()
    window.builder.new_team()
    assert window.builder.draft.agents == ()
    window.builder.document.undo_stack.undo()  # New team is undoable: nothing is lost
    assert window.builder.draft.to_spec() == saved
    window.builder.new_team()
    window.builder.open_team_file(str(path))
    assert window.builder.draft.to_spec() == saved
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps(
            {"version": 1, "name": "x", "agents": [{"name": "A", "role": "debater"}], "protocol": {"kind": "debate"}}
        )
    )
    window.builder.open_team_file(str(broken))
    assert "broken.json" in window.banner.text() and "judge" in window.banner.text()
    assert window.builder.draft.to_spec() == saved  # the canvas kept its team


def test_an_incomplete_team_does_not_run_and_says_why(window, qloop):
    drag_card(window, "debater", QPoint(100, 200))
    window.runs.start_run()
    assert not window.runs.running
    assert "cannot run yet" in window.banner.text() and "judge" in window.banner.text()


def test_a_team_built_by_dragging_runs(window, qtbot, qloop):
    build_debate(window, qtbot)
    window.run_bar.task_edit.setText("Is tea better than coffee?")
    window.runs.start_run()
    run_until_finished(qloop, window)
    headers = " ".join(b.agent for b in window.conversation.bubbles.values())
    assert "Debater 2" in headers and "Judge" in headers


def test_the_gallery_opens_a_template(window, qtbot):
    gallery = window.builder.open_gallery()
    names = [gallery.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(gallery.list.count())]
    gallery.list.setCurrentRow(names.index("manager_workers"))
    gallery.accept()
    assert window.builder.draft.protocol.kind == "manager_workers"
    assert window.run_bar.task_edit.text() == window.builder.draft.sample_task != ""
