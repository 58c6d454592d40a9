"""Running an experiment: every item x method x model x seed through the one run pipeline,
a bounded number at a time, each recorded as a normal session and scored into the results
table the moment it finishes.

``async for event in ExperimentRun(directory, config).events(): ...`` — a killed run resumes
by running the same directory again: finished items are skipped, in-flight ones start over.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from agents.events import ErrorEvent, EventBase, Finished, MessageCompleted, TokenDelta
from agents.experiments.config import ExperimentConfig, ExperimentConfigError, differences, load_config, save_config
from agents.experiments.job import ItemJob
from agents.experiments.methods import Method, parse_methods
from agents.experiments.progress import ProgressMeter
from agents.experiments.providers import SharedProviders
from agents.experiments.records import (
    ExperimentFinished,
    ExperimentStarted,
    MatchedCompute,
    ResultRow,
    UnitFinished,
    UnitStarted,
)
from agents.experiments.scoring import score_item
from agents.experiments.stats import matched_samples
from agents.experiments.store import DirectoryLock, ResultsTable, session_file
from agents.experiments.units import Unit, load_items, plan_units, planned_total
from agents.llm.base import Provider, ProviderError
from agents.llm.refs import parse_model_ref
from agents.session.pipeline import ProviderSource, RunPipeline
from agents.session.redact import secret_values
from agents.session.store import SessionWriter
from agents.settings import Settings
from agents.termination import ExternalStop

MATCHED_FILE = "matched.json"


class ExperimentRun:
    def __init__(
        self,
        directory: str | Path,
        config: ExperimentConfig | None = None,
        settings: Settings | None = None,
        *,
        providers: dict[str, Provider] | None = None,
        load: ProviderSource | None = None,
    ):
        """``providers`` (reference -> provider) are used as given; other references are opened
        once with ``load`` (default: the real loader) and closed when the experiment ends."""
        self.directory = Path(directory)
        self.config = config if config is not None else load_config(self.directory)
        self.settings = settings if settings is not None else Settings()
        self.shared = SharedProviders(self.settings, providers, load)
        self.stopping = False
        self._secrets: list[str] = []  # what every item's session redacts, read once when it starts
        self._live: set[ExternalStop] = set()
        self._progress: ProgressMeter | None = None

    def stop(self) -> None:
        """Stop soon: items in flight are cancelled and not recorded (a resume runs them)."""
        self.stopping = True
        for stop in list(self._live):
            stop.set()

    async def events(
        self,
    ) -> AsyncIterator[EventBase]:
        items = load_items(self.config)  # a bad task file fails before the directory is touched
        methods = parse_methods(self.config.methods)
        for ref in self.config.models:
            if ref not in self.shared.given:
                parse_model_ref(ref, self.settings.endpoints)  # raises ProviderError: a typo fails before any work
        lock = DirectoryLock(self.directory)
        lock.acquire()  # raises ExperimentLocked
        self._secrets = secret_values()
        table: ResultsTable | None = None
        try:
            self._claim_directory()
            table = ResultsTable(self.directory)
            first = plan_units(self.config, items, [m for m in methods if not m.match])
            matched = [m for m in methods if m.match]
            total = planned_total(self.config, items)
            progress = self._progress = ProgressMeter(total, [r for r in table.rows.values()])
            yield ExperimentStarted(
                directory=str(self.directory),
                total=total,
                done=progress.done,
                methods=self.config.methods,
                models=self.config.models,
                items=len(items),
            )
            async for loading in self.shared.open(self.config.models):
                yield loading
            async for event in self._run(first, table):
                yield event
            if matched and not self.stopping:
                sized: list[Method] = []
                for method, measured in self._size(matched, table):
                    sized.append(method)
                    yield measured
                async for event in self._run(plan_units(self.config, items, sized), table):
                    yield event
            yield ExperimentFinished(
                reason="cancelled" if self.stopping else "completed",
                done=progress.done,
                total=total,
                failed=progress.failed,
            )
        finally:
            self.stop()
            await self.shared.aclose()
            if table is not None:
                table.close()
            lock.release()

    def _claim_directory(self) -> None:
        try:
            old = load_config(self.directory)
        except ExperimentConfigError:
            if (self.directory / "config.json").exists():
                raise
            save_config(self.config, self.directory)
            return
        changed = differences(old, self.config)
        if changed:
            raise ExperimentConfigError(
                f"{self.directory} holds a different experiment ({', '.join(changed)} differ); "
                "use another directory, or resume it with its own configuration"
            )
        save_config(self.config, self.directory)

    def _size(self, matched: list[Method], table: ResultsTable):
        """N for each matched self-consistency method, measured once and kept in matched.json."""
        path = self.directory / MATCHED_FILE
        known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        for method in matched:
            for model in self.config.models:
                name = f"{method.name}|{model}"
                if name not in known:
                    n, target, sample = matched_samples(list(table.rows.values()), method.match or "", model)
                    known[name] = {"samples": n, "target_tokens": target, "sample_tokens": sample}
                    path.write_text(json.dumps(known, indent=2), encoding="utf-8")
                entry = known[name]
                yield (
                    method.sized(entry["samples"]),
                    MatchedCompute(
                        method=method.name,
                        model=model,
                        samples=entry["samples"],
                        target_tokens=entry["target_tokens"],
                        sample_tokens=entry["sample_tokens"],
                    ),
                )

    async def _run(self, units: list[Unit], table: ResultsTable) -> AsyncIterator[EventBase]:
        todo = iter([u for u in units if u.key not in table.rows])
        out: asyncio.Queue = asyncio.Queue()
        finished = object()

        async def worker() -> None:
            try:
                for unit in todo:  # one shared iterator: each unit is taken by one worker
                    if self.stopping:
                        return
                    await out.put(self._started(unit))
                    row = await self._guarded(unit, out)
                    if row is not None:
                        # Committed here, not by the consumer: rows of items finishing
                        # together then share one fsync, and the consumer never waits on disk.
                        await out.put(_Committed(row, await table.commit(row)))
            finally:
                await out.put(finished)

        workers = [asyncio.create_task(worker()) for _ in range(self.config.concurrency)]
        progress = self._progress
        assert progress is not None
        try:
            remaining = len(workers)
            while remaining:
                item = await out.get()
                if item is finished:
                    remaining -= 1
                elif isinstance(item, UnitStarted):
                    progress.running += 1
                    yield item
                elif isinstance(item, _Committed):
                    progress.running -= 1
                    if item.new:
                        progress.add(item.row)
                        yield UnitFinished(row=item.row, progress=progress.event())
                elif isinstance(item, MessageCompleted):
                    progress.spend(item)
                    yield progress.event()
                else:
                    yield item
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    def _started(self, unit: Unit) -> UnitStarted:
        session = str(self._session(unit).relative_to(self.directory))
        return UnitStarted.model_validate({**unit.columns(), "session": session})

    def _session(self, unit: Unit) -> Path:
        return session_file(self.directory, unit.item.id, unit.method.name, unit.model, unit.seed)

    async def _guarded(self, unit: Unit, out: asyncio.Queue) -> ResultRow | None:
        try:
            return await self._unit(unit, out)
        except Exception as exc:  # a bug in one item must not end the experiment
            failed = {"status": "failed", "expected": unit.item.answer, "error": f"internal: {exc!r}"}
            return ResultRow.model_validate({**unit.columns(), **failed})

    async def _unit(self, unit: Unit, out: asyncio.Queue) -> ResultRow | None:
        path = self._session(unit)
        started = time.perf_counter()
        row = None
        for attempt in range(1, self.config.retries + 2):
            job = unit.job(self.config)
            stop = ExternalStop()
            self._live.add(stop)
            try:
                events = await self._record(job, stop, path, out)
            finally:
                self._live.discard(stop)
            if self.stopping:
                return None  # cancelled mid-way: not a result; a resume runs it again
            row = score_item(
                job,
                events,
                key=unit.key,
                model=unit.model,
                session=str(path.relative_to(self.directory)),
                attempts=attempt,
                elapsed_s=time.perf_counter() - started,
            )
            if row.status != "failed":
                return row
        return row

    async def _record(self, job: ItemJob, stop: ExternalStop, path: Path, out: asyncio.Queue) -> list[EventBase]:
        if path.exists():
            path.unlink()  # what an interrupted attempt left behind
        pipeline = RunPipeline(job, self.settings, stop=stop, record=False, load=self.shared.lend)
        writer: SessionWriter | None = None
        events: list[EventBase] = []
        # The run takes its next turn while the last message's fsync is in flight: the message
        # counts in the progress once it is on disk, the item only once its whole session is
        # (aclose, and every fsync succeeded), and a resume runs an unfinished item again.
        fsyncs: list[asyncio.Future[None]] = []
        try:
            async for event in pipeline.events():
                if writer is None and pipeline.run_id:
                    writer = SessionWriter(pipeline.run_id, path, self._secrets)
                on_disk = writer.append(event) if writer is not None else None
                if on_disk is not None:
                    fsyncs.append(on_disk)
                if isinstance(event, TokenDelta):
                    continue
                events.append(event)
                if isinstance(event, MessageCompleted) and on_disk is not None:
                    _count_once_on_disk(on_disk, out, event)
        except ProviderError as exc:
            events += [ErrorEvent(kind=exc.kind, message=exc.message), Finished(reason="error")]
        finally:
            if writer is not None:
                await writer.aclose()
        await asyncio.gather(*fsyncs)  # all done by now; raises the first that failed
        return events


def _count_once_on_disk(on_disk: asyncio.Future[None], out: asyncio.Queue, message: MessageCompleted) -> None:
    """Put ``message`` on ``out`` once ``on_disk`` is done (never, if its fsync failed)."""

    def report(done: asyncio.Future[None]) -> None:
        if not done.cancelled() and done.exception() is None:
            out.put_nowait(message)

    on_disk.add_done_callback(report)


@dataclass(frozen=True)
class _Committed:
    """A result row on disk; ``new`` is False when its key was already there (not counted)."""

    row: ResultRow
    new: bool
