"""The planning panel: pick an environment and a planner, watch the tree grow, compare states.

The run is consumed on the qasync loop; events are queued and applied to the tree model by a
~30 Hz timer, and the consumer yields to Qt every few milliseconds, so even an exact-model
search (which never waits on anything) leaves the window responsive. Every run is stored as a
session, so it appears in the Sessions browser and exports like any other.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit, QSlider, QSplitter, QVBoxLayout, QWidget

from agents.events import (
    PLAN_EVENTS,
    EventBase,
    ModelLoadProgress,
    PlanFinished,
    PlanIteration,
    PlanStarted,
    RunStarted,
)
from agents.llm.base import CancelToken
from agents.llm.providers import ProviderLoader
from agents.planning.envs import make_env
from agents.planning.run import PlanConfig, PlanRun
from agents.session.export import export_session, format_from_path
from agents.session.library import read_session
from agents.session.store import SessionWriter, recorded
from agents.settings import Settings, load_settings
from desktop.planning.controls import PlanControls
from desktop.planning.details import describe_node, node_states
from desktop.planning.state_view import StateView
from desktop.planning.tree_model import PlanTreeModel
from desktop.planning.tree_view import TreeView

FLUSH_MS = 33
# A plain Python thread (not qasync's QThread pool, which aborts if alive at exit).
SETUP_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plan-setup")
YIELD_EVERY_S = 0.012  # hand the loop back to Qt at least this often


class PlanningPanel(QWidget):
    runningChanged = Signal(bool)
    problem = Signal(str)

    def __init__(self, settings: Settings | None = None, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.model = PlanTreeModel()
        self.events: list[EventBase] = []
        self.iteration_index: list[int] = []  # event index of each PlanIteration, for replay
        self.pending: list[EventBase] = []
        self.session_id: str | None = None
        self.cancel = CancelToken()
        self._task: asyncio.Task | None = None
        self._env = None
        self._build()
        self.timer = QTimer(self)
        self.timer.setInterval(FLUSH_MS)
        self.timer.timeout.connect(self.flush)

    def _build(self) -> None:
        self.controls = PlanControls()
        self.tree = TreeView(self.model)
        self.details = QPlainTextEdit(readOnly=True)
        self.details.setPlaceholderText("Click a node: its state, action, value and the model's raw output.")
        self.states = StateView()
        self.slider = QSlider(Qt.Orientation.Horizontal, enabled=False)
        self.slider_label = QLabel("iteration –")
        self.metrics = QLabel("Pick an environment and a planner, then Run.")
        self.metrics.setWordWrap(True)
        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(self.details)
        side.addWidget(self.states)
        split = QSplitter()
        split.addWidget(self.tree)
        split.addWidget(side)
        split.setSizes([700, 500])
        replay = QHBoxLayout()
        legend = QLabel(
            "colour: value, red 0 → green 1 · pale: pruned · bold: the chosen plan · ring: an imagined goal · wheel: zoom · drag: pan"
        )
        legend.setStyleSheet("color: #64748b")
        replay.addWidget(QLabel("Replay"))
        replay.addWidget(self.slider, 1)
        replay.addWidget(self.slider_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.controls)
        layout.addWidget(split, 1)
        layout.addWidget(legend)
        layout.addLayout(replay)
        layout.addWidget(self.metrics)
        self.controls.run_button.clicked.connect(lambda: self.start())
        self.controls.stop_button.clicked.connect(self.stop)
        self.controls.fit_button.clicked.connect(self.tree.fit)
        self.controls.export_button.clicked.connect(lambda: self.export())
        self.tree.nodeClicked.connect(self.select_node)
        self.slider.valueChanged.connect(self.replay_to)

    # --- running ----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, config: PlanConfig | None = None) -> asyncio.Task | None:
        if self.running:
            return None
        config = config or self.controls.config()
        self.cancel = CancelToken()
        self.show_events([])
        self._task = asyncio.ensure_future(self._consume(self._stream(config), self.controls.pace_s()))
        self.timer.start()
        self.controls.set_running(True)
        self.runningChanged.emit(True)
        return self._task

    def stop(self) -> None:
        self.cancel.cancel()

    async def _stream(self, config: PlanConfig) -> AsyncIterator[EventBase]:
        provider = None
        if config.needs_model:
            loader = ProviderLoader(self.controls.model.text().strip() or "local", self.settings or load_settings())
            async for event in loader.events():
                yield event
            provider = loader.provider
        # The exact solver enumerates the state space: off the GUI thread.
        run = await asyncio.get_running_loop().run_in_executor(SETUP_THREAD, PlanRun, config, provider, self.cancel)
        self.session_id = run.run_id
        async for event in recorded(run.run_stream(), SessionWriter(run.run_id)):
            yield event

    async def _consume(self, stream: AsyncIterator[EventBase], pace_s: float) -> None:
        handed_back = time.perf_counter()
        try:
            async for event in stream:
                self.pending.append(event)
                if isinstance(event, PlanIteration) and pace_s:
                    await asyncio.sleep(pace_s)
                    handed_back = time.perf_counter()
                elif time.perf_counter() - handed_back > YIELD_EVERY_S:
                    await asyncio.sleep(0.001)
                    handed_back = time.perf_counter()
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # shown in the panel; never takes the window down
            self.problem.emit(f"the planning run failed: {exc}")
            self.metrics.setText(f"The planning run failed: {exc}")
        finally:
            self.timer.stop()
            self.flush()
            self.controls.set_running(False)
            self.runningChanged.emit(False)

    def flush(self) -> None:
        """Apply the queued events; the view follows the newest iteration unless replaying."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
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

    def feed(self, event: EventBase) -> None:
        """Plan events from another run (a team's Planner turn), shown live while it lasts."""
        if self.running:
            return
        if isinstance(event, RunStarted):
            self.session_id = event.run_id
        elif isinstance(event, PlanStarted):
            self.show_events([])
        if isinstance(event, PLAN_EVENTS):
            self.pending.append(event)
            self.timer.start()
        if isinstance(event, PlanFinished):
            self.timer.stop()
            self.flush()

    # --- viewing ----------------------------------------------------------------------
    def show_events(self, events: list[EventBase]) -> None:
        """Show a whole (stored) run at its end; the slider replays it."""
        self.events, self.iteration_index, self.pending = [], [], list(events)
        self.model.clear()
        self.slider.blockSignals(True)
        self.slider.setMaximum(0)
        self.slider.blockSignals(False)
        self.details.clear()
        self.tree.select(None)
        self.tree.follow = True
        self.flush()
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


def _metrics_text(done: PlanFinished) -> str:
    m = done.metrics
    acc = "" if m.get("wm_accuracy") is None else f" · world-model accuracy {m['wm_accuracy']:.0%}"
    return (
        f"{'Solved' if done.success else 'Not solved'} ({done.reason}): {m.get('plan_length')} steps, optimal {m.get('optimal_length')} · "
        f"{m.get('nodes')} nodes, {m.get('nodes_expanded')} expanded · {m.get('model_calls')} model calls{acc} · "
        f"false-prune rate {m.get('false_prune_rate')}"
    )
