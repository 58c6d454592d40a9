"""Browser of stored sessions: date, team, task, status; replay, export, delete."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from agents.session.export import export_session, format_from_path
from agents.session.library import SessionLog, delete_session, list_sessions, read_session

COLUMNS = ("Date", "Team", "Task", "Status", "Messages")
EXPORT_FILTERS = "HTML page (*.html);;Markdown (*.md);;JSON, loads back (*.json)"


class SessionBrowser(QWidget):
    replayRequested = Signal(object)  # SessionLog
    forkRequested = Signal(object, int)  # SessionLog, messages to keep
    problem = Signal(str)
    exported = Signal(str)  # the file a save dialog's export wrote ("" when it failed)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName("Stored sessions")
        self.table.setAccessibleDescription("Enter replays the selected session.")
        self.table.activated.connect(lambda _index: self.replay_selected())  # Enter, as a double click
        buttons = QHBoxLayout()
        actions = (
            ("Refresh", self.refresh),
            ("Replay", self.replay_selected),
            ("Fork…", self.fork_selected),
            ("Export…", self.export_selected),
            ("Delete", self.delete_selected),
        )
        for label, slot in actions:
            button = QPushButton(label)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.logs: list[SessionLog] = []
        self.refresh()

    def refresh(self) -> None:
        try:
            self.logs = list_sessions()
        except OSError as exc:
            self.problem.emit(f"cannot list sessions: {exc}")
            self.logs = []
        self.table.setRowCount(len(self.logs))
        for row, log in enumerate(self.logs):
            when = dt.datetime.fromtimestamp(log.started).strftime("%Y-%m-%d %H:%M")
            for column, text in enumerate((when, log.team_name, log.task, log.status, str(len(log.messages)))):
                self.table.setItem(row, column, QTableWidgetItem(text))

    def selected(self) -> SessionLog | None:
        rows = self.table.selectionModel().selectedRows()
        return self.logs[rows[0].row()] if rows else None

    def replay_selected(self) -> None:
        log = self.selected()
        if log is not None:
            self.replayRequested.emit(read_session(log.path))

    def fork_selected(self, keep: int | None = None) -> None:
        """A new run keeping the first ``keep`` messages (asked for when not given)."""
        log = self.selected()
        if log is None:
            return
        log = read_session(log.path)
        if keep is None:
            keep, accepted = QInputDialog.getInt(
                self,
                "Fork session",
                f"Keep how many of its {len(log.messages)} messages?",
                len(log.messages),
                0,
                len(log.messages),
            )
            if not accepted:
                return
        self.forkRequested.emit(log, keep)

    def export_selected(self, path: str | None = None) -> Path | None:
        log = self.selected()
        if log is None:
            return None
        if not path:
            self.ask_export_path(log)
            return None
        try:
            return export_session(log, format_from_path(path), Path(path))
        except (OSError, ValueError) as exc:
            self.problem.emit(f"export failed: {exc}")
            return None

    def ask_export_path(self, log: SessionLog) -> QFileDialog:
        """A non-blocking save dialog (a modal exec() would stall the asyncio loop, and a run with it)."""
        dialog = QFileDialog(self, "Export session", f"{log.session_id}.html", EXPORT_FILTERS)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setObjectName("export-dialog")
        dialog.fileSelected.connect(lambda path: self.exported.emit(str(self.export_selected(path) or "")))
        dialog.open()
        return dialog

    def export_latest(self, path: str | None = None) -> Path | None:
        """Export the selected session, else the newest one (a save dialog asks where)."""
        self.refresh()
        if self.selected() is None and self.logs:
            self.table.selectRow(0)
        return self.export_selected(path)

    def delete_selected(self) -> None:
        log = self.selected()
        if log is not None:
            delete_session(log.session_id)
            self.refresh()
