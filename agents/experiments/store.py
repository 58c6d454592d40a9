"""The experiment directory: a lock, the results table, and where each item's session goes.

``results.jsonl`` gets one line per finished item, flushed and fsync'ed (off the loop, shared
by the items finishing together) before the item counts as done, so ``kill -9`` loses at most the items in flight; a torn last line is cut off when the
directory is opened again, and a key already present is never appended twice.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from agents.experiments.records import ResultRow
from agents.session.store_file import DurableFile

RESULTS_FILE = "results.jsonl"
LOCK_FILE = ".lock"
SAFE = re.compile(r"[^A-Za-z0-9_.@-]+")


class ExperimentLocked(RuntimeError):
    """Another process is running an experiment in this directory."""


class DirectoryLock:
    """An OS lock on ``DIR/.lock``: released by the kernel when the holder dies, even by kill -9,
    so a crashed run never leaves the directory refused."""

    def __init__(self, directory: Path):
        self.path = directory / LOCK_FILE
        self._handle: TextIO | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            _lock(handle)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise ExperimentLocked(
                f"{self.path.parent}: another experiment is running in this directory (pid {holder})"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file releases the lock
            self._handle = None


def _lock(handle) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def read_rows(directory: Path) -> list[ResultRow]:
    """Every complete, valid row once (the first of any repeated key), in file order."""
    path = directory / RESULTS_FILE
    if not path.exists():
        return []
    rows: dict[str, ResultRow] = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.endswith("\n"):
                break  # torn by a kill mid-write: that item was never done
            try:
                row = ResultRow.model_validate_json(line)
            except (ValidationError, ValueError):
                continue
            rows.setdefault(row.key, row)
    return list(rows.values())


class ResultsTable:
    def __init__(self, directory: Path):
        self.path = directory / RESULTS_FILE
        _cut_torn_line(self.path)
        self.rows: dict[str, ResultRow] = {row.key: row for row in read_rows(directory)}
        self._file: DurableFile | None = None

    def append(self, row: ResultRow) -> bool:
        """Write a finished item, on disk when this returns; False (and nothing written) when
        its key is already done."""
        if not self._put(row):
            return False
        assert self._file is not None
        self._file.sync()
        return True

    async def commit(self, row: ResultRow) -> bool:
        """``append`` for a coroutine: the fsync runs off the loop, one shared by every row
        committed meanwhile, so items finishing together wait for the disk once."""
        if not self._put(row):
            return False
        assert self._file is not None
        await self._file.synced()
        return True

    def _put(self, row: ResultRow) -> bool:
        if row.key in self.rows:
            return False
        if self._file is None:
            self._file = DurableFile(self.path)
        self._file.append(row.model_dump_json())
        self.rows[row.key] = row
        return True

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _cut_torn_line(path: Path) -> None:
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


def unit_key(item_id: str, method: str, model: str, seed: int) -> str:
    return f"{method}/{model}/s{seed}/{item_id}"


def session_file(directory: Path, item_id: str, method: str, model: str, seed: int) -> Path:
    # A reference may be a URL: a readable prefix, and a hash so two long ones never collide.
    slug = f"{SAFE.sub('_', model)[:48]}-{hashlib.sha1(model.encode()).hexdigest()[:6]}"
    folder = directory / "sessions" / SAFE.sub("_", method) / f"{slug}-s{seed}"
    return folder / f"{SAFE.sub('_', item_id)[:120]}.jsonl"
