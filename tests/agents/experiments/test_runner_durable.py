"""The runner and the disk: a run is not held up by an fsync in flight, yet a message counts in
the progress only once it is on disk, an item only once its whole session is, and an fsync
that failed fails the item."""

import asyncio
import errno
import os
import threading
from collections.abc import Callable
from pathlib import Path

from agents.experiments.config import ExperimentConfig, TaskSource
from agents.experiments.runner import ExperimentRun
from agents.experiments.store import read_rows
from tests.agents.experiments.conftest import scripted

HANG_GUARD_S = 60  # far above any real wait; reaching it means the run waited for the disk


def _reply(request):
    return "Answer: 1"


class Disk:
    """A fake fsync: what a file held when it was fsync'ed is what a power cut leaves of it.
    ``hold(content)``: park that fsync until ``gate`` is set; ``fail(content)``: raise EIO,
    once per file."""

    def __init__(self, monkeypatch, hold: Callable[[bytes], bool] = lambda c: False, fail=lambda c: False):
        self.saved: dict[str, bytes] = {}
        self.entered, self.gate = threading.Event(), threading.Event()
        self.hold, self.fail, self.failed = hold, fail, set()
        monkeypatch.setattr(os, "fsync", self.fsync)

    def fsync(self, fd: int) -> None:
        path = os.readlink(f"/proc/self/fd/{fd}")
        content = Path(path).read_bytes()
        if self.fail(content) and path not in self.failed:
            self.failed.add(path)
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        if self.hold(content) and not self.entered.is_set():
            self.entered.set()
            self.gate.wait(HANG_GUARD_S)
        self.saved[path] = content

    def count(self, text: str) -> int:
        return sum(content.count(text.encode()) for content in list(self.saved.values()))


def _config(method: str, n: int, **options) -> ExperimentConfig:
    return ExperimentConfig(tasks=TaskSource(n=n), methods=(method,), **options)


async def test_a_message_counts_once_it_is_on_disk_and_an_item_once_its_whole_session_is(tmp_path, monkeypatch):
    disk = Disk(monkeypatch)
    run = ExperimentRun(tmp_path, _config("debate2x2", 6, concurrency=3), providers={"local": scripted(_reply)})
    finished = calls = 0
    async for event in run.events():
        if event.type == "experiment_progress":
            assert disk.count('"type":"message_completed"') >= event.calls
            calls = event.calls
        if event.type == "experiment_unit_finished":
            session = (tmp_path / event.row.session).resolve()
            assert disk.saved[str(session)] == session.read_bytes()
            assert event.row.key in disk.saved[str((tmp_path / "results.jsonl").resolve())].decode()
            finished += 1
    assert finished == 6 and calls == 6 * 4


async def test_the_run_goes_on_while_a_message_waits_for_the_disk(tmp_path, monkeypatch):
    disk = Disk(monkeypatch, hold=lambda content: b'"type":"message_completed"' in content)
    provider = scripted(_reply)
    seen = []

    async def consume() -> None:
        run = ExperimentRun(tmp_path, _config("debate2x2", 1, concurrency=1), providers={"local": provider})
        async for event in run.events():
            seen.append(event)

    task = asyncio.create_task(consume())
    assert await asyncio.to_thread(disk.entered.wait, HANG_GUARD_S)
    for _ in range(HANG_GUARD_S * 100):  # both rounds are asked for while the first message's fsync is held
        if len(provider.requests) == 4:
            break
        await asyncio.sleep(0.01)
    assert len(provider.requests) == 4
    assert not any(e.type in ("experiment_progress", "experiment_unit_finished") for e in seen)
    disk.gate.set()
    await task
    assert [row.status for row in read_rows(tmp_path)] == ["ok"] and seen[-1].type == "experiment_finished"


async def test_an_fsync_that_failed_fails_the_item_though_a_later_one_succeeded(tmp_path, monkeypatch):
    Disk(monkeypatch, fail=lambda content: b'"type":"message_completed"' in content)
    run = ExperimentRun(tmp_path, _config("single", 3, retries=0), providers={"local": scripted(_reply)})
    events = [event async for event in run.events()]
    rows = read_rows(tmp_path)
    assert len(rows) == 3 and all(r.status == "failed" and "OSError" in r.error for r in rows)
    assert not any(e.type == "experiment_progress" and e.calls for e in events)
