"""Durable writes off the event loop: an event is passed on only once it is on disk, the loop
runs while the disk works, concurrent waiters share one fsync, and kill -9 loses nothing reported."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from agents.events import Finished, MessageCompleted, RunStarted, TokenDelta
from agents.session.library import read_session
from agents.session.store import DURABLE, SessionWriter, recorded
from agents.session.store_file import DurableFile

ROOT = Path(__file__).resolve().parents[3]
HANG_GUARD_S = 60  # far above any real wait; reaching it means the loop was blocked


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AGORA_LAB_DATA_DIR", str(tmp_path / "data"))


class Disk:
    """A fake fsync: what it saw is what a power cut would have left; ``hold`` parks it."""

    def __init__(self, monkeypatch, hold: bool = False):
        self.saved: dict[str, bytes] = {}  # path -> bytes on "disk"
        self.calls = 0
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.stuck = False
        if not hold:
            self.gate.set()
        monkeypatch.setattr(os, "fsync", self.fsync)

    def fsync(self, fd: int) -> None:
        # What was written before the call is what an fsync is sure to keep.
        path = os.readlink(f"/proc/self/fd/{fd}")
        content = Path(path).read_bytes()
        self.calls += 1
        self.entered.set()
        if not self.gate.wait(HANG_GUARD_S):
            self.stuck = True
        self.saved[path] = content

    def lines(self, path: Path) -> list[dict]:
        data = self.saved.get(str(path), b"")
        return [json.loads(line) for line in data.decode().splitlines()]


def _events(count: int):
    yield RunStarted(run_id="r", team={"name": "t"}, task="task", app_version="x")
    for number in range(count):
        yield TokenDelta(message_id=f"m{number}", text="partial ")
        yield MessageCompleted(
            message_id=f"m{number}", agent="A", model="x", text=f"text {number}", finish_reason="stop"
        )
    yield Finished(reason="completed")


async def _stream(count: int):
    for event in _events(count):
        yield event


async def test_a_durable_event_is_passed_on_only_once_it_is_on_disk(tmp_path, monkeypatch):
    disk = Disk(monkeypatch)
    writer = SessionWriter("r", tmp_path / "r.jsonl")
    async for event in recorded(_stream(3), writer):
        if isinstance(event, DURABLE):
            on_disk = disk.lines(writer.path)
            assert on_disk and on_disk[-1]["type"] == event.type, event
            assert on_disk[-1].get("message_id") == getattr(event, "message_id", None)
    assert [line["type"] for line in disk.lines(writer.path)] == ["run_started"] + ["message_completed"] * 3 + [
        "finished"
    ]
    assert not writer.lock.exists()


async def test_the_loop_runs_while_an_fsync_waits_for_the_disk(tmp_path, monkeypatch):
    disk = Disk(monkeypatch, hold=True)
    reported: list[str] = []

    async def consume() -> None:
        async for event in recorded(_stream(1), SessionWriter("r", tmp_path / "r.jsonl")):
            reported.append(event.type)

    task = asyncio.create_task(consume())
    assert await asyncio.to_thread(disk.entered.wait, HANG_GUARD_S)
    # Had the fsync run on the loop, this coroutine could not have got here before the guard.
    assert reported == [] and not disk.stuck  # RunStarted is not reported before its fsync ends
    other = SessionWriter("o", tmp_path / "o.jsonl")
    other.write(TokenDelta(message_id="x", text="the loop is free"))  # a non-durable write needs no disk
    disk.gate.set()
    await task
    other.close()
    assert reported == ["run_started", "token_delta", "message_completed", "finished"] and not disk.stuck


async def _fsync_in_flight(path: Path, monkeypatch, line: str):
    """A file with one line whose fsync has begun and is held by the returned disk."""
    disk = Disk(monkeypatch, hold=True)
    durable = DurableFile(path)
    durable.append(line)
    waiter = asyncio.create_task(durable.synced())
    assert await asyncio.to_thread(disk.entered.wait, HANG_GUARD_S)
    return disk, durable, waiter


async def test_waiters_that_arrive_during_an_fsync_share_the_next_one(tmp_path, monkeypatch):
    disk, durable, first = await _fsync_in_flight(tmp_path / "f.jsonl", monkeypatch, "first")
    durable.append("second")
    durable.append("third")
    later = [asyncio.create_task(durable.synced()) for _ in range(2)]
    disk.gate.set()
    await asyncio.gather(first, *later)
    assert disk.calls == 2 and disk.saved[str(tmp_path / "f.jsonl")] == b"first\nsecond\nthird\n"
    durable.close()
    assert disk.calls == 2  # nothing left to sync at close


async def test_a_cancelled_waiter_neither_cancels_the_fsync_nor_loses_its_line(tmp_path, monkeypatch):
    disk, durable, waiter = await _fsync_in_flight(tmp_path / "f.jsonl", monkeypatch, "line")
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    disk.gate.set()
    await durable.aclose()
    assert disk.saved[str(tmp_path / "f.jsonl")] == b"line\n" and durable.closed


def test_kill_minus_nine_while_an_fsync_is_in_flight_loses_nothing_reported(tmp_path):
    """The child reports each event on stdout as ``recorded`` passes it on, holds the fsync of
    the third message forever, and kills itself from the (free) loop while it hangs."""
    log = tmp_path / "killed.jsonl"
    code = f"""
import asyncio, os, signal, sys, threading
from agents.events import MessageCompleted, RunStarted
from agents.session.store import SessionWriter, recorded
real_fsync, held = os.fsync, threading.Event()
def fsync(fd):
    if b"text 2" in open(os.readlink(f"/proc/self/fd/{{fd}}"), "rb").read():
        held.set()
        threading.Event().wait()  # the disk never answers
    real_fsync(fd)
os.fsync = fsync
async def stream():
    yield RunStarted(run_id="killed", team={{"name": "t"}}, task="task", app_version="x")
    for n in range(5):
        yield MessageCompleted(message_id=f"m{{n}}", agent="A", model="x", text=f"text {{n}}", finish_reason="stop")
async def consume():
    async for event in recorded(stream(), SessionWriter("killed", __import__("pathlib").Path({str(log)!r}))):
        print(getattr(event, "message_id", event.type), flush=True)
async def main():
    task = asyncio.create_task(consume())
    await asyncio.to_thread(held.wait)
    os.kill(os.getpid(), signal.SIGKILL)
asyncio.run(main())
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    reported = child.stdout.decode().split()
    assert reported == ["run_started", "m0", "m1"]  # m2's fsync never ended: it was never reported
    session = read_session(log)
    assert session.status == "interrupted"
    assert [m.message_id for m in session.messages][: len(reported) - 1] == reported[1:]
