"""The one run pipeline: load the providers, run the job, record it, close the providers.

Every way of starting a run (the window, ``agora-lab run`` / ``plan``, fork and resume, the
planning panel, later an experiment item) goes through :class:`RunPipeline`::

    pipeline = RunPipeline(TeamJob(spec, task), settings, model=None, stop=stop)
    async for event in pipeline.events():   # load progress, then the run's own events
        ...
    pipeline.run_id, pipeline.session_path, pipeline.finished

Providers are closed in ``finally``, whether the run completes, fails, is cancelled or the
consumer stops iterating. Loading errors (ProviderError) propagate before any session exists.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

from agents.events import Event, EventBase, Finished, MessageCompleted
from agents.interp.steering import steered_provider
from agents.llm.base import Provider
from agents.llm.providers import ProviderLoader
from agents.planning.run import PlanConfig, PlanRun
from agents.session.store import SessionWriter, recorded
from agents.settings import Settings
from agents.spec import TeamSpec
from agents.teams.context import HumanInput
from agents.teams.run import TeamRun
from agents.termination import ExternalStop


class Started(Protocol):
    """What a job hands the pipeline once its providers are ready."""

    @property
    def run_id(self) -> str: ...

    def run_stream(self) -> AsyncIterator[EventBase]: ...


class Job(Protocol):
    def model_refs(self, override: str | None, settings: Settings) -> dict[str, str]:
        """Who needs a model: a name (agent, "Planner") -> model reference."""
        ...

    async def start(self, providers: dict[str, Provider], stop: ExternalStop) -> Started:
        """Build the run (heavy set-up off the event loop)."""
        ...


@dataclass
class TeamJob:
    """A team run on a task; ``prior`` and ``parent`` make it a fork or a resume."""

    spec: TeamSpec
    task: str
    prior: Sequence[MessageCompleted] = ()
    parent: str | None = None
    seed: int | None = None
    human: HumanInput | None = None

    def model_refs(self, override: str | None, settings: Settings) -> dict[str, str]:
        return {a.name: override or a.model for a in self.spec.agents if a.role != "human"}

    async def start(self, providers: dict[str, Provider], stop: ExternalStop) -> Started:
        for agent in self.spec.agents:  # a steered agent gets its own view of the local model
            if agent.steering is not None and agent.name in providers:
                providers[agent.name] = await steered_provider(providers[agent.name], agent.steering)
        run = TeamRun(
            self.spec, providers, human=self.human, seed=self.seed, stop=stop, prior=self.prior, parent_run=self.parent
        )
        return _TeamStarted(run, self.task)


@dataclass
class _TeamStarted:
    run: TeamRun
    task: str

    @property
    def run_id(self) -> str:
        return self.run.run_id

    def run_stream(self) -> AsyncIterator[EventBase]:
        return self.run.run_stream(self.task)


@dataclass
class PlanJob:
    """One planning run; a model is loaded only when a part of it asks one."""

    config: PlanConfig
    solve_exactly: bool = True

    def model_refs(self, override: str | None, settings: Settings) -> dict[str, str]:
        return {"Planner": override or settings.default_model} if self.config.needs_model else {}

    async def start(self, providers: dict[str, Provider], stop: ExternalStop) -> Started:
        # Building the exact solver can enumerate a large state space: never on the loop.
        return await asyncio.to_thread(
            PlanRun, self.config, providers.get("Planner"), stop.token, solve_exactly=self.solve_exactly
        )


ProviderSource = Callable[[dict[str, str], Settings, dict[str, Provider]], AsyncIterator[EventBase]]
"""How providers are opened: ``(refs, settings, into)``, filling ``into`` and yielding progress
(tests and benchmarks pass one that opens scripted providers)."""


class RunPipeline:
    """One run from loading to closing; ``record=False`` skips the session log (benchmarks),
    ``load`` replaces how providers are opened (tests)."""

    def __init__(
        self,
        job: Job,
        settings: Settings,
        *,
        model: str | None = None,
        stop: ExternalStop | None = None,
        record: bool = True,
        load: ProviderSource | None = None,
    ):
        self.job = job
        self.load = load or load_providers
        self.settings = settings
        self.model = model or None
        self.stop = stop if stop is not None else ExternalStop()
        self.record = record
        self.run_id: str | None = None
        self.session_path: Path | None = None
        self.finished: Finished | None = None

    async def events(self) -> AsyncIterator[EventBase]:
        """Load progress, then the run's events, ending with its Finished."""
        providers: dict[str, Provider] = {}
        opened: list[AsyncIterator[EventBase]] = []
        try:
            loading = self.load(self.job.model_refs(self.model, self.settings), self.settings, providers)
            opened.append(loading)
            async for event in loading:
                yield event
            run = await self.job.start(providers, self.stop)
            self.run_id = run.run_id
            async for event in self._open(run, opened):
                if isinstance(event, Finished):
                    self.finished = event
                yield event
        finally:
            try:
                # A consumer that stops early leaves these suspended: close them now, not at
                # garbage collection, so the log is flushed and unlocked before the providers go.
                for stream in reversed(opened):
                    await _aclose(stream)
            finally:
                await close_providers(providers)

    def _open(self, run: Started, opened: list[AsyncIterator[EventBase]]) -> AsyncIterator[EventBase]:
        stream = run.run_stream()
        opened.append(stream)
        if self.record:
            writer = SessionWriter(run.run_id)
            self.session_path = writer.path
            # A run yields only members of the Event union; PlanRun merely annotates the base.
            stream = recorded(cast(AsyncIterator[Event], stream), writer)
            opened.append(stream)
        return stream


async def _aclose(stream: AsyncIterator[EventBase]) -> None:
    close = getattr(stream, "aclose", None)
    if close is not None:
        await close()


async def load_providers(refs: dict[str, str], settings: Settings, into: dict[str, Provider]) -> AsyncIterator[Event]:
    """Fill ``into`` (name -> provider) and yield load progress; names sharing a reference
    share one provider (one model in memory). What is loaded stays in ``into`` even when a
    later load fails, so the caller can close it."""
    by_ref: dict[str, Provider] = {}
    for name, ref in refs.items():
        if ref not in by_ref:
            loader = ProviderLoader(ref, settings)
            async for event in loader.events():
                yield event
            assert loader.provider is not None
            by_ref[ref] = loader.provider
        into[name] = by_ref[ref]


async def close_providers(providers: dict[str, Provider]) -> None:
    """Close each distinct provider once; one that fails to close does not keep the others open."""
    distinct = {id(p): p for p in providers.values()}.values()
    results = await asyncio.gather(*(p.aclose() for p in distinct), return_exceptions=True)
    failure = next((r for r in results if isinstance(r, BaseException)), None)
    if failure is not None:
        raise failure
