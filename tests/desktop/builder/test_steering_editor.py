"""The property editor's steering section: it writes the team file's ``steering`` field, each
change one undo step; a remote model is refused with a message; a bad vector is refused."""

import json
import os

import numpy as np
import pytest
from PySide6.QtCore import Qt

from agents.agent import SteeringSpec
from agents.interp.steering import SteeringVector
from agents.spec import load_team
from desktop.builder.builder import TeamBuilder
from desktop.builder.steering_editor import AUTO_LAYER


@pytest.fixture
def builder(qtbot):
    widget = TeamBuilder(["local", "openai:gpt-4o-mini"])
    qtbot.addWidget(widget)
    widget.resize(520, 900)
    widget.open_template("debate_with_judge")
    widget.show()
    return widget


def select(builder, index=0):
    name = builder.draft.agents[index].name
    builder.canvas.select(name)
    assert builder.agent_form.current is not None and builder.agent_form.current.name == name
    return builder.agent_form.steering, name


def test_steering_is_picked_written_to_the_team_file_and_undone(builder, tmp_path):
    editor, name = select(builder)
    assert not editor.on.isChecked() and not editor.vector.isEnabled()
    assert not editor.speed.isVisibleTo(editor)  # the speed hint only while steering is on
    editor.on.setChecked(True)
    assert builder.draft.agent(name).steering == SteeringSpec(vector=editor.vector.currentText())
    assert editor.speed.isVisibleTo(editor) and "torch, not the fast llama.cpp engine" in editor.speed.text()
    editor.vector.setCurrentText("sentiment")
    editor.vector.lineEdit().editingFinished.emit()
    editor.layer.setValue(6)
    editor.strength.setValue(-3.5)
    assert builder.draft.agent(name).steering == SteeringSpec(vector="sentiment", layer=6, strength=-3.5)
    assert "sentiment -3.5 at layer 6" in editor.note.text()
    path = tmp_path / "team.json"
    assert builder.save_file(path)
    saved = json.loads(path.read_text())["agents"][0]["steering"]
    assert saved == {"vector": "sentiment", "layer": 6, "strength": -3.5}
    assert load_team(path).agents[0].steering == SteeringSpec(vector="sentiment", layer=6, strength=-3.5)
    stack = builder.document.undo_stack
    stack.undo()  # the strength
    assert builder.draft.agent(name).steering.strength == 4.0
    stack.undo()  # the layer
    stack.undo()  # the vector
    stack.undo()  # turning it on
    assert builder.draft.agent(name).steering is None and not editor.on.isChecked()
    assert not editor.speed.isVisibleTo(editor)
    stack.redo()
    assert builder.draft.agent(name).steering is not None and editor.on.isChecked()


def test_auto_layer_writes_no_layer_and_off_removes_the_field(builder):
    editor, name = select(builder)
    editor.on.setChecked(True)
    editor.layer.setValue(2)
    editor.layer.setValue(AUTO_LAYER)
    assert builder.draft.agent(name).steering.layer is None
    assert editor.layer.text().startswith("auto")
    editor.layer.setValue(-1)
    assert editor.layer.text() == "embeddings (-1)" and builder.draft.agent(name).steering.layer == -1
    editor.on.setChecked(False)
    assert builder.draft.agent(name).steering is None
    assert "steering" not in builder.draft.to_spec().agents[0].model_dump(exclude_none=True)


