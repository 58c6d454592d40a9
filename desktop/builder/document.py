"""The draft being edited, with its undo stack: every canvas or form edit is one command."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from agents.team_draft import TeamDraft


class DraftEdit(QUndoCommand):
    """Swap one immutable draft for another: an edit of any kind is undone the same way."""

    def __init__(self, document: "DraftDocument", text: str, before: TeamDraft, after: TeamDraft):
        super().__init__(text)
        self.document, self.before, self.after = document, before, after

    def redo(self) -> None:
        self.document.show(self.after)

    def undo(self) -> None:
        self.document.show(self.before)


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
            self.undo_stack.push(DraftEdit(self, text, self.draft, after))

    def reset(self, draft: TeamDraft, path: Path | None = None) -> None:
        """A new or opened team: a fresh history."""
        self.undo_stack.clear()
        self.path = path
        self.show(draft)
        self.undo_stack.setClean()

    def show(self, draft: TeamDraft) -> None:
        self.draft = draft
        self.changed.emit(draft)
