"""Model loading (a first start converts for minutes) shown as a non-modal progress dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from agents.events import ModelLoadProgress


class LoadingDialog(QProgressDialog):
    """Follows ModelLoadProgress events; Cancel stops the run; closes itself when ready."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Loading the model…", "Cancel", 0, 100, parent)
        self.setWindowTitle("Agora Lab — loading model")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumDuration(0)
        self.reset()
        self.hide()

    def on_progress(self, event: ModelLoadProgress) -> None:
        if event.stage == "ready":
            self.hide()
            return
        if event.fraction is None:
            self.setRange(0, 0)  # busy indicator: this stage has no measurable progress
        else:
            self.setRange(0, 100)
            self.setValue(int(event.fraction * 100))
        detail = f" ({event.detail})" if event.detail else ""
        self.setLabelText(f"{event.model}: {event.stage}{detail}")
        self.show()
