"""The gallery of shipped team templates."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from agents.spec import load_template, template_names


class TemplateGallery(QDialog):
    chosen = Signal(str)  # template name

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("New team from a template")
        self.list = QListWidget()
        self.about = QLabel()
        self.about.setWordWrap(True)
        for name in template_names():
            spec = load_template(name)
            item = QListWidgetItem(f"{spec.name}  ·  {len(spec.agents)} agents, {spec.protocol.kind.replace('_', ' ')}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setData(Qt.ItemDataRole.ToolTipRole, spec.description)
            self.list.addItem(item)
        self.list.currentItemChanged.connect(lambda item, _: self.about.setText(item.toolTip() if item else ""))
        self.list.itemActivated.connect(lambda _: self.accept())  # double click or Enter
        self.list.setAccessibleName("Templates")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(self.about)
        layout.addWidget(buttons)
        self.list.setCurrentRow(0)
        self.resize(520, 360)

    def accept(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))
        super().accept()
