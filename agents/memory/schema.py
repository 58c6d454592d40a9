"""The memory store's schema, version by version: ``MIGRATIONS[n]`` takes a version-n file to
version n + 1, and SQLite's ``user_version`` says where a file stands."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from agents.memory.graph import extract

SCHEMA_VERSION = 2


def _v1(db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE memories (id TEXT PRIMARY KEY, agent TEXT NOT NULL, text TEXT NOT NULL, kind TEXT NOT NULL,"
        " importance REAL NOT NULL, tags TEXT NOT NULL DEFAULT '[]', links TEXT NOT NULL DEFAULT '[]',"
        " created REAL NOT NULL, accessed REAL, source_session TEXT, source_message TEXT, embedding BLOB)"
    )
    db.execute("CREATE INDEX memories_agent ON memories(agent, created)")


def _v2(db: sqlite3.Connection) -> None:
    """The knowledge graph, the write history and per-agent counters; existing memories get
    their entities extracted here, so an old store has a graph after the upgrade."""
    db.execute(
        "CREATE TABLE entities (memory_id TEXT NOT NULL REFERENCES memories(id) ON DELETE CASCADE,"
        " agent TEXT NOT NULL, entity TEXT NOT NULL, PRIMARY KEY (memory_id, entity))"
    )
    db.execute("CREATE INDEX entities_agent ON entities(agent, entity)")
    db.execute(
        "CREATE TABLE relations (memory_id TEXT NOT NULL REFERENCES memories(id) ON DELETE CASCADE,"
        " agent TEXT NOT NULL, head TEXT NOT NULL, relation TEXT NOT NULL, tail TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX relations_agent ON relations(agent)")
    db.execute(
        "CREATE TABLE history (seq INTEGER PRIMARY KEY AUTOINCREMENT, agent TEXT NOT NULL, op TEXT NOT NULL,"
        " memory_id TEXT, before TEXT, after TEXT, method TEXT NOT NULL, ts REAL NOT NULL,"
        " source_session TEXT, source_message TEXT)"
    )
    db.execute("CREATE INDEX history_agent ON history(agent, seq)")
    db.execute("CREATE TABLE agent_state (agent TEXT PRIMARY KEY, writes_since_reflection INTEGER NOT NULL DEFAULT 0)")
    for memory_id, agent, text in db.execute("SELECT id, agent, text FROM memories").fetchall():
        index_graph(db, memory_id, agent, text)


# MIGRATIONS[n] takes a version-n file to version n + 1.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _v1, 1: _v2}


def index_graph(db: sqlite3.Connection, memory_id: str, agent: str, text: str) -> None:
    db.execute("DELETE FROM entities WHERE memory_id = ?", (memory_id,))
    db.execute("DELETE FROM relations WHERE memory_id = ?", (memory_id,))
    entities, relations = extract(text)
    db.executemany("INSERT INTO entities VALUES (?, ?, ?)", [(memory_id, agent, e) for e in entities])
    db.executemany(
        "INSERT INTO relations VALUES (?, ?, ?, ?, ?)",
        [(memory_id, agent, r.head, r.relation, r.tail) for r in relations],
    )


def migrate_from(db: sqlite3.Connection, version: int) -> None:
    """Run every step from ``version`` to the current one (inside the caller's transaction)."""
    for step in range(version, SCHEMA_VERSION):
        MIGRATIONS[step](db)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
