"""The property editor's steering section: give a local-model agent a steering vector.

A user picks a contrast set (a shipped one, or a .json set / .npz vector file), a layer
(auto: the set's steering layer, found when the team runs) and a strength; that is the team
file's ``steering`` field. The editor never edits the draft itself: it emits ``edited`` and
the agent form commits the change, one undo step like every other property edit.

Steering needs a local model (the vector is added to its residual stream while it
generates). For any other model the editor says so and turning steering on is refused;
the draft refuses the reverse (a steered agent moved to a remote model) with its own message.
While steering is on, a hint says what it costs: steered turns leave llama.cpp for torch.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from agents.agent import Agent, SteeringSpec
from agents.interp.contrasts import shipped_names
from agents.interp.steering import vector_source_problem
from agents.llm.local_steering import ENGINE_NOTE
from agents.spec import is_local_ref

AUTO_LAYER = -2  # the spin box's minimum: no layer in the file, the set's steering layer
MAX_LAYER = 127  # the builder has no model loaded: the real range is checked when the team runs
OK_STYLE, REFUSED_STYLE = "color: palette(mid)", "color: #cf222e; font-weight: bold"


class LayerSpin(QSpinBox):
    """A layer, with "auto" below -1 (the embeddings) and 0 (the first block)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setRange(AUTO_LAYER, MAX_LAYER)
        self.setKeyboardTracking(False)  # commit on Enter or focus out, not per keystroke
        self.setSpecialValueText("auto (the set's steering layer)")

    def textFromValue(self, value: int) -> str:
        return "embeddings (-1)" if value == -1 else super().textFromValue(value)

    def valueFromText(self, text: str) -> int:
        return -1 if text.startswith("embeddings") else super().valueFromText(text)

    def layer(self) -> int | None:
        return None if self.value() == AUTO_LAYER else self.value()

    def show_layer(self, layer: int | None) -> None:
        self.setValue(AUTO_LAYER if layer is None else layer)


