"""The memory's typed events: every read, write, reflection and store failure is one of these.

They join the session log like every other event (frozen, serialisable, a ``type`` field), so
replay shows what was read and written without touching the live store.
"""

from __future__ import annotations

from typing import Literal

from agents.events import EventBase, Record

# Depends on nothing but agents.events, so the section can move into that module's union
# as it is (agents.events may not import agents.memory: the layers contract).
MemoryKind = Literal["observation", "fact", "reflection", "workflow"]
MemoryOp = Literal["ADD", "UPDATE", "DELETE", "NOOP"]
# How an operation was decided: the model's proposal, the rule-based fallback, the
# store-every-turn policy, a person (CLI, Memory panel), or a reflection.
WriteMethod = Literal["model", "rules", "every_turn", "user", "reflection", "workflow"]
StoreProblem = Literal["corrupt", "locked", "newer_version", "io"]


class RetrievedMemory(Record):
    memory_id: str
    text: str
    kind: MemoryKind
    score: float
    recency: float
    importance: float
    relevance: float
    graph: float = 0.0  # the knowledge-graph expansion's share (personalised PageRank)


class MemoryRead(EventBase):
    """What one read put in front of the agent, with every component of every score."""

    type: Literal["memory_read"] = "memory_read"
    agent: str
    owner: str  # the store key: the agent, or "team:NAME" for shared memory
    message_id: str | None = None  # the turn it was read for
    query: str
    items: tuple[RetrievedMemory, ...]
    tokens: int  # of the prompt section
    dropped_for_budget: int = 0
    considered: int = 0  # memories the owner had when the read ran


class MemoryWritten(EventBase):
    """One operation on the store, as a diff: ``before`` and ``after`` texts."""

    type: Literal["memory_write"] = "memory_write"
    agent: str
    owner: str
    op: MemoryOp
    memory_id: str | None
    kind: MemoryKind = "observation"
    before: str | None = None
    after: str | None = None
    importance: float | None = None
    method: WriteMethod
    source_session: str | None = None
    source_message: str | None = None
    reason: str = ""


class MemoryWriteUnreadable(EventBase):
    """A model's write (or reflection) output that could not be read; never a silent loss."""

    type: Literal["memory_write_unreadable"] = "memory_write_unreadable"
    agent: str
    step: Literal["write", "reflect"] = "write"
    raw_output: str
    reason: str
    fallback: bool  # whether the rule-based fallback ran instead


class MemoryReflected(EventBase):
    """An insight stored as a ``reflection`` (or a ``workflow``) memory, with what it cites."""

    type: Literal["memory_reflected"] = "memory_reflected"
    agent: str
    owner: str
    memory_id: str
    kind: MemoryKind = "reflection"
    text: str
    cites: tuple[str, ...]
    method: Literal["model", "rules"]
    trigger: Literal["every_n", "session_end", "workflow", "manual"] = "every_n"


class MemoryUnavailable(EventBase):
    """The store could not be used (corrupt, locked, from a newer version): the run goes on
    without memory or stops, as the settings say; the file is left as it was."""

    type: Literal["memory_unavailable"] = "memory_unavailable"
    agent: str
    problem: StoreProblem
    message: str
    path: str
    action: Literal["continue", "stop"] = "continue"


MEMORY_EVENTS = (MemoryRead, MemoryWritten, MemoryWriteUnreadable, MemoryReflected, MemoryUnavailable)
