"""The status bar's view of a run: load progress, the model in use, tokens so far, the outcome."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QStatusBar

from agents.events import Finished, MessageCompleted, ModelLoadProgress
from desktop.runner import Handlers, StreamRunner, route


class RunStatus(QObject):
    def __init__(self, bar: QStatusBar, runner: StreamRunner):
        super().__init__(bar)
        self.bar = bar
        self.tokens = 0  # completion tokens of the run's completed messages
        self.model_label = QLabel("model: –")
        self.tokens_label = QLabel("tokens: 0")
        bar.addPermanentWidget(self.model_label)
        bar.addPermanentWidget(self.tokens_label)
        handlers: Handlers = {ModelLoadProgress: self.on_progress, MessageCompleted: self.on_completed}
        runner.batch.connect(lambda batch: route(batch, handlers))
        runner.tokensInFlight.connect(lambda n: self.tokens_label.setText(f"tokens: {self.tokens + n}"))
        runner.finished.connect(self.on_finished)

    def reset(self) -> None:
        self.tokens = 0
        self.tokens_label.setText("tokens: 0")

    def on_progress(self, event: ModelLoadProgress) -> None:
        percent = "" if event.fraction is None else f" {event.fraction:.0%}"
        self.bar.showMessage(f"Loading {event.model}:{percent} {event.stage}")
        if event.stage == "ready":
            self.model_label.setText(f"model: {event.model} ({event.detail})")

    def on_completed(self, event: MessageCompleted) -> None:
        self.tokens += event.usage.completion_tokens
        self.tokens_label.setText(f"tokens: {self.tokens}")

    def on_finished(self, finished: Finished | None) -> None:
        self.bar.showMessage(f"Finished: {finished.reason}" if finished else "Stopped", 10000)
