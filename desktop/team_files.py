"""File › New / Open / Save team for the main window: the builder's document and file dialogs."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFileDialog

from desktop.builder.gallery import TemplateGallery


class TeamFileActions:
    """Mixed into MainWindow, which provides ``builder``, ``task_edit`` and the status bar."""

    def new_team(self) -> None:
        self.builder.new_team()

    def open_gallery(self) -> TemplateGallery:
        gallery = TemplateGallery(self)
        gallery.chosen.connect(self.open_template)
        gallery.open()
        return gallery

    def open_team_file(self, path: str | None = None) -> None:
        if path is None:
            self._ask_path("Open team", False, self.open_team_file)
        elif self.builder.open_file(path):
            self.task_edit.setText(self.builder.draft.sample_task or self.task_edit.text())

    def save_team_file(self, path: str | None = None) -> None:
        path = path or self.builder.document.path
        if path is None:
            self.save_team_as()
        elif self.builder.save_file(path):
            self._team_changed(self.builder.draft)
            self.statusBar().showMessage(f"Saved {path}", 5000)

    def save_team_as(self, path: str | None = None) -> None:
        if path is None:
            self._ask_path("Save team as", True, self.save_team_file)
        else:
            self.save_team_file(path)

    def _ask_path(self, title: str, save: bool, then: Callable[[str], None]) -> QFileDialog:
        """A non-blocking file dialog (a modal exec() would stall the asyncio loop)."""
        dialog = QFileDialog(self, title, str(self.builder.document.path or ""), "Team files (*.json)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen)
        dialog.setDefaultSuffix("json")
        dialog.fileSelected.connect(then)
        dialog.open()
        return dialog
