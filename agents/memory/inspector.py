"""What the Memory panel shows, as plain data: reflections as trees over what they cite, the
knowledge graph laid out for drawing, an entity's memories, and diffs from the write history.

No Qt here: the panel only draws these. The layout is a short Fruchterman–Reingold in numpy
(networkx's own layouts need scipy, which the lab does not ship); it is seeded, so the same
graph is drawn the same way every time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from agents.memory.graph import MemoryGraph
from agents.memory.records import Memory
from agents.memory.store import MemoryStore


@dataclass
class ReflectionNode:
    memory: Memory
    cites: list[ReflectionNode] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # cited ids forgotten since


def reflection_trees(store: MemoryStore, agent: str) -> list[ReflectionNode]:
    """Every reflection (and workflow) with the memories it cites, recursively (a reflection
    may cite another reflection); cycles are cut."""
    memories = {m.id: m for m in store.memories(agent)}

    def node(memory: Memory, seen: frozenset[str]) -> ReflectionNode:
        out = ReflectionNode(memory)
        for cited in memory.links:
            if cited not in memories:
                out.missing.append(cited)
            elif cited not in seen:
                out.cites.append(node(memories[cited], seen | {cited}))
        return out

    return [node(m, frozenset({m.id})) for m in memories.values() if m.kind in ("reflection", "workflow")]


@dataclass(frozen=True)
class DrawnGraph:
    nodes: list[str]  # entity names
    positions: np.ndarray  # (n, 2) float32 in [-1, 1]
    sizes: list[int]  # how many memories name each entity
    edges: list[tuple[int, int, str, float]]  # (from, to, labels, weight)


def layout(graph: MemoryGraph, max_nodes: int = 80, seed: int = 0, iterations: int = 120) -> DrawnGraph:
    """The ``max_nodes`` most-mentioned entities and the relations among them, laid out."""
    ranked = sorted(graph.graph.nodes, key=lambda e: (-len(graph.memories_of.get(e, ())), e))[:max_nodes]
    index = {name: i for i, name in enumerate(ranked)}
    edges = [
        (index[a], index[b], ", ".join(sorted(d["labels"]))[:60], float(d["weight"]))
        for a, b, d in graph.graph.edges(data=True)
        if a in index and b in index
    ]
    n = len(ranked)
    pos = np.random.default_rng(seed).uniform(-1, 1, size=(n, 2))
    if n > 1:
        pos = _spring(pos, edges, iterations)
    return DrawnGraph(ranked, pos.astype(np.float32), [len(graph.memories_of.get(e, ())) for e in ranked], edges)


def _spring(pos: np.ndarray, edges: list[tuple[int, int, str, float]], iterations: int) -> np.ndarray:
    """Fruchterman–Reingold with a pull to the centre, so separate clusters stay on screen."""
    n = len(pos)
    k = 1.2 / np.sqrt(n)
    temperature = 0.2
    pairs = np.array([(a, b) for a, b, _, _ in edges], dtype=np.int64).reshape(-1, 2)
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        distance = np.maximum(np.linalg.norm(delta, axis=-1), 1e-3)
        force = (delta / distance[..., None] * (k * k / distance)[..., None]).sum(axis=1)  # repulsion
        if len(pairs):
            d = pos[pairs[:, 0]] - pos[pairs[:, 1]]
            length = np.maximum(np.linalg.norm(d, axis=-1, keepdims=True), 1e-3)
            pull = d / length * (length * length / k)
            np.add.at(force, pairs[:, 0], -pull)
            np.add.at(force, pairs[:, 1], pull)
        force -= 0.5 * pos * np.linalg.norm(pos, axis=-1, keepdims=True) / k  # gravity
        step = np.linalg.norm(force, axis=-1, keepdims=True)
        pos = pos + force / np.maximum(step, 1e-9) * np.minimum(step, temperature)
        temperature = max(temperature * 0.97, 0.005)
    pos = pos - pos.mean(axis=0)
    return pos / max(float(np.abs(pos).max()), 1e-9)


def entity_memories(store: MemoryStore, graph: MemoryGraph, agent: str, entity: str) -> list[Memory]:
    """The memories naming ``entity``, oldest first."""
    ids = graph.entity_memories(entity)
    return [m for m in store.memories(agent) if m.id in ids]


def diffs(store: MemoryStore, agent: str, limit: int = 500) -> list[dict]:
    """The write history, newest first, each row with ``op``, ``before``, ``after``, ``method``,
    ``ts`` and the source session and message it came from."""
    return list(reversed(store.history(agent, limit)))
