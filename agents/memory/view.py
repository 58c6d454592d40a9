"""What the Memory panel asks of the store, answered in one call that may block (a locked or slow
file) and so runs off the GUI thread: the edits queued since the last call, then the view.

:class:`InspectorSession` owns the panel's connection and its read caches; one worker uses it
at a time. A store that cannot be opened or read is a :class:`StoreFailure` in words a person
can act on, never an exception in the window; the file is never touched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from agents.memory.graph import MemoryGraph
from agents.memory.inspector import DrawnGraph, ReflectionNode, diffs, entity_memories, layout, reflection_trees
from agents.memory.read import OwnerIndex, score
from agents.memory.records import MEMORY_KINDS, Memory, MemoryConfig
from agents.memory.store import STORE_TIMEOUT_S, MemoryStore, MemoryStoreError, default_path

Page = Literal["memories", "history", "reflections", "graph"]
Change = Callable[[MemoryStore], object]  # an edit: store.delete(...), store.update(...), store.add(...)
LIST_LIMIT = 500  # the newest shown; search and the entity filter reach the rest
SEARCH_LIMIT = 200


@dataclass(frozen=True)
class ViewRequest:
    agent: str
    search: str = ""
    kind: str = ""  # one of MEMORY_KINDS, or "" for all
    entity: str | None = None
    page: Page = "memories"  # only the page in view is built (a large graph is not free)


@dataclass
class PanelView:
    request: ViewRequest
    memories: list[Memory]
    total: int  # the agent's memories in the store
    owners: list[str]  # every memory owner the store knows
    history: list[dict] | None = None
    reflections: list[ReflectionNode] | None = None
    graph: DrawnGraph | None = None
    problems: list[str] = field(default_factory=list)  # edits that could not be made


@dataclass(frozen=True)
class StoreFailure:
    message: str  # what happened and what to do, for a person
    problem: str  # the StoreProblem


def explain(exc: MemoryStoreError, timeout_s: float) -> str:
    """A store problem in words a person can act on; the file is always left as it was."""
    where = str(exc.path)
    if exc.problem == "corrupt":
        return (
            f"The memory file {where} is damaged or is not a memory database. It was left untouched. "
            "Move it away (or choose another memory file) and memory starts afresh."
        )
    if exc.problem == "locked":
        return (
            f"The memory file {where} is locked by another program (waited {timeout_s:g} s). "
            "The window goes on; close the other program, then refresh."
        )
    if exc.problem == "newer_version":
        return str(exc)
    return f"The memory file {where} cannot be read: {exc}"


class InspectorSession:
    def __init__(self, path: str | Path | None = None, timeout_s: float = STORE_TIMEOUT_S):
        self.path = Path(path) if path is not None else default_path()
        self.timeout_s = timeout_s
        self.store: MemoryStore | None = None
        self._indexes: dict[str, OwnerIndex] = {}

    def answer(self, changes: Sequence[Change], request: ViewRequest | None) -> PanelView | StoreFailure | None:
        """Make ``changes`` in order, then build the view ``request`` asks for (None: no view)."""
        try:
            store = self._open()
            problems = []
            for change in changes:
                try:
                    change(store)
                except KeyError as exc:  # the memory was forgotten meanwhile (another run, another undo)
                    problems.append(f"memory {exc} is gone")
            return None if request is None else self._view(store, request, problems)
        except MemoryStoreError as exc:
            self.close()  # the next request opens the file again: the user may have fixed it
            return StoreFailure(explain(exc, self.timeout_s), exc.problem)

    def _open(self) -> MemoryStore:
        if self.store is None:
            self.store = MemoryStore(self.path, timeout_s=self.timeout_s)
        return self.store

    def _index(self, store: MemoryStore, agent: str) -> OwnerIndex:
        index = self._indexes.get(agent)
        if index is None:
            index = self._indexes[agent] = OwnerIndex(store, agent)
        return index.fresh()

    def _view(self, store: MemoryStore, request: ViewRequest, problems: list[str]) -> PanelView:
        agent = request.agent
        if request.entity:
            graph = MemoryGraph.build(*store.graph_rows(agent))
            memories = entity_memories(store, graph, agent, request.entity)
        elif request.search.strip():
            index = self._index(store, agent)
            with index.lock:
                ranked = score(index, request.search, time.time(), limit=SEARCH_LIMIT)
                memories = [index.memories[item.memory_id] for item in ranked]
        else:
            memories = store.newest(agent, LIST_LIMIT)
        if request.kind in MEMORY_KINDS:
            memories = [m for m in memories if m.kind == request.kind]
        view = PanelView(request, memories, store.count(agent), store.agents(), problems=problems)
        if request.page == "history":
            view.history = diffs(store, agent, limit=300)
        elif request.page == "reflections":
            view.reflections = reflection_trees(store, agent)
        elif request.page == "graph":
            view.graph = layout(MemoryGraph.build(*store.graph_rows(agent)))
        return view

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
        self.store, self._indexes = None, {}


def memory_owners(team: dict) -> list[str]:
    """The store keys of a session header's agents with memory on (a renamed agent's is its
    pinned key; a shared memory's is the team's)."""
    owners = []
    for agent in team.get("agents", []):
        settings = agent.get("memory") or {}
        if not settings.get("enabled"):
            continue
        try:
            owners.append(
                MemoryConfig.model_validate(settings).owner(str(agent.get("name", "")), str(team.get("name")))
            )
        except ValueError:  # a header from another version: its name is the best guess
            owners.append(str(agent.get("name", "")))
    return list(dict.fromkeys(owners))
