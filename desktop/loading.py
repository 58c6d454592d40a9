"""Model loading (a first start converts for minutes) shown as a non-modal progress dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from agents.events import ModelLoadProgress

FIRST_LOAD = (
    "The first run on the built-in local model converts it once (Gemma 3 270M: about two minutes on two CPU cores, "
    "less on a faster machine) and caches it; later runs start in seconds."
)
ONE_TIME_STAGES = (
    "assembling GGUF",
    "hashing GGUF",
    "converting tokenizer",
    "converting weights",
    "saving converted weights",
)


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
        once = f"\n\n{FIRST_LOAD}" if event.stage in ONE_TIME_STAGES else ""  # why this first wait is long
        self.setLabelText(f"{event.model}: {event.stage}{detail}{once}")
        self.show()
