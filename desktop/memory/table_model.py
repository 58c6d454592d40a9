"""The memories of one agent as a table: text, kind, importance, time, source; the memories
read for the current turn are highlighted."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from agents.memory.export import when
from agents.memory.records import Memory
from agents.memory.reflect import workflow_steps

COLUMNS = ("Memory", "Kind", "Imp.", "Time", "Source")
HIGHLIGHT = QColor("#fde68a")


class MemoryTableModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.memories: list[Memory] = []
        self.highlighted: set[str] = set()

    def set_memories(self, memories: list[Memory]) -> None:
        self.beginResetModel()
        self.memories = memories
        self.endResetModel()

    def highlight(self, memory_ids: set[str]) -> None:
        self.highlighted = memory_ids
        if self.memories:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.memories) - 1, len(COLUMNS) - 1))

    def memory_at(self, row: int) -> Memory | None:
        return self.memories[row] if 0 <= row < len(self.memories) else None

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.memories)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        memory = self.memory_at(index.row())
        if memory is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            first = memory.text.splitlines()[0] if memory.text else ""
            if memory.kind == "workflow" and (steps := len(workflow_steps(memory.text))):
                first += f" · {steps} steps"
            source = f"{memory.source_session or ''} {memory.source_message or ''}".strip() or "–"
            return (first, memory.kind, f"{memory.importance:g}", when(memory.created), source)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return memory.text
        if role == Qt.ItemDataRole.BackgroundRole and memory.id in self.highlighted:
            return QBrush(HIGHLIGHT)
        return None