def test_a_remote_model_is_refused_both_ways(builder, qtbot):
    problems = []
    builder.problem.connect(problems.append)
    editor, name = select(builder)
    form = builder.agent_form
    form.model.setCurrentText("openai:gpt-4o-mini")
    form.model.lineEdit().editingFinished.emit()
    assert builder.draft.agent(name).model == "openai:gpt-4o-mini"
    assert "needs a local model" in editor.note.text()
    depth = builder.document.undo_stack.count()
    editor.on.setChecked(True)  # refused: a remote model has no residual stream to add to
    assert not editor.on.isChecked() and builder.draft.agent(name).steering is None
    assert editor.note.text().startswith("Refused: steering needs a local model")
    assert "openai:gpt-4o-mini" in editor.note.text() and builder.document.undo_stack.count() == depth
    builder.document.undo_stack.undo()  # back to local: now it may be steered
    editor.on.setChecked(True)
    assert builder.draft.agent(name).steering is not None
    form.model.setCurrentText("openai:gpt-4o-mini")  # a steered agent moved to a remote model: refused
    form.model.lineEdit().editingFinished.emit()
    assert builder.draft.agent(name).model == "local" and form.model.currentText() == "local"
    assert problems and "steering needs a local model" in problems[-1] and "turn its steering off" in problems[-1]


def test_a_bad_vector_is_refused_and_a_file_is_accepted(builder, tmp_path):
    editor, name = select(builder)
    editor.on.setChecked(True)
    before = builder.draft.agent(name).steering
    editor.vector.setCurrentText("sarcasm")
    editor.vector.lineEdit().editingFinished.emit()
    assert "no contrast set 'sarcasm'" in editor.note.text() and builder.draft.agent(name).steering == before
    editor.strength.setValue(2.0)  # another edit while the vector is refused keeps the agent's vector
    assert builder.draft.agent(name).steering == before
    editor.choose_file(str(tmp_path / "missing.npz"))
    assert "no steering vector file" in editor.note.text()
    vector = tmp_path / "agree.npz"
    SteeringVector("agreement", 3, np.ones(8, np.float32)).save(vector)
    editor.choose_file(str(vector))
    assert builder.draft.agent(name).steering == SteeringSpec(vector=str(vector), layer=None, strength=2.0)
    assert not editor.layer.isEnabled()  # a saved vector carries its own layer
    one_sided = tmp_path / "one.json"
    one_sided.write_text(json.dumps({"positive": ["a", "b"], "negative": []}))
    editor.choose_file(str(one_sided))
    assert "empty" in editor.note.text() and builder.draft.agent(name).steering.vector == str(vector)


def test_screenshot_of_the_steering_editor(builder, qtbot):
    editor, _ = select(builder, 1)
    editor.on.setChecked(True)
    editor.vector.setCurrentText("agreement")
    editor.vector.lineEdit().editingFinished.emit()
    editor.strength.setValue(6.0)
    builder.tabs.setCurrentIndex(0)
    scroll = builder.tabs.currentWidget()
    scroll.ensureWidgetVisible(editor)
    qtbot.waitUntil(lambda: editor.visibleRegion().boundingRect().height() > 0)
    image = builder.grab()
    assert not image.isNull() and image.width() > 400
    folder = os.environ.get("H14_SHOTS")
    if folder:  # a developer looks at it: H14_SHOTS=/tmp pytest ...
        image.save(os.path.join(folder, "h14_steering_editor.png"))
        editor.grab().save(os.path.join(folder, "h14_steering_editor_close.png"))
    assert editor.note.text().startswith("Steered: agreement +6")
    assert editor.speed.visibleRegion().boundingRect().height() > 0  # the hint is on screen, not clipped away
    assert Qt.CheckState(editor.on.checkState()) == Qt.CheckState.Checked
    editor, _ = select(builder, 0)  # the refusal, as a user sees it
    builder.agent_form.model.setCurrentText("openai:gpt-4o-mini")
    builder.agent_form.model.lineEdit().editingFinished.emit()
    editor.on.setChecked(True)
    assert editor.note.text().startswith("Refused") and not editor.on.isChecked()
    note = editor.note
    qtbot.waitUntil(lambda: note.height() >= note.heightForWidth(note.width()))  # the layout has grown the note
    if folder:
        editor.grab().save(os.path.join(folder, "h14_steering_editor_refused.png"))
