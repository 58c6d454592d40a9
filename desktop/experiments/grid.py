"""Items x methods: one cell per result (right, wrong, unanswered, failed, running).
Clicking a finished cell asks for that item's session."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem

from agents.experiments.records import ResultRow, UnitStarted

LOOK = {
    "right": ("✓", "#bbf7d0"),
    "wrong": ("✗", "#fecaca"),
    "unanswered": ("?", "#fde68a"),
    "failed": ("!", "#e5e7eb"),
    "running": ("…", "#dbeafe"),
}
SESSION_ROLE = Qt.ItemDataRole.UserRole


class ResultsGrid(QTableWidget):
    sessionChosen = Signal(str)  # the session file of the clicked cell

    def __init__(self, parent=None):
        super().__init__(0, 0, parent)
        self.directory: Path | None = None
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().setDefaultSectionSize(20)
        self.horizontalHeader().setDefaultSectionSize(96)
        self._rows: dict[str, int] = {}
        self._columns: dict[str, int] = {}
        self.cellClicked.connect(self._clicked)

    def show_directory(self, directory: Path | None) -> None:
        self.directory = directory
        self.clear()
        self.setRowCount(0)
        self.setColumnCount(0)
        self._rows.clear()
        self._columns.clear()

    def _cell(self, item_id: str, column: str) -> tuple[int, int]:
        if item_id not in self._rows:
            self._rows[item_id] = self.rowCount()
            self.insertRow(self.rowCount())
            self.setVerticalHeaderItem(self._rows[item_id], QTableWidgetItem(item_id))
        if column not in self._columns:
            self._columns[column] = self.columnCount()
            self.insertColumn(self.columnCount())
            # Method over model: one line of both does not fit a cell's width.
            self.setHorizontalHeaderItem(self._columns[column], QTableWidgetItem(column.replace(" · ", "\n")))
        return self._rows[item_id], self._columns[column]

    def mark_running(self, started: UnitStarted) -> None:
        self._paint(
            started.item_id, column_of(started.method, started.model, started.seed), "running", "", started.session
        )

    def add(self, row: ResultRow) -> None:
        verdict = "right" if row.correct else "wrong" if row.status == "ok" else row.status
        tip = f"{row.method} on {row.item_id}: {row.answer} (expected {row.expected}), {row.tokens} tokens, {row.calls} calls"
        self._paint(
            row.item_id,
            column_of(row.method, row.model, row.seed),
            verdict,
            tip + (f"\n{row.error}" if row.error else ""),
            row.session,
        )

    def _paint(self, item_id: str, column: str, verdict: str, tip: str, session: str) -> None:
        r, c = self._cell(item_id, column)
        text, colour = LOOK[verdict]
        cell = QTableWidgetItem(text)
        cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        cell.setBackground(QBrush(QColor(colour)))
        cell.setToolTip(tip or "running")
        cell.setData(SESSION_ROLE, session)
        self.setItem(r, c, cell)

    def position(self, item_id: str, column: str) -> tuple[int, int]:
        """The (row, column) of a cell, for tests and keyboard navigation; KeyError if absent."""
        return self._rows[item_id], self._columns[column]

    def verdict_at(self, item_id: str, column: str) -> str | None:
        item = (
            self.item(self._rows[item_id], self._columns[column])
            if item_id in self._rows and column in self._columns
            else None
        )
        return item.text() if item is not None else None

    def _clicked(self, row: int, column: int) -> None:
        item = self.item(row, column)
        session = item.data(SESSION_ROLE) if item is not None else None
        if item is not None and session and self.directory is not None and item.text() != LOOK["running"][0]:
            self.sessionChosen.emit(str(self.directory / session))


def column_of(method: str, model: str, seed: int) -> str:
    return f"{method} · {model[:16]}" + ("" if seed == 0 else f" · seed {seed}")
