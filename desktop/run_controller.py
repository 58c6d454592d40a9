"""Starts, stops, forks, resumes and replays the window's team runs, one at a time.

Every live run goes through the domain's RunPipeline (so its providers are closed however it
ends) and is consumed by one StreamRunner that the conversation and the panels subscribe to.
A human turn arrives as a HumanInputRequested event (``humanRequested``); the answer comes
back through :meth:`answer`, matched by its request id, so the run never awaits a widget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from agents.events import Finished, HumanInputRequested, MessageCompleted
from agents.session.fork import kept_messages, team_of
from agents.session.library import SessionLog
from agents.session.pipeline import ProviderSource, RunPipeline, TeamJob
from agents.session.replay import replay
from agents.settings import Settings
from agents.spec import TeamFileError, TeamSpec
from agents.teams.human import HumanAnswers
from agents.termination import ExternalStop
from desktop.runner import StreamRunner, route

DEFAULT_TASK = "Introduce yourselves."
REPLAY_SPEED = 4.0


@dataclass(frozen=True)
class RunInputs:
    """Where a new run's parts come from (the builder's team, the run bar's task and model)."""

    team: Callable[[], TeamSpec]  # raises TeamFileError while the team cannot run
    task: Callable[[], str]
    model: Callable[[], str | None]  # a model reference for every agent, or None: the team's own


class RunController(QObject):
    starting = Signal(bool)  # the conversation is about to fill: True for a live run, False for a replay
    problem = Signal(str)
    humanRequested = Signal(object)  # HumanInputRequested
    humanWithdrawn = Signal()  # the run that asked has ended or was stopped

    def __init__(
        self,
        settings: Callable[[], Settings],
        inputs: RunInputs,
        load: ProviderSource | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.settings = settings
        self.inputs = inputs
        self.load = load
        self.runner = StreamRunner(self)
        self.stop = ExternalStop()
        self.human = HumanAnswers()
        self.pipeline: RunPipeline | None = None
        self._asked: set[str] = set()
        self.runner.batch.connect(lambda batch: route(batch, {HumanInputRequested: self._asked_human}))
        self.runner.finished.connect(self._finished)

    @property
    def running(self) -> bool:
        return self.runner.running

    # --- starting ---------------------------------------------------------------------
    def start_run(self) -> asyncio.Task | None:
        """A run of the builder's team on the run bar's task."""
        try:
            spec = self.inputs.team()
        except TeamFileError as exc:
            self.problem.emit(f"the team cannot run yet — {exc}")
            return None
        return self.start(spec, self.inputs.task().strip() or DEFAULT_TASK)

    def fork(self, log: SessionLog, keep: int) -> asyncio.Task | None:
        """Continue a stored session from its first ``keep`` messages."""
        try:
            spec = team_of(log)
            prior = kept_messages(log, keep)
        except (ValueError, TeamFileError) as exc:
            self.problem.emit(f"cannot fork: {exc}")
            return None
        return self.start(spec, log.task, prior, log.session_id)

    def resume(self, log: SessionLog) -> asyncio.Task | None:
        """Continue a failed or interrupted session after its last completed message."""
        return self.fork(log, len(log.messages))

    def start(
        self, spec: TeamSpec, task: str, prior: Sequence[MessageCompleted] = (), parent: str | None = None
    ) -> asyncio.Task | None:
        if self.running:
            return None
        self.stop, self.human, self._asked = ExternalStop(), HumanAnswers(), set()
        job = TeamJob(spec, task, prior=prior, parent=parent, human=self.human)
        self.pipeline = RunPipeline(job, self.settings(), model=self.inputs.model(), stop=self.stop, load=self.load)
        self.starting.emit(True)
        return self.runner.start(self.pipeline.events())

    def replay(self, log: SessionLog) -> asyncio.Task | None:
        if self.running:
            return None
        self.starting.emit(False)
        return self.runner.start(replay(log, speed=REPLAY_SPEED))

    # --- during a run -----------------------------------------------------------------
    def stop_run(self) -> None:
        self.stop.set()
        self.human.release()  # a run waiting for a person must not outlive Stop
        self._asked.clear()
        self.humanWithdrawn.emit()

    def answer(self, request_id: str, text: str) -> bool:
        """Answer a human turn this run asked for; an unknown request id is refused."""
        if request_id not in self._asked:
            return False
        self._asked.discard(request_id)
        self.human.answer(request_id, text)
        return True

    def _asked_human(self, event: HumanInputRequested) -> None:
        self._asked.add(event.request_id)
        self.humanRequested.emit(event)

    def _finished(self, finished: Finished | None) -> None:
        self._asked.clear()
        self.humanWithdrawn.emit()
        if finished is not None and finished.reason == "error":
            self.problem.emit("the run failed; its session was saved and can be resumed")
