"""An append-only text file made durable off the event loop, by group commit.

``append`` hands each line to the OS at once (write + flush), so killing the process can lose
nothing that was appended. Making it survive a power cut takes an fsync, which costs
milliseconds on a real disk; done on the loop it serialises every concurrent run behind the
disk. ``await synced()`` runs the fsync on a small shared thread pool instead, and every
waiter whose lines were appended before that fsync began is answered by the same one, so many
concurrent writers share one disk flush. Callers report an event as written only after
``synced()`` (or the blocking ``sync()``) returned.
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
        self._inflight: asyncio.Future[None] | None = None

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
        target = self._appended
        while self._synced < target:
            if self._inflight is None:
                self._inflight = asyncio.ensure_future(self._sync_in_pool())
            # Shielded: a cancelled waiter must not cancel the flush others are waiting for.
            await asyncio.shield(self._inflight)

    async def _sync_in_pool(self) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(_pool(), self._sync_upto, self._appended)
        finally:
            self._inflight = None

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
