"""The draft being edited, with its undo stack: every canvas or form edit is one command.

Opening a file or a template is a command too, so Ctrl+Z brings back the team that was on the
canvas before: nothing is lost by opening something else.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from agents.team_draft import TeamDraft

State = tuple[TeamDraft, Path | None]  # the draft and the file it belongs to


class DraftEdit(QUndoCommand):
    """Swap one immutable draft (and its file) for another: any edit is undone the same way."""

    def __init__(self, document: DraftDocument, text: str, before: State, after: State):
        super().__init__(text)
        self.document, self.before, self.after = document, before, after

    def redo(self) -> None:
        self.document.show(*self.after)

    def undo(self) -> None:
        self.document.show(*self.before)


class DraftDocument(QObject):
    """Holds the current draft; views subscribe to ``changed`` and edit through ``apply``."""

    changed = Signal(object)  # TeamDraft

    def __init__(self, draft: TeamDraft | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.draft = draft or TeamDraft()
        self.path: Path | None = None
        self.undo_stack = QUndoStack(self)

    def apply(self, text: str, after: TeamDraft) -> None:
        if after != self.draft:
            self.undo_stack.push(DraftEdit(self, text, (self.draft, self.path), (after, self.path)))

    def replace(self, text: str, draft: TeamDraft, path: Path | None = None) -> None:
        """A new or opened team, undoable like any edit."""
        self.undo_stack.push(DraftEdit(self, text, (self.draft, self.path), (draft, path)))

    def show(self, draft: TeamDraft, path: Path | None = None) -> None:
        self.draft, self.path = draft, path
        self.changed.emit(draft)
