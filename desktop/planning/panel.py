"""The planning panel: pick an environment and a planner, watch the tree grow, compare states.

A run goes through the domain's RunPipeline (a PlanJob: the model, if a part needs one, is
loaded and closed there) and is consumed by a StreamRunner, whose ~30 Hz batches are applied
to the tree model. Every run is stored as a session, so it appears in the Sessions browser and
exports like any other.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from agents.events import (
    PLAN_EVENTS,
    ErrorEvent,
    EventBase,
    ModelLoadProgress,
    PlanFinished,
    PlanIteration,
    PlanStarted,
    RunStarted,
)
from agents.planning.envs import make_env
from agents.planning.envs.base import Env
from agents.planning.run import PlanConfig
from agents.session.export import export_session, format_from_path
from agents.session.library import read_session
from agents.session.pipeline import PlanJob, ProviderSource, RunPipeline
from agents.settings import Settings, load_settings
from agents.termination import ExternalStop
from desktop.planning.controls import PlanControls
from desktop.planning.details import describe_node, node_states
from desktop.planning.state_view import StateView
from desktop.planning.tree_model import PlanTreeModel
from desktop.planning.tree_view import TreeView
from desktop.runner import StreamRunner

DEFAULT_MODEL = "local"


class PlanningPanel(QWidget):
    runningChanged = Signal(bool)
    treeStarted = Signal()  # another run's Planner turn began a search that grows here
    problem = Signal(str)

    def __init__(self, settings: Callable[[], Settings] | None = None, load: ProviderSource | None = None, parent=None):
        super().__init__(parent)
        self.settings = settings or load_settings
        self.load = load
        self.model = PlanTreeModel()
        self.events: list[EventBase] = []
        self.iteration_index: list[int] = []  # event index of each PlanIteration, for replay
        self.session_id: str | None = None
        self.stop_token = ExternalStop()
        self.pipeline: RunPipeline | None = None
        self._env: Env | None = None
        self._build()
        self.runner = StreamRunner(self)
        self.runner.batch.connect(self._own_batch)
        self.runner.failed.connect(self._failed)
        self.runner.runningChanged.connect(self._running_changed)

    def _build(self) -> None:
        self.controls = PlanControls()
        self.tree = TreeView(self.model)
        self.details = QPlainTextEdit(readOnly=True)
        self.details.setAccessibleName("Node details")
        self.details.setPlaceholderText("Click a node: its state, action, value and the model's raw output.")
        self.states = StateView()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.setAccessibleName("Replay iteration")
        self.slider_label = QLabel("iteration –")
        self.metrics = QLabel("Pick an environment and a planner, then Run.")
        self.metrics.setWordWrap(True)
        legend = QLabel(
            "colour: value, red 0 → green 1 · pale: pruned · bold: the chosen plan · ring: an imagined goal · "
            "wheel: zoom · drag: pan"
        )
        legend.setStyleSheet("color: #64748b")
        legend.setWordWrap(True)
        # The tree keeps the panel's full height (only the replay slider under it); what explains
        # it (details, states, metrics, legend) is the column beside it.
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        replay = QHBoxLayout()
        replay.addWidget(QLabel("Replay"))
        replay.addWidget(self.slider, 1)
        replay.addWidget(self.slider_label)
        column.addWidget(self.tree, 1)
        column.addLayout(replay)
        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(self.details)
        side.addWidget(self.states)
        right = QWidget()
        notes = QVBoxLayout(right)
        notes.setContentsMargins(0, 0, 0, 0)
        notes.addWidget(side, 1)
        notes.addWidget(self.metrics)
        notes.addWidget(legend)
        scroll = QScrollArea()  # the notes scroll; their height never squeezes the tree
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(right)
        scroll.setAccessibleName("Node details and metrics")
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.controls)
        layout.addWidget(split, 1)
        self.controls.run_button.clicked.connect(lambda: self.start())
        self.controls.stop_button.clicked.connect(self.stop)
        self.controls.fit_button.clicked.connect(self.tree.fit)
        self.controls.export_button.clicked.connect(lambda: self.export())
        self.tree.nodeClicked.connect(self.select_node)
        self.slider.valueChanged.connect(self.replay_to)

    # --- running ----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.runner.running

    def start(self, config: PlanConfig | None = None) -> asyncio.Task | None:
        if self.running:
            return None
        config = config or self.controls.config()
        self.stop_token = ExternalStop()
        self.show_events([])
        model = self.controls.model.text().strip() or DEFAULT_MODEL
        self.pipeline = RunPipeline(PlanJob(config), self.settings(), model=model, stop=self.stop_token, load=self.load)
        return self.runner.start(_paced(self.pipeline.events(), self.controls.pace_s()))

    def stop(self) -> None:
        self.stop_token.set()

    def flush(self) -> None:
        """Apply what the runner has queued now (it does so by itself ~30 times a second)."""
        self.runner.flush()

    def _running_changed(self, running: bool) -> None:
        self.controls.set_running(running)
        self.runningChanged.emit(running)

    def _failed(self, error: ErrorEvent) -> None:  # shown in the panel; never takes the window down
        self.problem.emit(f"the planning run failed: {error.message}")
        self.metrics.setText(f"The planning run failed: {error.message}")

    def _own_batch(self, batch: list[Any]) -> None:
        if self.pipeline is not None and self.pipeline.run_id is not None:
            self.session_id = self.pipeline.run_id  # known once the run is built
        self._show_batch(batch)

    def _show_batch(self, batch: list[Any]) -> None:
        """Apply a batch of events; the view follows the newest iteration unless replaying."""
        if not batch:
            return
        live = self.slider.value() == self.slider.maximum()
        for event in batch:
            self._take(event, apply=live)
        self.slider.blockSignals(True)
        self.slider.setEnabled(bool(self.iteration_index))
        self.slider.setMaximum(len(self.iteration_index))
        if live:
            self.slider.setValue(len(self.iteration_index))
            self.tree.refresh()
        self.slider.blockSignals(False)
        self._label_slider()

    def _take(self, event: EventBase, apply: bool) -> None:
        self.events.append(event)
        if isinstance(event, PlanIteration):
            self.iteration_index.append(len(self.events) - 1)
        elif isinstance(event, PlanStarted):
            self._env = make_env(event.env, event.seed, **event.env_options)
        elif isinstance(event, ModelLoadProgress):
            self.metrics.setText(f"Loading {event.model}: {event.stage}")
        elif isinstance(event, PlanFinished):
            self.metrics.setText(_metrics_text(event))
        if apply:
            self.model.apply(event)

    def feed(self, batch: Iterable[Any]) -> None:
        """Plan events from another run (a team's Planner turn), shown live while it lasts."""
        if self.running:
            return
        shown: list[Any] = []
        for event in batch:
            if isinstance(event, RunStarted):
                self.session_id = event.run_id
            elif isinstance(event, PlanStarted):
                self.show_events([])
                shown.clear()
                self.treeStarted.emit()
            if isinstance(event, PLAN_EVENTS):
                shown.append(event)
        self._show_batch(shown)

    # --- viewing ----------------------------------------------------------------------
    def show_events(self, events: list[EventBase]) -> None:
        """Show a whole (stored) run at its end; the slider replays it."""
        self.events, self.iteration_index = [], []
        self.model.clear()
        self.slider.blockSignals(True)
        self.slider.setMaximum(0)
        self.slider.blockSignals(False)
        self.details.clear()
        self.tree.select(None)
        self.tree.follow = True
        self._show_batch(list(events))
        self.tree.refresh()

    def show_session(self, log) -> None:
        if any(isinstance(e, PlanStarted) for e in log.events) and not self.running:
            self.session_id = log.session_id
            self.show_events(log.events)

    def replay_to(self, iteration: int) -> None:
        """Rebuild the tree as it stood after ``iteration`` (the maximum: the whole run)."""
        end = (
            len(self.events)
            if iteration >= len(self.iteration_index)
            else self.iteration_index[iteration - 1] + 1
            if iteration
            else 0
        )
        self.model.clear()
        for event in self.events[:end]:
            self.model.apply(event)
        self.tree.refresh()
        self._label_slider()

    def _label_slider(self) -> None:
        total = len(self.iteration_index)
        self.slider_label.setText(f"iteration {self.slider.value()} / {total}")

    def select_node(self, node_id: int) -> None:
        node = self.model.nodes.get(node_id)
        if node is None:
            return
        self.tree.select(node_id)
        self.details.setPlainText(describe_node(node))
        imagined, real, note = node_states(self._env, node)
        self.states.show_states(imagined, real, note)

    def export(self, path: str | None = None) -> Path | None:
        if self.session_id is None:
            self.problem.emit("nothing to export yet: run a planner first")
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self,
                "Export planning session",
                f"plan-{self.session_id}.html",
                "HTML (*.html);;Markdown (*.md);;JSON (*.json)",
            )
            if not path:
                return None
        try:
            return export_session(read_session(self.session_id), format_from_path(path), Path(path))
        except (OSError, ValueError) as exc:
            self.problem.emit(f"could not export: {exc}")
            return None


async def _paced(stream: AsyncIterator[Any], pace_s: float) -> AsyncIterator[Any]:
    """Slow a search down to watch it: a pause after each iteration (0: full speed)."""
    async for event in stream:
        yield event
        if pace_s and isinstance(event, PlanIteration):
            await asyncio.sleep(pace_s)


def _metrics_text(done: PlanFinished) -> str:
    m = done.metrics
    acc = "" if m.get("wm_accuracy") is None else f" · world-model accuracy {m['wm_accuracy']:.0%}"
    return (
        f"{'Solved' if done.success else 'Not solved'} ({done.reason}): {m.get('plan_length')} steps, optimal {m.get('optimal_length')} · "
        f"{m.get('nodes')} nodes, {m.get('nodes_expanded')} expanded · {m.get('model_calls')} model calls{acc} · "
        f"false-prune rate {m.get('false_prune_rate')}"
    )
