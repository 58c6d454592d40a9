"""What every method tab shares: a form, Run / Cancel, a StreamRunner, a status line, a
results table and a log of every record (the CLI's own wording of it).

A tab builds ``make(loaded, cancel) -> stream`` from its form; the stream here loads the
local model first (its progress shown), then yields the method's records. Records are
applied once per runner batch; a refusal (bad input, a remote model) is a MethodError.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from agents.cli.interp import describe
from agents.events import ModelLoadProgress
from agents.interp.findings import MethodError, MethodFinished, MethodProgress, MethodStarted
from agents.interp.records import InspectInput
from agents.llm.base import CancelToken, ProviderError
from agents.llm.providers import local_model_job
from agents.llm.refs import LocalRef
from agents.settings import Settings
from desktop.runner import StreamRunner

Make = Callable[[Any, CancelToken], AsyncIterator[Any]]


class TabContext:
    """What a tab may ask the panel: settings, and the input it inspected last (or None)."""

    def __init__(self, settings: Callable[[], Settings], current_input: Callable[[], InspectInput | None]):
        self.settings = settings
        self.current_input = current_input

    async def load(self) -> AsyncIterator[Any]:
        """The local model's load progress events, then (last) the loaded model itself."""
        job = local_model_job(LocalRef(), self.settings())
        async for event in job:
            yield event
        yield job.result


class MethodTab(QWidget):
    title = "method"

    def __init__(self, context: TabContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.cancel = CancelToken()
        self.records: list[Any] = []
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.run_button, self.stop_button = QPushButton("Run"), QPushButton("Cancel")
        self.run_button.clicked.connect(self.run)
        self.stop_button.clicked.connect(lambda: self.cancel.cancel())
        self.form = QHBoxLayout()
        self.extra = QVBoxLayout()  # a tab's own widgets under its form row (e.g. typed pairs)
        self.table = QTableWidget()
        self.log = QPlainTextEdit()
        self.table.setAccessibleName(f"{type(self).__name__.removesuffix('Tab')} results")
        self.log.setAccessibleName(f"{type(self).__name__.removesuffix('Tab')} log")
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(2000)
        self.build_form()
        self.form.addWidget(self.run_button)
        self.form.addWidget(self.stop_button)
        line = QHBoxLayout()
        line.addWidget(self.status, 1)
        line.addWidget(self.progress)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addLayout(self.extra)
        layout.addLayout(line)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.log, 1)
        self.runner = StreamRunner(self)
        self.runner.batch.connect(self.apply_batch)
        self.runner.failed.connect(lambda error: self.status.setText(f"Failed: {error.message}"))

    # --- for subclasses -------------------------------------------------------------
    def add_fields(self, *fields: tuple[str, QWidget]) -> None:
        """(label, widget) pairs in a row; text fields take the spare width."""
        for label, widget in fields:
            if label:
                self.form.addWidget(QLabel(label))
            self.form.addWidget(widget, 1 if isinstance(widget, QLineEdit) else 0)

    def build_form(self) -> None:
        """Add the tab's own fields to ``self.form``."""

    def make(self) -> Make:
        """The stream to run, from the form (raise ValueError for a bad form)."""
        raise NotImplementedError

    def show_record(self, record: Any) -> None:
        """Draw one of the method's own records."""

    # --- running --------------------------------------------------------------------
    def run(self) -> None:
        if self.runner.running:
            self.status.setText("Still running: cancel it first.")
            return
        try:
            make = self.make()
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        self.cancel = CancelToken()
        self.records.clear()  # a run may chain methods (directions, then generations): one log
        self.log.clear()
        self.runner.start(self._stream(make, self.cancel))

    async def _stream(self, make: Make, cancel: CancelToken) -> AsyncIterator[Any]:
        try:
            loaded = None
            async for item in self.context.load():
                if isinstance(item, ModelLoadProgress):
                    yield item
                else:
                    loaded = item
            async for record in make(loaded, cancel):
                yield record
        except (ProviderError, ValueError) as exc:
            yield MethodError(method=self.title, message=str(getattr(exc, "message", exc)))

    def apply_batch(self, batch: Sequence[Any]) -> None:
        for record in batch:
            self.apply(record)

    def apply(self, record: Any) -> None:
        """Take one record (tests and recorded results call this directly)."""
        if isinstance(record, ModelLoadProgress):
            self.status.setText(f"Loading {record.model}: {record.stage}")
            return
        if isinstance(record, MethodStarted):
            self.progress.setRange(0, 100)
            self.progress.setValue(0)
            self.status.setText(f"{record.method}: {'from the cache' if record.cached else 'computing…'}")
        elif isinstance(record, MethodProgress):
            self.progress.setValue(int(100 * record.fraction))
            self.status.setText(record.detail)
        elif isinstance(record, MethodFinished):
            self.progress.setValue(100)
            self.status.setText(
                f"{record.method}: {'from the cache' if record.cached else f'done in {record.elapsed_s:.1f} s'}"
            )
        elif isinstance(record, MethodError):
            self.status.setText("Cancelled." if record.cancelled else f"Cannot run: {record.message}")
        else:
            self.records.append(record)
            self.show_record(record)
        text = describe(record)
        if text and not isinstance(record, MethodProgress):
            self.log.appendPlainText(text)

    # --- table helpers ------------------------------------------------------------------
    def set_table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]], colour: int | None = None) -> None:
        """Fill the table; column ``colour`` (numbers) is shaded red (< 0) or blue (> 0)."""
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(list(headers))
        self.table.setRowCount(len(rows))
        scale = max((abs(float(r[colour])) for r in rows), default=1.0) if colour is not None else 1.0
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                text = f"{value:.3f}" if isinstance(value, float) else str(value).replace("\n", "⏎")
                item = QTableWidgetItem(text)  # one line a row: a generation's newlines shown as ⏎
                if j == colour and scale > 0:
                    share = min(1.0, abs(float(value)) / scale)
                    base = (70, 130, 230) if float(value) > 0 else (230, 90, 80)
                    item.setBackground(QColor(*base, int(40 + 160 * share)))
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()

    def input_or_text(self, text: str, loaded: Any) -> InspectInput:
        """The typed text, or (none typed) the panel's inspected input."""
        from agents.interp.readout import encode_text
        from agents.interp.tokens import token_labels

        if text.strip():
            ids = encode_text(loaded, text)
            return InspectInput(token_ids=tuple(ids), labels=token_labels(loaded.tokenizer, ids), title="text")
        current = self.context.current_input()
        if current is None:
            raise ValueError("type a text, or inspect a message first")
        return current
