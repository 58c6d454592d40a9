"""The Experiments panel: a form, Run/Stop through a StreamRunner, a progress bar with ETA and
tokens, live charts, and an items x methods grid whose cells open that item's session.

The experiment runs in the domain (ExperimentRun, each item through the run pipeline); this
panel only consumes its event stream in ~30 Hz batches and never awaits the domain.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QSplitter, QVBoxLayout, QWidget

from agents.events import ErrorEvent, ModelLoadProgress
from agents.experiments.config import ExperimentConfig, ExperimentConfigError, load_config
from agents.experiments.records import (
    ExperimentFinished,
    ExperimentProgress,
    ExperimentStarted,
    MatchedCompute,
    ResultRow,
    UnitFinished,
    UnitStarted,
)
from agents.experiments.report import write_report
from agents.experiments.runner import ExperimentRun
from agents.experiments.store import read_rows
from agents.experiments.units import planned_total
from agents.session.library import read_session
from agents.session.pipeline import ProviderSource
from agents.settings import Settings, load_settings
from desktop.experiments.charts import ExperimentCharts
from desktop.experiments.controls import ExperimentControls, new_directory
from desktop.experiments.grid import ResultsGrid
from desktop.runner import Handlers, StreamRunner, route

REDRAW_MS = 500


class ExperimentsPanel(QWidget):
    sessionRequested = Signal(object)  # SessionLog: open it in the conversation view
    problem = Signal(str)
    runningChanged = Signal(bool)

    def __init__(self, settings: Callable[[], Settings] | None = None, load: ProviderSource | None = None, parent=None):
        super().__init__(parent)
        self.settings = settings or load_settings
        self.load = load
        self.rows: list[ResultRow] = []
        self.run: ExperimentRun | None = None
        self.directory: Path | None = None
        self.controls = ExperimentControls(self.settings().default_model)
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m items")
        self.status = QLabel("Pick a task set, methods and models, then Run.")
        self.status.setWordWrap(True)
        self.charts = ExperimentCharts()
        self.grid = ResultsGrid()
        self.grid.setAccessibleName("Results per item and method")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.charts)
        split.addWidget(self.grid)
        split.setSizes([700, 400])
        layout = QVBoxLayout(self)
        layout.addWidget(self.controls)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        # Charts redraw at most twice a second while items stream in, and at once at the end.
        self.redraw = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self.redraw.timeout.connect(lambda: self.charts.show_rows(self.rows))
        self.runner = StreamRunner(self)
        self.runner.batch.connect(self._batch)
        self.runner.failed.connect(self._failed)
        self.runner.runningChanged.connect(self._running_changed)
        self.controls.run_button.clicked.connect(lambda: self.start())
        self.controls.stop_button.clicked.connect(self.stop)
        self.controls.open_button.clicked.connect(self._choose_and_open)
        self.controls.report_button.clicked.connect(self.report)
        self.grid.sessionChosen.connect(self.open_session)
        self.handlers: Handlers = {
            ExperimentStarted: self._started,
            UnitStarted: self.grid.mark_running,
            UnitFinished: self._finished_unit,
            ExperimentProgress: self._progress,
            MatchedCompute: lambda e: self._note(
                f"{e.method}: N = {e.samples} samples to match {e.target_tokens:.0f} tokens per item"
            ),
            ModelLoadProgress: lambda e: self._note(f"Loading {e.model}: {e.stage}"),
            ExperimentFinished: self._ended,
        }

    # --- running ----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.runner.running

    def start(self, config: ExperimentConfig | None = None, directory: Path | None = None) -> asyncio.Task | None:
        if self.running:
            return None
        try:
            config = config or self.controls.config()
        except ExperimentConfigError as exc:
            self._problem(str(exc))
            return None
        self.directory = Path(directory or self.controls.directory.text().strip() or new_directory())
        self.controls.show_config(config, self.directory)
        self.rows = []
        self.grid.show_directory(self.directory)
        self.charts.show_rows([])
        self.run = ExperimentRun(self.directory, config, self.settings(), load=self.load)
        return self.runner.start(self.run.events())

    def stop(self) -> None:
        """Items in flight are cancelled and not counted; Run on the same directory resumes."""
        if self.run is not None:
            self.run.stop()

    def flush(self) -> None:
        self.runner.flush()

    def _running_changed(self, running: bool) -> None:
        self.controls.set_running(running)
        self.runningChanged.emit(running)

    def _failed(self, error: ErrorEvent) -> None:
        self._problem(f"the experiment could not run: {error.message}")

    def _batch(self, batch: list[Any]) -> None:
        route(batch, self.handlers)
        if any(isinstance(e, UnitFinished) for e in batch) and not self.redraw.isActive():
            self.redraw.start()

    def _started(self, event: ExperimentStarted) -> None:
        self.progress.setRange(0, event.total)
        self.progress.setValue(event.done)
        if event.done:  # a resumed experiment: show what is already done
            self.show_rows(read_rows(Path(event.directory)))
        self._note(f"{event.total} runs: {event.items} items x {', '.join(event.methods)} on {', '.join(event.models)}")

    def _finished_unit(self, event: UnitFinished) -> None:
        # On resume, the rows already on disk are read when the start event arrives; by then the
        # runner may have finished (and written) more, whose own events follow: count each once.
        if all(r.key != event.row.key for r in self.rows):
            self.rows.append(event.row)
            self.grid.add(event.row)
        self._progress(event.progress)

    def _progress(self, p: ExperimentProgress) -> None:
        self.progress.setValue(p.done)
        eta = "" if p.eta_s is None else f" · ETA {int(p.eta_s // 60)}m{int(p.eta_s % 60):02d}s"
        failed = f" · {p.failed} failed" if p.failed else ""
        self._note(
            f"{p.done}/{p.total} done, {p.running} running{eta} · {p.tokens:,} tokens · {p.units_per_s:.2f} items/s{failed}"
        )

    def _ended(self, event: ExperimentFinished) -> None:
        self.redraw.stop()
        self.charts.show_rows(self.rows)
        word = "Finished" if event.reason == "completed" else "Stopped (Run again on this directory resumes)"
        self._note(f"{word}: {event.done}/{event.total} done, {event.failed} failed. Click a cell to open its session.")

    def _note(self, text: str) -> None:
        self.status.setText(text)

    def _problem(self, text: str) -> None:
        self.status.setText(text)
        self.problem.emit(text)

    # --- viewing ----------------------------------------------------------------------
    def show_rows(self, rows: list[ResultRow]) -> None:
        self.rows = list(rows)
        for row in self.rows:
            self.grid.add(row)
        self.charts.show_rows(self.rows)

    def open_directory(self, directory: Path) -> None:
        """Show a stored experiment (no model runs); Run continues it if it is unfinished."""
        try:
            config = load_config(directory)
        except ExperimentConfigError as exc:
            self._problem(str(exc))
            return
        self.directory = directory
        self.controls.show_config(config, directory)
        self.grid.show_directory(directory)
        self.show_rows(read_rows(directory))
        try:
            total = planned_total(config)
        except (ExperimentConfigError, OSError, ValueError, KeyError):  # its task file moved: count what is there
            total = len(self.rows)
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(len(self.rows))
        left = "" if len(self.rows) >= total else f"; Run continues the other {total - len(self.rows)}"
        self._note(f"{len(self.rows)} of {total} results in {directory}{left}")

    def _choose_and_open(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path = QFileDialog.getExistingDirectory(self, "Open an experiment", str(new_directory().parent))
        if path:
            self.open_directory(Path(path))

    def open_session(self, path: str) -> None:
        try:
            self.sessionRequested.emit(read_session(Path(path)))
        except (FileNotFoundError, OSError) as exc:
            self._problem(f"cannot open that session: {exc}")

    def report(self) -> list[Path]:
        if self.directory is None:
            self._problem("run or open an experiment first")
            return []
        try:
            paths = write_report(self.directory)
        except (ExperimentConfigError, OSError) as exc:
            self._problem(f"cannot write the report: {exc}")
            return []
        self._note(f"Report written: {paths[1]}")
        return paths
