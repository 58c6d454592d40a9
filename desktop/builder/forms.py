"""Editors for the selected agent, the protocol and the termination conditions.

Forms are built from the pydantic records' own fields (types, bounds, choices), so a new
protocol parameter appears in the builder without touching this module. A form emits the
changed values when the user commits an edit; it never edits the draft itself.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from annotated_types import Ge, Gt, Le
from pydantic import BaseModel
from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from agents.agent import Agent
from agents.memory.records import MemoryConfig
from agents.team_draft import ROLE_CARDS
from desktop.builder.steering_editor import SteeringEditor
from desktop.builder.tools_checklist import ToolsChecklist

OFF = "off"


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()


def _bounds(info) -> tuple[float | None, float | None]:
    low: float | None = None
    high: float | None = None
    for rule in info.metadata:
        if isinstance(rule, Ge):
            low = float(rule.ge)  # type: ignore[arg-type]  # annotated_types types bounds as protocols; ours are numbers
        elif isinstance(rule, Gt):
            low = float(rule.gt)  # type: ignore[arg-type]  # as above
        if isinstance(rule, Le):
            high = float(rule.le)  # type: ignore[arg-type]  # as above
    return low, high


def editor_for(annotation: Any, info) -> QWidget:
    """A widget for one field: choices, a switch, a number (0 means off when optional) or text."""
    args = typing.get_args(annotation)
    optional = type(None) in args
    is_union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    base = next((a for a in args if a is not type(None)), annotation) if is_union else annotation
    if typing.get_origin(base) is typing.Literal:
        box = QComboBox()
        box.addItems([str(v) for v in typing.get_args(base)])
        return box
    if base is bool:
        return QCheckBox()
    if base is int:
        return int_editor(info, optional)
    if base is float:
        return float_editor(info, optional)
    return QLineEdit()


def _spin_range(info, optional: bool) -> tuple[float, float]:
    low, high = _bounds(info)
    return (0.0 if optional or low is None else low), (1_000_000.0 if high is None else high)


def _spin_setup(spin: QSpinBox | QDoubleSpinBox, optional: bool) -> None:
    spin.setKeyboardTracking(False)  # commit on Enter or focus out, not per keystroke
    if optional:
        spin.setSpecialValueText(OFF)  # the minimum, 0, reads "off"


def int_editor(info, optional: bool = False) -> QSpinBox:
    spin = QSpinBox()
    low, high = _spin_range(info, optional)
    spin.setRange(int(low), int(high))
    _spin_setup(spin, optional)
    return spin


def float_editor(info, optional: bool = False) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(*_spin_range(info, optional))
    _spin_setup(spin, optional)
    return spin


def read(widget: QWidget) -> Any:
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        value = widget.value()
        return None if widget.specialValueText() == OFF and value == widget.minimum() else value
    if isinstance(widget, QLineEdit):
        return widget.text().strip() or None
    raise TypeError(f"no reader for {type(widget).__name__}")


def write(widget: QWidget, value: Any) -> None:
    widget.blockSignals(True)
    if isinstance(widget, QComboBox):
        widget.setCurrentText(str(value))
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QSpinBox):
        widget.setValue(widget.minimum() if value is None else int(value))
    elif isinstance(widget, QDoubleSpinBox):
        widget.setValue(widget.minimum() if value is None else float(value))
    elif isinstance(widget, QLineEdit):
        widget.setText("" if value is None else str(value))
    widget.blockSignals(False)


def committed(widget: QWidget):
    """The signal that says the user finished editing this widget."""
    if isinstance(widget, QComboBox):
        line = widget.lineEdit()
        return widget.currentTextChanged if line is None else line.editingFinished
    if isinstance(widget, QCheckBox):
        return widget.toggled
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.valueChanged
    if isinstance(widget, QLineEdit):
        return widget.editingFinished
    raise TypeError(f"no commit signal for {type(widget).__name__}")


class RecordForm(QWidget):
    """Edits one frozen record type field by field; ``edited`` carries all current values."""

    edited = Signal(dict)

    def __init__(self, record_type: type[BaseModel], skip: tuple[str, ...] = ("kind",), parent: QWidget | None = None):
        super().__init__(parent)
        self.record_type = record_type
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout(self)
        for name, info in record_type.model_fields.items():
            if name in skip:
                continue
            widget = self.fields[name] = editor_for(info.annotation, info)
            widget.setToolTip(info.description or "")
            committed(widget).connect(self._commit)
            form.addRow(_label(name), widget)

    def show_record(self, record) -> None:
        for name, widget in self.fields.items():
            write(widget, getattr(record, name))

    def values(self) -> dict:
        return {name: read(widget) for name, widget in self.fields.items()}

    def _commit(self, *_) -> None:
        self.edited.emit(self.values())


class _FocusOut(QObject):
    """Commit a multi-line text when it loses focus (it has no editingFinished)."""

    def __init__(self, callback):
        super().__init__()
        self.callback = callback

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.FocusOut:
            self.callback()
        return False


class AgentForm(QWidget):
    """The property editor for the selected agent."""

    edited = Signal(str, dict)  # the agent's current name, the changed fields

    def __init__(self, models: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.current: Agent | None = None
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.role = QComboBox()
        self.role.setEditable(True)  # a custom role is allowed
        self.role.addItems(list(ROLE_CARDS))
        self.persona = QPlainTextEdit()
        self.persona.setMaximumHeight(90)
        self.model = QComboBox()
        self.model.setEditable(True)  # any model reference may be typed
        self.set_models(models)
        info = Agent.model_fields
        self.temperature = float_editor(info["temperature"])
        self.temperature.setSingleStep(0.1)
        self.max_tokens = int_editor(info["max_tokens"])
        self.tools = ToolsChecklist()  # built-ins, the team library's and the MCP servers' tools
        for label, widget in (
            ("Name", self.name),
            ("Role", self.role),
            ("Persona", self.persona),
            ("Model", self.model),
            ("Temperature", self.temperature),
            ("Max tokens", self.max_tokens),
        ):
            form.addRow(label, widget)
        form.addRow("Tools", self.tools)
        self.tools.toggled.connect(self._commit)
        self.memory = RecordForm(MemoryConfig)  # on/off, reads per turn, write policy, reflection, scope
        self.memory.edited.connect(self._commit)
        form.addRow("Memory", self.memory)
        self.steering = SteeringEditor()  # contrast set, layer, strength: the team file's steering
        self.steering.edited.connect(self._commit)
        form.addRow("Steering", self.steering)
        for widget in (self.name, self.role, self.model, self.temperature, self.max_tokens):
            committed(widget).connect(self._commit)
        self._focus = _FocusOut(self._commit)
        self.persona.installEventFilter(self._focus)
        self.show_agent(None)

    def set_models(self, models: list[str]) -> None:
        text = self.model.currentText()
        self.model.clear()
        self.model.addItems(models)
        self.model.setCurrentText(text)

    def show_agent(self, agent: Agent | None) -> None:
        self.current = agent
        self.setEnabled(agent is not None)
        if agent is None:
            return
        for widget, value in (
            (self.name, agent.name),
            (self.role, agent.role),
            (self.model, agent.model),
            (self.temperature, agent.temperature),
            (self.max_tokens, agent.max_tokens),
        ):
            write(widget, value)
        self.persona.blockSignals(True)
        self.persona.setPlainText(agent.persona)
        self.persona.blockSignals(False)
        self.tools.show_tools(agent.tools)
        self.memory.show_record(agent.memory or MemoryConfig())
        self.steering.show_agent(agent)

    def values(self) -> dict:
        return {
            "name": self.name.text().strip(),
            "role": self.role.currentText().strip(),
            "persona": self.persona.toPlainText().strip(),
            "model": self.model.currentText().strip(),
            "temperature": self.temperature.value(),
            "max_tokens": self.max_tokens.value(),
            "tools": self._tools(),
            "memory": self._memory(),
            "steering": self.steering.value(),
        }

    def _tools(self) -> tuple[str, ...]:
        """The ticked tools, in the agent's own order (an unchanged list is no edit), then the
        newly ticked ones. Tools the checklist does not show (ask_<member>, an MCP server's tools
        while it is unreachable) stay as they are."""
        ticked, shown = self.tools.checked(), self.tools.shown()
        kept = self.current.tools if self.current is not None else ()
        return tuple(t for t in kept if t in ticked or t not in shown) + tuple(t for t in ticked if t not in kept)

    def _memory(self) -> MemoryConfig | None:
        """The memory section as edited; off is none at all, and a setting the record refuses
        (a budget too small to show a memory) keeps the agent's current one."""
        values = self.memory.values()
        try:
            return MemoryConfig(**values) if values["enabled"] else None
        except ValueError:
            return self.current.memory if self.current is not None else None

    def _commit(self, *_) -> None:
        if self.current is None:
            return
        changes = {k: v for k, v in self.values().items() if getattr(self.current, k) != v}
        if changes:
            self.edited.emit(self.current.name, changes)
