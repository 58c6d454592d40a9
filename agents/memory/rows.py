"""A memory as a row of the ``memories`` table, and back (the embedding as float32 bytes)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from agents.memory.records import Memory

COLUMNS = "id, agent, text, kind, importance, tags, links, created, accessed, source_session, source_message, embedding"


def to_row(memory: Memory) -> tuple:
    blob = None if memory.embedding is None else np.asarray(memory.embedding, dtype=np.float32).tobytes()
    return (
        memory.id,
        memory.agent,
        memory.text,
        memory.kind,
        memory.importance,
        json.dumps(list(memory.tags)),
        json.dumps(list(memory.links)),
        memory.created,
        memory.accessed,
        memory.source_session,
        memory.source_message,
        blob,
    )


def from_row(row: Sequence) -> Memory:
    embedding = None if row[11] is None else tuple(float(x) for x in np.frombuffer(row[11], dtype=np.float32))
    return Memory(
        id=row[0],
        agent=row[1],
        text=row[2],
        kind=row[3],
        importance=row[4],
        tags=tuple(json.loads(row[5])),
        links=tuple(json.loads(row[6])),
        created=row[7],
        accessed=row[8],
        source_session=row[9],
        source_message=row[10],
        embedding=embedding,
    )
