"""The interpretability panel: inspect a conversation's message (or any text) with the local model.

The panel keeps its own record of the current run's messages (from the window's runner), loads
the local model on a worker thread (the run's own model when it is already in memory), and
consumes the load progress and ``inspect_stream`` through a StreamRunner. Views are redrawn
once per ~30 Hz batch, never per event, so a long input fills in without stalling the window.
One inspection at a time: a new one cancels the running one and starts when it has ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from agents.events import MessageCompleted, ModelLoadProgress, RunStarted
from agents.interp.context import message_input, text_input
from agents.interp.engine import inspect_stream
from agents.interp.records import AttentionReady, InspectError, InspectFinished, InspectStarted, LensChunkReady
from agents.interp.result import InspectResult
from agents.llm.base import CancelToken, ProviderError
from agents.llm.providers import local_model_job
from agents.llm.refs import LocalRef, parse_model_ref
from agents.settings import Settings
from agents.spec import TeamSpec
from desktop.interp.method_tab import MethodTab, TabContext
from desktop.interp.method_tabs import TABS as METHOD_TABS
from desktop.interp.method_tabs import TITLES as METHOD_TITLES
from desktop.interp.method_tabs import PatchscopeTab
from desktop.interp.views import AttentionView, HeadGrid, LensView, RollupView
from desktop.runner import StreamRunner

Build = Callable[[Any], Any]  # the loaded model -> the InspectInput


class InterpPanel(QWidget):
    finished = Signal(object)  # InspectResult, when an inspection ends (done, failed or cancelled)

    def __init__(self, settings: Callable[[], Settings], parent=None):
        super().__init__(parent)
        self.settings = settings
        self.messages: list[MessageCompleted] = []
        self.task = ""
        self.team: TeamSpec | None = None
        self.result = InspectResult()
        self.cancel = CancelToken()
        self._queued: tuple[LocalRef, Build] | None = None  # the next inspection, once the running one ends
        self._dirty: set[str] = set()
        self._about = ""  # what is being inspected, for the status line
        self._build()
        self.runner = StreamRunner(self)
        self.runner.batch.connect(self.apply_batch)
        self.runner.failed.connect(lambda error: self.status.setText(f"Inspection failed: {error.message}"))
        self.runner.finished.connect(self._ended)

    def _build(self) -> None:
        self.status = QLabel("Right-click a message → “Inspect with local model”, or inspect any text.")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.text = QLineEdit()
        self.text.setPlaceholderText("Text to inspect…")
        self.text.returnPressed.connect(self.inspect_text)
        buttons = {name: QPushButton(name) for name in ("Inspect text", "Cancel", "Export PNG…", "Export CSV…")}
        buttons["Inspect text"].clicked.connect(self.inspect_text)
        buttons["Cancel"].clicked.connect(self.cancel_inspection)
        buttons["Export PNG…"].clicked.connect(lambda: self.export_png())
        buttons["Export CSV…"].clicked.connect(lambda: self.export_csv())
        top = QHBoxLayout()
        top.addWidget(self.text, 1)
        for button in buttons.values():
            top.addWidget(button)
        self.attention, self.heads, self.rollup, self.lens = AttentionView(), HeadGrid(), RollupView(), LensView()
        self.tabs = QTabWidget()
        for view, title in (
            (self.attention, "Attention"),
            (self.lens, "Logit lens"),
            (self.heads, "All heads"),
            (self.rollup, "By speaker"),
        ):
            self.tabs.addTab(view, title)
        # The method tabs read the input inspected last (a message with its speakers' spans).
        context = TabContext(self.settings, lambda: self.result.input if self.result.started else None)
        self.methods: dict[str, MethodTab] = {cls.title: cls(context) for cls in METHOD_TABS}
        for tab in self.methods.values():
            self.tabs.addTab(tab, METHOD_TITLES[type(tab)])
        patch = next(t for t in self.methods.values() if isinstance(t, PatchscopeTab))
        self.lens.heatmap.cellClicked.connect(patch.describe_cell)
        self.heads.headChosen.connect(self.open_head)
        self.attention.heatmap.cellClicked.connect(lambda row, _col: self.select_token(row))
        self.lens.heatmap.cellClicked.connect(lambda _row, col: self.select_token(col))
        self.tabs.currentChanged.connect(lambda _i: self.redraw_all())
        status = QHBoxLayout()
        status.addWidget(self.status, 1)
        status.addWidget(self.progress)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(status)
        layout.addWidget(self.tabs, 1)

    # --- the conversation ---------------------------------------------------------
    def on_event(self, event: Any) -> None:
        if isinstance(event, RunStarted):
            self.messages.clear()
            self.task = event.task
            try:
                self.team = TeamSpec.model_validate(event.team)
            except ValueError:
                self.team = None

    def on_completed(self, event: MessageCompleted) -> None:
        self.messages.append(event)

    # --- starting -----------------------------------------------------------------
    def inspect_message(self, message_id: str) -> asyncio.Task | None:
        message = next((m for m in self.messages if m.message_id == message_id), None)
        if message is None:
            self.status.setText("That message has not finished yet; inspect it once it is complete.")
            return None
        self._show_dock()
        ref = _local_ref(message.model)
        build = lambda loaded: message_input(loaded, self.messages, message_id, self.task, self.team)  # noqa: E731
        return self.start(ref, build)

    def inspect_text(self) -> asyncio.Task | None:
        text = self.text.text()
        if not text.strip():
            self.status.setText("Type a text to inspect first.")
            return None
        return self.start(LocalRef(), lambda loaded: text_input(loaded, text))

    def start(self, ref: LocalRef, build: Build) -> asyncio.Task | None:
        """Inspect now, or (while one runs) cancel that one and inspect once it has ended."""
        if self.runner.running:
            self._queued = (ref, build)
            self.cancel_inspection()
            return None
        self.cancel = CancelToken()
        return self.runner.start(self._inspection(ref, build, self.cancel))

    def cancel_inspection(self) -> None:
        self.cancel.cancel()

    async def _inspection(self, ref: LocalRef, build: Build, cancel: CancelToken) -> AsyncIterator[Any]:
        """The model's load progress, then the engine's events; a refusal is an InspectError."""
        try:
            job = local_model_job(ref, self.settings())
            async for event in job:
                yield event
            async for event in inspect_stream(job.result, build(job.result), cancel):
                yield event
        except (ProviderError, ValueError) as exc:
            yield InspectError(message=str(getattr(exc, "message", exc)))

    def _ended(self, _finished: object) -> None:
        self.finished.emit(self.result)
        if self._queued is not None:
            (ref, build), self._queued = self._queued, None
            self.start(ref, build)

    # --- filling in -----------------------------------------------------------------
    def apply_batch(self, batch: list[Any]) -> None:
        for event in batch:
            self.apply(event)
        self.redraw()

    def apply(self, event: Any) -> None:
        """Take one engine event (tests and recorded results call this directly)."""
        self.result.apply(event)
        if isinstance(event, InspectStarted):
            self.heads.clear()
            self.attention.reset(self.result)
            self.lens.result = self.result
            self.lens.refresh(fit=True)
            self.progress.setRange(0, len(event.input.token_ids) + event.n_layers)
            self.progress.setValue(0)
            inp = event.input
            exact = (
                " (its exact generated ids, in the very prompt it saw)"
                if inp.exact_prompt
                else (" (its exact generated ids)" if inp.exact_ids else "")
            )
            self._about = f"{event.input.title} — {len(event.input.token_ids)} tokens{exact}, {event.model}"
            self.status.setText(f"{self._about}: {'from the cache' if event.cached else 'computing…'}")
        elif isinstance(event, AttentionReady):
            self.heads.add_layer(event.layer, event.weights, event.thumbnails)
            if event.layer == self.attention.layer.value():  # other layers are drawn when chosen
                self._dirty.add("attention")
            self.progress.setValue(self.progress.value() + 1)
        elif isinstance(event, LensChunkReady):
            self._dirty.add("lens")
            self.progress.setValue(self.progress.value() + event.end - event.start)
        elif isinstance(event, InspectFinished):
            self._dirty.update({"rollup", "lens"})
            self.progress.setValue(self.progress.maximum())
            took = "from the cache" if event.cached else f"done in {event.elapsed_s:.2f} s"
            self.status.setText(
                f"{self._about}: {took}; parity with the model's logits {event.parity_max_abs_diff:.1e}"
            )
        elif isinstance(event, InspectError):
            self.status.setText("Cancelled." if event.cancelled else f"Cannot inspect: {event.message}")
        elif isinstance(event, ModelLoadProgress):
            self.status.setText(f"Loading {event.model}: {event.stage}")

    def redraw_all(self) -> None:
        """Redraw the current view from scratch (a view not on screen is drawn when chosen)."""
        self._dirty.update({"attention", "lens", "rollup"})
        self.redraw()

    def redraw(self) -> None:
        if self.result.started is None:
            return
        current = self.tabs.currentWidget()
        if "attention" in self._dirty and current is self.attention:
            self.attention.refresh()
            self._dirty.discard("attention")
        if "lens" in self._dirty and current is self.lens:
            self.lens.refresh()
            self._dirty.discard("lens")
        if "rollup" in self._dirty and current is self.rollup and self.result.finished:
            self.rollup.refresh(self.result)
            self._dirty.discard("rollup")

    # --- interaction ------------------------------------------------------------------
    def open_head(self, layer: int, head: int) -> None:
        self.attention.select(layer, head)
        self.tabs.setCurrentWidget(self.attention)

    def select_token(self, position: int) -> None:
        """Highlight the token's attention row (as a query) and its lens column."""
        self.attention.heatmap.highlight(row=position)
        self.lens.heatmap.highlight(column=position)
        if self.result.started is not None and position < self.result.n_tokens:
            self.status.setText(f"Token {position}: {self.result.input.labels[position]}")

    def export_png(self, path: str | None = None) -> Path | None:
        path = path or QFileDialog.getSaveFileName(self, "Export view as PNG", "interp.png", "PNG (*.png)")[0]
        if not path:
            return None
        self.tabs.currentWidget().grab().save(path)
        return Path(path)

    def export_csv(self, path: str | None = None) -> Path | None:
        """The lens view exports its table; the attention views their current matrix."""
        path = path or QFileDialog.getSaveFileName(self, "Export as CSV", "interp.csv", "CSV (*.csv)")[0]
        if not path or self.result.started is None:
            return None
        if self.tabs.currentWidget() is self.lens:
            Path(path).write_text(self.result.lens_csv(), encoding="utf-8")
        else:
            Path(path).write_text(_matrix_csv(self.attention), encoding="utf-8")
        return Path(path)

    def _show_dock(self) -> None:
        dock = self.parent()
        if isinstance(dock, QDockWidget):
            dock.show()
            dock.raise_()


def _matrix_csv(view: AttentionView) -> str:
    import csv
    import io

    assert view.result is not None  # only exported once an inspection has started
    matrix, labels = view.current(), view.result.input.labels
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["query \\ key"] + list(labels))
    for label, row in zip(labels, matrix if matrix is not None else []):
        writer.writerow([label] + [f"{v:.6g}" for v in row])
    return out.getvalue()


def _local_ref(model: str) -> LocalRef:
    """The message's own model when it is local, else the embedded one (re-tokenising its text)."""
    try:
        ref = parse_model_ref(model)
    except ProviderError:
        return LocalRef()
    return ref if isinstance(ref, LocalRef) else LocalRef()
