"""Linking two agents without a mouse: pick the source and the target, Enter links them."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QWidget


class LinkDialog(QDialog):
    """The keyboard twin of dragging a port onto another agent."""

    chosen = Signal(str, str)  # source, target

    def __init__(self, names: list[str], selected: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Link agents")
        self.source, self.target = QComboBox(), QComboBox()
        for box, label in ((self.source, "From"), (self.target, "To")):
            box.addItems(names)
            box.setAccessibleName(f"Link {label.lower()}")
        if selected in names:
            self.source.setCurrentText(selected)
        self.target.setCurrentIndex(next((i for i, n in enumerate(names) if n != self.source.currentText()), 0))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("From", self.source)
        form.addRow("To", self.target)
        form.addRow(buttons)
        self.accepted.connect(self._emit)

    def _emit(self) -> None:
        if self.source.currentText() != self.target.currentText():
            self.chosen.emit(self.source.currentText(), self.target.currentText())
