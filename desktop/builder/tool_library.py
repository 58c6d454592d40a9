"""The team's tool library: the tools its agents wrote (make_tool), with their source, schema
and test, and a Delete button. Non-modal; the library file stays the single source of truth."""

from __future__ import annotations

import json

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agents.tools.authored import AuthoredTool, ToolLibrary


def describe_tool(entry: AuthoredTool) -> str:
    """What a reviewer reads: who wrote it, its schema, its source and its test."""
    return (
        f"# {entry.name} — version {entry.version}, by {entry.author}"
        f"{f' in session {entry.session}' if entry.session else ''}\n# {entry.description}\n\n"
        f"# parameters\n{json.dumps(entry.parameters, indent=2)}\n\n# source\n{entry.source}\n\n# test\n{entry.test}\n"
    )


class ToolLibraryDialog(QDialog):
    def __init__(self, library: ToolLibrary, parent: QWidget | None = None):
        super().__init__(parent)
        self.library = library
        self.setWindowTitle(f"Tool library — {library.path.name}")
        self.resize(720, 480)
        self.names = QListWidget()
        self.source = QPlainTextEdit()
        self.source.setReadOnly(True)
        self.delete = QPushButton("Delete tool")
        self.status = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.names, 1)
        row.addWidget(self.source, 3)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        buttons.addButton(self.delete, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.names.currentTextChanged.connect(self._show)
        self.delete.clicked.connect(self.delete_selected)
        self.refresh()

    def refresh(self) -> None:
        try:
            self.entries = self.library.latest()
        except (OSError, ValueError) as exc:  # a damaged file is shown, never overwritten
            self.entries = {}
            self.status.setText(f"cannot read {self.library.path}: {exc}")
        else:
            self.status.setText(f"{len(self.entries)} tool(s) in {self.library.path}")
        self.names.clear()
        self.names.addItems(sorted(self.entries))
        self.delete.setEnabled(bool(self.entries))
        if self.entries:
            self.names.setCurrentRow(0)
        else:
            self.source.setPlainText("No tools yet: give an agent make_tool and let it write one.")

    def _show(self, name: str) -> None:
        entry = self.entries.get(name)
        if entry is not None:
            self.source.setPlainText(describe_tool(entry))

    def delete_selected(self) -> None:
        item = self.names.currentItem()
        if item is not None and self.library.delete(item.text()):
            self.refresh()
