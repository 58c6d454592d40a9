"""The memory store: one SQLite file in the data directory, every agent's memories in it.

WAL, so a reader never blocks a writer and two runs can write the same agent at once (each
write is one ``BEGIN IMMEDIATE`` transaction, waiting up to ``timeout_s`` for the other). The
schema version is SQLite's ``user_version``; older files are migrated step by step in one
transaction, a newer one is refused before anything is written. A file that is not a database,
or is damaged, raises :class:`MemoryStoreError` and is never rewritten or replaced.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from agents.memory.events import StoreProblem
from agents.memory.records import Memory, clip_text
from agents.memory.rows import COLUMNS, from_row, to_row
from agents.memory.schema import SCHEMA_VERSION, index_graph, migrate_from
from agents.paths import data_dir


class MemoryStoreError(Exception):
    """The store cannot be used; ``problem`` says why, ``path`` which file (left untouched)."""

    def __init__(self, problem: StoreProblem, path: Path, message: str):
        super().__init__(f"memory store {path}: {message}")
        self.problem: StoreProblem = problem
        self.path = path


STORE_TIMEOUT_S = 5.0  # how long a write (or a first read) waits for another program's lock


def default_path() -> Path:
    return data_dir() / "memory" / "memory.sqlite3"


def _problem(exc: sqlite3.Error) -> StoreProblem:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return "locked"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return "corrupt"
    return "io"


class MemoryStore:
    def __init__(self, path: Path | str | None = None, timeout_s: float = STORE_TIMEOUT_S):
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Told of every add, update and delete this object commits ("ADD", memory): read caches
        # follow them without reloading. Bulk changes bump ``bulk_changes`` instead.
        self.listeners: list[Callable[[str, Memory], None]] = []
        self.bulk_changes = 0
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise MemoryStoreError(_problem(exc), self.path, str(exc)) from exc
        try:
            self._open()
        except BaseException:
            self._db.close()
            raise

    def _open(self) -> None:
        version = self._read(lambda db: db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise MemoryStoreError(
                "newer_version",
                self.path,
                f"written by a newer Agora Lab (schema {version}; this one knows {SCHEMA_VERSION}); "
                "it is left as it is: update Agora Lab or choose another memory file",
            )
        with self._guard():
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL survives a killed process (only power loss can drop the last commit).
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
        if version < SCHEMA_VERSION:
            with self.transaction() as db:
                migrate_from(db, db.execute("PRAGMA user_version").fetchone()[0])  # another run may have migrated

    @contextmanager
    def _guard(self) -> Iterator[None]:
        # One connection, used from the event loop and from reads sent to a thread: the lock
        # keeps one thread's transaction from interleaving with another's statements.
        try:
            with self._lock:
                yield
        except sqlite3.Error as exc:
            raise MemoryStoreError(_problem(exc), self.path, str(exc)) from exc

    def _read(self, query: Callable[[sqlite3.Connection], object]):
        with self._guard():
            return query(self._db)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: it waits for another writer (up to the timeout), then holds the lock."""
        with self._guard():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writes: each one a transaction with its history row ----------------------------------
    def add(self, memory: Memory, method: str = "model") -> Memory:
        memory = memory.model_copy(update={"text": clip_text(memory.text)})
        with self.transaction() as db:
            db.execute(f"INSERT INTO memories ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", to_row(memory))
            index_graph(db, memory.id, memory.agent, memory.text)
            self._history(db, memory.agent, "ADD", memory.id, None, memory.text, method, memory)
            if method not in ("reflection", "workflow"):  # reflecting must not call for more reflection
                self._count_write(db, memory.agent)
        self._notify("ADD", memory)
        return memory

    def add_many(self, memories: Sequence[Memory], method: str = "import") -> int:
        """Many memories in one transaction (imports, benchmarks); listeners are not told, so
        read caches reload on their next read."""
        with self.transaction() as db:
            for memory in memories:
                memory = memory.model_copy(update={"text": clip_text(memory.text)})
                db.execute(
                    f"INSERT INTO memories ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", to_row(memory)
                )
                index_graph(db, memory.id, memory.agent, memory.text)
                self._history(db, memory.agent, "ADD", memory.id, None, memory.text, method, memory)
        self.bulk_changes += 1
        return len(memories)

    def update(self, memory_id: str, method: str = "model", **changes: object) -> tuple[Memory, Memory]:
        """Change fields of one memory; returns (before, after). KeyError if it is gone."""
        if "text" in changes:
            changes["text"] = clip_text(str(changes["text"]))
        with self.transaction() as db:
            before = self._get(db, memory_id)
            after = Memory.model_validate({**before.model_dump(), **changes})
            db.execute(f"REPLACE INTO memories ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", to_row(after))
            index_graph(db, after.id, after.agent, after.text)
            self._history(db, after.agent, "UPDATE", memory_id, before.text, after.text, method, after)
            self._count_write(db, after.agent)
        self._notify("UPDATE", after)
        return before, after

    def delete(self, memory_id: str, method: str = "model") -> Memory:
        with self.transaction() as db:
            before = self._get(db, memory_id)
            db.execute("DELETE FROM memories WHERE id = ?", (memory_id,))
            self._history(db, before.agent, "DELETE", memory_id, before.text, None, method, before)
        self._notify("DELETE", before)
        return before

    def forget_all(self, agent: str) -> int:
        with self.transaction() as db:
            count = db.execute("DELETE FROM memories WHERE agent = ?", (agent,)).rowcount
            db.execute(
                "INSERT INTO history (agent, op, memory_id, before, after, method, ts) VALUES (?, 'DELETE', NULL, ?, NULL, 'user', ?)",
                (agent, f"all {count} memories", time.time()),
            )
        self.bulk_changes += 1
        return count

    def touch(self, memory_ids: Sequence[str], when: float) -> None:
        """Mark memories as just read: recency decays from the last retrieval (Park et al.)."""
        if memory_ids:
            with self.transaction() as db:
                db.executemany("UPDATE memories SET accessed = ? WHERE id = ?", [(when, i) for i in memory_ids])

    def rename_agent(self, old: str, new: str) -> int:
        """Move a renamed agent's memory to its new name; refuses to merge into existing memories."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM memories WHERE agent = ? LIMIT 1", (new,)).fetchone():
                raise ValueError(f"{new!r} already has memories; forget or export them first")
            count = db.execute("UPDATE memories SET agent = ? WHERE agent = ?", (new, old)).rowcount
            for table in ("entities", "relations", "history", "agent_state"):
                db.execute(f"UPDATE {table} SET agent = ? WHERE agent = ?", (new, old))
        self.bulk_changes += 1
        return count

    def reset_write_count(self, agent: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE agent_state SET writes_since_reflection = 0 WHERE agent = ?", (agent,))

    def _notify(self, op: str, memory: Memory) -> None:
        for listener in self.listeners:
            listener(op, memory)

    @staticmethod
    def _count_write(db: sqlite3.Connection, agent: str) -> None:
        db.execute(
            "INSERT INTO agent_state (agent, writes_since_reflection) VALUES (?, 1) ON CONFLICT(agent)"
            " DO UPDATE SET writes_since_reflection = writes_since_reflection + 1",
            (agent,),
        )

    @staticmethod
    def _history(
        db: sqlite3.Connection,
        agent: str,
        op: str,
        memory_id: str,
        before: str | None,
        after: str | None,
        method: str,
        memory: Memory,
    ) -> None:
        db.execute(
            "INSERT INTO history (agent, op, memory_id, before, after, method, ts, source_session, source_message)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (agent, op, memory_id, before, after, method, time.time(), memory.source_session, memory.source_message),
        )

    # --- reads -------------------------------------------------------------------------------
    @staticmethod
    def _get(db: sqlite3.Connection, memory_id: str) -> Memory:
        row = db.execute(f"SELECT {COLUMNS} FROM memories WHERE id = ?", (memory_id,)).fetchone()
        if row is None:
            raise KeyError(memory_id)
        return from_row(row)

    def get(self, memory_id: str) -> Memory:
        with self._guard():
            return self._get(self._db, memory_id)

    def find(self, agent: str, prefix: str) -> Memory:
        """A memory by its id or an unambiguous prefix of it (as the CLI shows them)."""
        with self._guard():
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM memories WHERE agent = ? AND id LIKE ? LIMIT 2",
                (agent, prefix.replace("%", "") + "%"),
            ).fetchall()
        if len(rows) != 1:
            raise KeyError(f"{'no' if not rows else 'more than one'} memory of {agent} matches {prefix!r}")
        return from_row(rows[0])

    def memories(self, agent: str, kind: str | None = None, limit: int | None = None) -> list[Memory]:
        """An agent's memories, oldest first."""
        sql = f"SELECT {COLUMNS} FROM memories WHERE agent = ?" + (" AND kind = ?" if kind else "")
        params: tuple = (agent, kind) if kind else (agent,)
        sql += " ORDER BY created, rowid" + (f" LIMIT {int(limit)}" if limit else "")
        with self._guard():
            return [from_row(row) for row in self._db.execute(sql, params).fetchall()]

    def newest(self, agent: str, limit: int) -> list[Memory]:
        """An agent's ``limit`` most recent memories, newest first."""
        sql = f"SELECT {COLUMNS} FROM memories WHERE agent = ? ORDER BY created DESC, rowid DESC LIMIT ?"
        with self._guard():
            return [from_row(row) for row in self._db.execute(sql, (agent, int(limit))).fetchall()]

    def count(self, agent: str) -> int:
        return self._read(
            lambda db: db.execute("SELECT COUNT(*) FROM memories WHERE agent = ?", (agent,)).fetchone()[0]
        )

    def agents(self) -> list[str]:
        return self._read(lambda db: [r[0] for r in db.execute("SELECT DISTINCT agent FROM memories ORDER BY agent")])

    def writes_since_reflection(self, agent: str) -> int:
        row = self._read(
            lambda db: db.execute(
                "SELECT writes_since_reflection FROM agent_state WHERE agent = ?", (agent,)
            ).fetchone()
        )
        return int(row[0]) if row else 0

    def history(self, agent: str, limit: int = 1000) -> list[dict]:
        sql = (
            "SELECT seq, op, memory_id, before, after, method, ts, source_session, source_message FROM history"
            " WHERE agent = ? ORDER BY seq DESC LIMIT ?"
        )
        keys = ("seq", "op", "memory_id", "before", "after", "method", "ts", "source_session", "source_message")
        rows = self._read(lambda db: db.execute(sql, (agent, limit)).fetchall())
        return [dict(zip(keys, row)) for row in reversed(rows)]

    def graph_rows(self, agent: str) -> tuple[list[tuple[str, str]], list[tuple[str, str, str, str]]]:
        """(memory id, entity) mentions and (memory id, head, relation, tail) rows of one agent."""
        with self._guard():
            mentions = self._db.execute("SELECT memory_id, entity FROM entities WHERE agent = ?", (agent,)).fetchall()
            relations = self._db.execute(
                "SELECT memory_id, head, relation, tail FROM relations WHERE agent = ?", (agent,)
            ).fetchall()
        return mentions, relations

    def data_version(self) -> tuple[int, int]:
        """Changes whenever another connection commits, or this one made a bulk change: the
        read caches reload on a change."""
        version = self._read(lambda db: db.execute("PRAGMA data_version").fetchone()[0])
        return int(version), self.bulk_changes