class SteeringEditor(QWidget):
    """Steer on/off, vector, layer and strength for the selected agent."""

    edited = Signal()  # the user changed a valid steering: the form commits ``value()``

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.agent: Agent | None = None
        self.on = QCheckBox("Steer this agent")
        self.vector = QComboBox()
        self.vector.setEditable(True)  # a .json contrast set or a saved .npz vector may be typed
        self.vector.addItems(shipped_names())
        self.vector.setAccessibleName("Steering vector")
        self.vector.setToolTip("A shipped contrast set, a contrast set .json or a steering vector .npz")
        self.browse = QPushButton("File…")
        self.browse.setAccessibleName("Choose a steering vector file")
        self.layer = LayerSpin()
        self.layer.setAccessibleName("Steering layer")
        self.strength = QDoubleSpinBox()
        self.strength.setRange(-50.0, 50.0)  # SteeringSpec's own bounds
        self.strength.setSingleStep(0.5)
        self.strength.setKeyboardTracking(False)
        self.strength.setAccessibleName("Steering strength")
        self.strength.setToolTip("Times the direction is added; negative steers the other way")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.speed = QLabel(ENGINE_NOTE)  # shown while steering is on: the cost of a steered turn
        self.speed.setWordWrap(True)
        self.speed.setStyleSheet(OK_STYLE)
        self.speed.setAccessibleName("Steering speed hint")
        self._lay_out()
        self.on.toggled.connect(self._toggled)
        line = self.vector.lineEdit()
        assert line is not None  # editable
        line.editingFinished.connect(self._commit)
        self.vector.activated.connect(self._commit)
        self.layer.valueChanged.connect(self._commit)
        self.strength.valueChanged.connect(self._commit)
        self.browse.clicked.connect(self.choose_file)
        self.show_agent(None)

    def _lay_out(self) -> None:
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.vector, 1)
        row.addWidget(self.browse)
        form.addRow(self.on)
        form.addRow("Vector", row)
        form.addRow("Layer", self.layer)
        form.addRow("Strength", self.strength)
        form.addRow(self.note)
        form.addRow(self.speed)

    # --- showing ----------------------------------------------------------------------
    def show_agent(self, agent: Agent | None) -> None:
        self.agent = agent
        spec = agent.steering if agent is not None else None
        shown = spec or SteeringSpec(vector=shipped_names()[0] if shipped_names() else "sentiment")
        for widget in (self.on, self.vector, self.layer, self.strength):
            widget.blockSignals(True)
        self.on.setChecked(spec is not None)
        self.vector.setCurrentText(shown.vector)
        self.layer.show_layer(shown.layer)
        self.strength.setValue(shown.strength)
        for widget in (self.on, self.vector, self.layer, self.strength):
            widget.blockSignals(False)
        self._enable()
        self._say(self._summary(spec))

    def _enable(self) -> None:
        on = self.on.isChecked()
        for widget in (self.vector, self.browse, self.strength):
            widget.setEnabled(on)
        self.speed.setVisible(on)
        self.layer.setEnabled(on and not self.vector.currentText().strip().endswith(".npz"))  # a file has its own

    def _summary(self, spec: SteeringSpec | None) -> str:
        if self.agent is not None and not is_local_ref(self.agent.model):
            return f"Steering needs a local model; {self.agent.name} uses {self.agent.model}."
        if spec is None:
            return "Adds a direction (difference of means of a contrast set) to the residual stream."
        return f"Steered: {spec.label}. Every message says so in the conversation and the export."

    def _say(self, text: str, refused: bool = False) -> None:
        self.note.setText(text)
        self.note.setStyleSheet(REFUSED_STYLE if refused else OK_STYLE)

    # --- editing ----------------------------------------------------------------------
    def value(self) -> SteeringSpec | None:
        """What the form commits: the edited steering, or (while the fields are refused) the agent's own."""
        if not self.on.isChecked():
            return None
        if self.problem() is not None:
            return self.agent.steering if self.agent is not None else None
        return self._spec()

    def _spec(self) -> SteeringSpec:
        source = self.vector.currentText().strip()
        layer = None if source.endswith(".npz") else self.layer.layer()
        return SteeringSpec(vector=source, layer=layer, strength=round(self.strength.value(), 2))

    def problem(self) -> str | None:
        """Why the steering as edited cannot be given to this agent (None: it can)."""
        if self.agent is not None and not is_local_ref(self.agent.model):
            return (
                f"Refused: steering needs a local model (its residual stream is changed while it generates); "
                f"{self.agent.name} uses {self.agent.model}. Choose 'local' as its model first."
            )
        return vector_source_problem(self.vector.currentText())

    def _toggled(self, on: bool) -> None:
        if on and self.agent is not None and not is_local_ref(self.agent.model):
            problem = self.problem()
            self.on.blockSignals(True)
            self.on.setChecked(False)  # refused: the agent stays unsteered
            self.on.blockSignals(False)
            self._say(problem or "", refused=True)
            return
        self._commit()

    def _commit(self, *_) -> None:
        self._enable()
        if self.agent is None:
            return
        problem = self.problem() if self.on.isChecked() else None
        if problem is not None:
            self._say(problem, refused=True)  # nothing is committed: the agent keeps its steering
            return
        spec = self.value()
        if spec != self.agent.steering:
            self._say(self._summary(spec))
            self.edited.emit()

    def choose_file(self, path: str | None = None) -> QFileDialog | None:
        """Pick a contrast set (.json, or typed pairs in .txt) or a vector .npz (a non-blocking dialog; tests pass ``path``)."""
        if path is not None:
            self.vector.setCurrentText(path)
            self._commit()
            return None
        dialog = QFileDialog(self, "Steering vector", "", "Contrast sets and vectors (*.json *.txt *.npz)")
        dialog.fileSelected.connect(self.choose_file)
        dialog.open()
        return dialog
