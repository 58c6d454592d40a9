"""Reading: which memories enter the prompt, scored as in Park et al.'s generative agents.

score = w_recency · recency + w_importance · importance + w_relevance · relevance + w_graph · graph

- recency: ``decay ** hours since the memory was last read (or written)``;
- importance: the 1–10 rating over 10;
- relevance: BM25 of the query against the memory (no download); with embeddings, the mean of
  BM25 and cosine similarity;
- graph: the personalised-PageRank mass of the entities the memory names, seeded with the
  query's entities (HippoRAG), so "Canberra" is found from a question about Australia's capital
  city when an earlier memory linked the two.

Every component lies in [0, 1]. Park et al. min-max normalise each over the candidates; here
recency and importance are used as they are (already in [0, 1]) and BM25 and cosine are divided
by their maximum, because min-max turns near-equal values into 0 and 1 (two memories written a
second apart would get recency 0 and 1), which ranks on noise. Candidates are the memories with
any relevance or graph score: a memory sharing nothing with the query never enters the prompt
on recency alone.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from agents.bm25 import BM25Index
from agents.memory.events import RetrievedMemory
from agents.memory.graph import MemoryGraph, extract
from agents.memory.prompting import estimate_tokens
from agents.memory.records import Memory, clip_text
from agents.memory.store import MemoryStore

SECTION_TITLE = "Memories (what you recall from earlier work; check them against the task)"


@dataclass(frozen=True)
class Weights:
    recency: float = 1.0
    importance: float = 1.0
    relevance: float = 1.0
    graph: float = 0.5
    decay_per_hour: float = 0.995  # Park et al.'s value


DEFAULT_WEIGHTS = Weights()


@dataclass
class Retrieval:
    items: list[RetrievedMemory] = field(default_factory=list)
    section: str = ""
    tokens: int = 0
    dropped_for_budget: int = 0
    considered: int = 0


def _by_max(values: np.ndarray) -> np.ndarray:
    high = float(values.max()) if values.size else 0.0
    return values / high if high > 0 else np.zeros_like(values)


class OwnerIndex:
    """One owner's memories held for fast reads: BM25, the score arrays and the graph.

    The arrays are indexed by the BM25 slot of each memory. The index follows this process's
    writes as they happen (the store tells it) and reloads when another connection committed
    (SQLite's ``data_version`` changed)."""

    def __init__(self, store: MemoryStore, owner: str):
        self.store, self.owner = store, owner
        # Reads may run on a worker thread while this process's writes arrive on the loop.
        self.lock = threading.RLock()
        store.listeners.append(self.on_change)
        self.load()

    def load(self) -> None:
        self.version = self.store.data_version()
        memories = self.store.memories(self.owner)
        self.memories: dict[str, Memory] = {m.id: m for m in memories}
        self.bm25 = BM25Index()
        self.bm25.add_many((m.id, m.text) for m in memories)
        self.importance = np.array([m.importance for m in memories], dtype=np.float64)
        self.touched = np.array([m.last_touched for m in memories], dtype=np.float64)
        self.alive = np.ones(len(memories), dtype=bool)
        self._set_graph()
        self._unit: np.ndarray | None = None

    def _set_graph(self) -> None:
        self.graph = MemoryGraph.build(*self.store.graph_rows(self.owner))
        self._graph_stale = False
        self._entity_slots: dict[str, np.ndarray] = {}

    def entity_slots(self, entity: str) -> np.ndarray:
        """The slots of the live memories naming ``entity`` (cached until the graph changes)."""
        slots = self._entity_slots.get(entity)
        if slots is None:
            ids = [i for i in self.graph.memories_of.get(entity, ()) if i in self.memories]
            slots = self._entity_slots[entity] = np.array([self.bm25.slot(i) for i in ids], dtype=np.int64)
        return slots

    def fresh(self) -> OwnerIndex:
        if self.store.data_version() != self.version:
            self.load()
        if self._graph_stale:
            self._set_graph()
        return self

    def on_change(self, op: str, memory: Memory) -> None:
        if memory.agent == self.owner:
            with self.lock:
                self._follow(op, memory)

    def _follow(self, op: str, memory: Memory) -> None:
        self._unit = None
        if op == "DELETE":
            self.memories.pop(memory.id, None)
            if memory.id in self.bm25:
                self.alive[self.bm25.slot(memory.id)] = False
                self.bm25.remove(memory.id)
            self._graph_stale = True
            return
        known = memory.id in self.memories
        self.memories[memory.id] = memory
        slot = self.bm25.add(memory.id, memory.text)
        if slot >= self.importance.size:
            grow = max(64, self.importance.size)
            self.importance = np.concatenate([self.importance, np.zeros(grow)])
            self.touched = np.concatenate([self.touched, np.zeros(grow)])
            self.alive = np.concatenate([self.alive, np.zeros(grow, dtype=bool)])
        self.importance[slot], self.touched[slot], self.alive[slot] = memory.importance, memory.last_touched, True
        if known:
            self._graph_stale = True
            return
        entities, relations = extract(memory.text)
        for entity in entities:
            self.graph.add_mention(memory.id, entity)
            self._entity_slots.pop(entity, None)
        for relation in relations:
            self.graph.add_relation(relation.head, relation.relation, relation.tail, memory.id)

    def unit_embeddings(self, dim: int) -> np.ndarray:
        """(slots, dim) unit vectors, zero rows for memories without a ``dim``-sized embedding;
        cached until a memory changes."""
        if self._unit is None or self._unit.shape[1] != dim:
            matrix = np.zeros((self.bm25.slot_count, dim), dtype=np.float32)
            for memory_id, memory in self.memories.items():
                if memory.embedding is not None and len(memory.embedding) == dim:
                    v = np.asarray(memory.embedding, dtype=np.float32)
                    matrix[self.bm25.slot(memory_id)] = v / (np.linalg.norm(v) or 1.0)
            self._unit = matrix
        return self._unit

    def mark_read(self, memory_ids: Sequence[str], when: float) -> None:
        for memory_id in memory_ids:
            self.touched[self.bm25.slot(memory_id)] = when


def score(
    index: OwnerIndex,
    query: str,
    now: float,
    weights: Weights = DEFAULT_WEIGHTS,
    use_graph: bool = True,
    query_embedding: Sequence[float] | None = None,
    limit: int | None = None,
) -> list[RetrievedMemory]:
    """The candidate memories (all, or the best ``limit``) with their scores and components, best first."""
    n = index.bm25.slot_count
    relevance = _by_max(index.bm25.score_vector(query))
    if query_embedding is not None:
        relevance = 0.5 * relevance + 0.5 * _by_max(_cosines(index, query_embedding, n))
    graph = np.zeros(n)
    if use_graph and weights.graph > 0:
        for entity, value in index.graph.expand_entities(query).items():
            graph[index.entity_slots(entity)] += value
        graph = _by_max(graph)
    candidates = np.flatnonzero(((relevance > 0) | (graph > 0)) & index.alive[:n])
    if candidates.size == 0:
        return []
    hours = np.maximum(now - index.touched[candidates], 0.0) / 3600.0
    recency = np.power(weights.decay_per_hour, hours)
    importance = index.importance[candidates] / 10.0
    total = (
        weights.recency * recency
        + weights.importance * importance
        + weights.relevance * relevance[candidates]
        + weights.graph * graph[candidates]
    )
    if limit is not None and total.size > limit:
        top = np.argpartition(-total, limit - 1)[:limit] if limit > 0 else np.zeros(0, dtype=np.int64)
        order = top[np.lexsort((candidates[top], -total[top]))]  # ties: the earlier memory first
    else:
        order = np.argsort(-total, kind="stable")
    out = []
    for i in order:
        slot = int(candidates[i])
        memory = index.memories[str(index.bm25.keys[slot])]
        out.append(
            RetrievedMemory(
                memory_id=memory.id,
                text=memory.text,
                kind=memory.kind,
                score=round(float(total[i]), 6),
                recency=round(float(recency[i]), 6),
                importance=round(float(importance[i]), 6),
                relevance=round(float(relevance[slot]), 6),
                graph=round(float(graph[slot]), 6),
            )
        )
    return out


def _cosines(index: OwnerIndex, query: Sequence[float], n: int) -> np.ndarray:
    """Cosine of the query with every slot's embedding (0 where a memory has none)."""
    q = np.asarray(query, dtype=np.float32)
    q = q / (np.linalg.norm(q) or 1.0)
    matrix = index.unit_embeddings(q.size)
    out = np.zeros(n)
    out[: matrix.shape[0]] = np.maximum(matrix @ q, 0.0)
    return out


def retrieve(
    index: OwnerIndex,
    query: str,
    k: int,
    token_budget: int,
    now: float,
    weights: Weights = DEFAULT_WEIGHTS,
    use_graph: bool = True,
    touch: bool = True,
    query_embedding: Sequence[float] | None = None,
) -> Retrieval:
    """The best ``k`` memories that fit ``token_budget``, and the prompt section showing them."""
    with index.lock:
        return _retrieve(index, query, k, token_budget, now, weights, use_graph, touch, query_embedding)


def _retrieve(
    index: OwnerIndex,
    query: str,
    k: int,
    token_budget: int,
    now: float,
    weights: Weights,
    use_graph: bool,
    touch: bool,
    query_embedding: Sequence[float] | None,
) -> Retrieval:
    index.fresh()
    ranked = score(index, query, now, weights, use_graph, query_embedding, limit=k) if k > 0 else []
    kept: list[RetrievedMemory] = []
    lines: list[str] = []
    used = estimate_tokens(SECTION_TITLE) + 1
    for item in ranked:
        line = f"- [{item.kind}] {item.text}"
        cost = estimate_tokens(line) + 1
        if used + cost > token_budget:
            room = (token_budget - used - 1) * 4
            if kept or room < 80:
                continue  # a later, shorter memory may still fit
            line = clip_text(line, room)  # a huge first memory is cut, not skipped
            cost = estimate_tokens(line) + 1
        kept.append(item)
        lines.append(line)
        used += cost
    retrieval = Retrieval(items=kept, considered=len(index.memories), dropped_for_budget=len(ranked) - len(kept))
    if kept:
        retrieval.section = "\n".join([SECTION_TITLE + ":", *lines])
        retrieval.tokens = estimate_tokens(retrieval.section)
        if touch:
            ids = [item.memory_id for item in kept]
            index.store.touch(ids, now)
            index.mark_read(ids, now)
    return retrieval
