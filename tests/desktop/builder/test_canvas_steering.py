"""A steered agent's card on the canvas says so: a "steered" badge and a band with the vector,
layer and strength, drawn from the draft, so it follows the steering editor and undo."""

import os

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from agents.interp.steering import SteeringVector
from desktop.builder.builder import TeamBuilder
from desktop.builder.canvas import MARK_COLOUR, NODE_H, steering_mark


@pytest.fixture
def builder(qtbot):
    widget = TeamBuilder(["local", "openai:gpt-4o-mini"])
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.open_template("debate_with_judge")
    widget.show()
    qtbot.waitExposed(widget)
    widget.canvas.fit()
    return widget


def violet_pixels(builder, name: str) -> int:
    """How many pixels of the steering colour the canvas shows inside one agent's card."""
    canvas = builder.canvas
    image: QImage = canvas.viewport().grab().toImage()
    card = canvas.mapFromScene(canvas.nodes[name].sceneBoundingRect()).boundingRect()
    card = card.intersected(image.rect())
    violet = QColor(MARK_COLOUR).rgb()
    return sum(
        image.pixel(x, y) == violet for x in range(card.left(), card.right()) for y in range(card.top(), card.bottom())
    )


def steer(builder, name: str, vector: str = "sentiment", layer: int = 6, strength: float = -3.5):
    builder.canvas.select(name)
    editor = builder.agent_form.steering
    editor.on.setChecked(True)
    editor.vector.setCurrentText(vector)
    editor.vector.lineEdit().editingFinished.emit()
    editor.layer.setValue(layer)
    editor.strength.setValue(strength)
    return editor


def test_the_mark_appears_with_the_editor_and_goes_with_undo(builder):
    steered, plain = builder.draft.agents[0].name, builder.draft.agents[-1].name
    node = builder.canvas.nodes[steered]
    assert node.mark == "" and node.boundingRect().height() < NODE_H + 10
    assert violet_pixels(builder, steered) == 0
    steer(builder, steered)
    node = builder.canvas.nodes[steered]
    assert node.mark == "steered: sentiment @L6 ×-3.5"
    assert node.boundingRect().height() > NODE_H + 10  # the card grew by its band
    assert "Steered: sentiment -3.5 at layer 6" in node.toolTip()
    assert violet_pixels(builder, steered) > 200 and violet_pixels(builder, plain) == 0
    stack = builder.document.undo_stack
    stack.undo()  # the strength
    assert builder.canvas.nodes[steered].mark == "steered: sentiment @L6 ×4"
    stack.undo()  # the layer
    assert builder.canvas.nodes[steered].mark == "steered: sentiment @auto ×4"
    while builder.draft.agent(steered).steering is not None:
        stack.undo()
    node = builder.canvas.nodes[steered]
    assert node.mark == "" and "Steered" not in node.toolTip() and violet_pixels(builder, steered) == 0
    stack.redo()
    assert builder.canvas.nodes[steered].mark.startswith("steered: ")
    assert violet_pixels(builder, steered) > 200


def test_turning_steering_off_removes_the_mark_and_a_file_shows_by_name(builder, tmp_path):
    name = builder.draft.agents[1].name
    editor = steer(builder, name, strength=2.0)
    vector = tmp_path / "contrarian.npz"
    SteeringVector("agreement", 3, np.ones(8, np.float32)).save(vector)
    editor.choose_file(str(vector))
    assert builder.canvas.nodes[name].mark == "steered: contrarian.npz @auto ×2"  # the file's own layer
    editor.on.setChecked(False)
    assert builder.canvas.nodes[name].mark == "" and builder.draft.agent(name).steering is None
    assert steering_mark(None) == ""


def test_screenshot_of_steered_cards(builder):
    steer(builder, builder.draft.agents[0].name, vector="agreement", layer=6, strength=-3.5)
    steer(builder, builder.draft.agents[1].name, vector="agreement", layer=9, strength=6.0)
    image = builder.grab()
    assert image.width() == 1280 and image.height() == 800
    folder = os.environ.get("H14_SHOTS")
    if folder:  # a developer looks at it: H14_SHOTS=/tmp pytest ...
        image.save(os.path.join(folder, "h14_steered_cards.png"))
        builder.canvas.viewport().grab().save(os.path.join(folder, "h14_steered_cards_canvas.png"))
    assert all(violet_pixels(builder, agent.name) > 200 for agent in builder.draft.agents[:2])
