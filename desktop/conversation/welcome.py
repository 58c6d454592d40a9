"""What an empty conversation shows on a first start: what the lab does and three ways in."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.loading import FIRST_LOAD

INTRO = (
    "<h2>Welcome to Agora Lab</h2>"
    "<p>Build a team of AI agents by dragging role cards onto the canvas on the left, link them "
    "(a judge to the debaters it referees), type a task above and press <b>Run</b> (Ctrl+R). "
    "The conversation appears here as it streams; planning trees and the interpretability panel "
    "open below it.</p>"
)
SAMPLE_SESSIONS = ("sample-debate.jsonl", "sample-plan.jsonl")  # recorded by desktop/devtools/record_sample.py


def sample_session_paths() -> tuple[Path, Path]:
    """The recorded debate and planning run shipped in assets/sessions (they replay with no model)."""
    debate, plan = (Path(str(files("assets") / "sessions" / name)) for name in SAMPLE_SESSIONS)
    return debate, plan


class Welcome(QWidget):
    """Three buttons; the window decides what each one does."""

    templateRequested = Signal()
    scratchRequested = Signal()
    sampleRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Welcome")
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.first_load = QLabel(FIRST_LOAD)
        self.first_load.setWordWrap(True)
        self.first_load.setAccessibleName("About the first model load")
        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, tip, signal in (
            (
                "template",
                "Open a &template…",
                "Start from a ready team: debate, planner and critic, …",
                self.templateRequested,
            ),
            ("scratch", "&Build from scratch", "An empty canvas: drag role cards onto it", self.scratchRequested),
            (
                "sample",
                "Open the &sample session",
                "A finished debate with a planning tree; no model needed",
                self.sampleRequested,
            ),
        ):
            button = self.buttons[key] = QPushButton(text)
            button.setToolTip(tip)
            button.setAccessibleName(text.replace("&", "").rstrip("…"))
            button.setAccessibleDescription(tip)
            button.clicked.connect(signal.emit)
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.first_load)
        layout.addStretch(1)
