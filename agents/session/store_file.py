"""An append-only text file made durable off the event loop, by group commit.

``append`` hands each line to the OS at once (write + flush), so killing the process can lose
nothing that was appended. Making it survive a power cut takes an fsync, which costs
milliseconds on a real disk; done on the loop it serialises every concurrent run behind the
disk. ``await synced()`` runs the fsync on a small shared thread pool instead, and every
waiter whose lines were appended before that fsync began is answered by the same one, so many
concurrent writers share one disk flush. Callers report an event as written only after
``synced()`` (or the blocking ``sync()``) returned, or its ``on_disk()`` future is done.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# fsync waits on the disk with the GIL released; its own pool, so it never queues behind (or
# in front of) model work that uses the loop's default executor.
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
SYNC_THREADS = 8


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=SYNC_THREADS, thread_name_prefix="agora-fsync")
        return _POOL


class DurableFile:
    def __init__(self, path: Path):
        self.path = path
        self._file = path.open("a", encoding="utf-8")
        self._appended = 0  # lines handed to the OS
        self._synced = 0  # lines known to be on disk
        # Held across an fsync and by close, so a closing file never has its descriptor
        # fsync'ed by a pool thread after it was closed (and perhaps reused).
        self._disk = threading.Lock()
        # Who waits for which line count, answered on the loop when an fsync ends; at most one
        # fsync of this file runs at a time, and the waiters that came during it share the next.
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._syncing = False

    @property
    def closed(self) -> bool:
        return self._file.closed

    def append(self, line: str) -> None:
        """Write one line (``line`` holds no newline) through to the OS."""
        self._file.write(line + "\n")
        self._file.flush()
        self._appended += 1

    def sync(self) -> None:
        """Block until everything appended so far is on disk."""
        self._sync_upto(self._appended)

    async def synced(self) -> None:
        """Wait, without blocking the loop, until everything appended so far is on disk."""
        await self.on_disk()

    def on_disk(self) -> asyncio.Future[None]:
        """A future done once everything appended so far is on disk: its fsync begins now, or
        as soon as the one in flight ends. Cancelling it gives up that wait only, never the
        flush others wait for. (One plain future per waiter and one pool job per fsync: this
        runs at every durable event.)"""
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        target = self._appended
        if self._synced >= target:
            waiter.set_result(None)
            return waiter
        self._waiters.append((target, waiter))
        if not self._syncing:
            self._start_sync(loop)
        return waiter

    def _start_sync(self, loop: asyncio.AbstractEventLoop) -> None:
        self._syncing = True
        _pool().submit(self._sync_then_answer, loop, self._appended)

    def _sync_then_answer(self, loop: asyncio.AbstractEventLoop, target: int) -> None:
        """In a pool thread: the fsync, then the waiters are answered on their loop."""
        error: Exception | None = None
        try:
            self._sync_upto(target)
        except Exception as exc:  # the waiters raise it
            error = exc
        loop.call_soon_threadsafe(self._answer, loop, error)

    def _answer(self, loop: asyncio.AbstractEventLoop, error: Exception | None) -> None:
        self._syncing = False
        waiting, self._waiters = self._waiters, []
        for target, waiter in waiting:
            if waiter.done():  # cancelled
                continue
            if error is not None:
                waiter.set_exception(error)
            elif target <= self._synced:
                waiter.set_result(None)
            else:  # appended after that fsync began
                self._waiters.append((target, waiter))
        if self._waiters:
            self._start_sync(loop)

    def _sync_upto(self, target: int) -> None:
        with self._disk:
            if self._synced >= target or self._file.closed:
                return
            os.fsync(self._file.fileno())
            self._synced = max(self._synced, target)

    def close(self) -> None:
        """Make everything durable and close; blocks for at most one fsync."""
        with self._disk:
            if self._file.closed:
                return
            self._file.flush()
            if self._synced < self._appended:
                os.fsync(self._file.fileno())
                self._synced = self._appended
            self._file.close()

    async def aclose(self) -> None:
        try:
            await self.synced()
        finally:
            self.close()  # after a cancelled wait this makes it durable itself
