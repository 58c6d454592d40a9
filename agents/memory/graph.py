"""The knowledge graph: entities and relations pulled from memories at write time, and reads
expanded from the query's entities by personalised PageRank (as HippoRAG does).

Extraction is rule-based on purpose: it runs on every write, must cost nothing, and a 270M base
model names entities less reliably than capitalisation does. The graph lives in networkx;
PageRank is a short power iteration here because networkx's own needs scipy, which the lab
does not ship.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_TOKEN = re.compile(r"\"[^\"]{2,60}\"|'[^']{2,60}'|[A-Za-z0-9][\w\-+]*")
# Capitalised words that start sentences rather than name things.
_NOT_NAMES = frozenset(
    "a an the this that these those it its we i you he she they our my your their in on at for to of if "
    "when after before then so but and or is are was be remember always never use note also however "
    "yes no ok first next finally because since while where what which who how there here".split()
    # imperatives and nouns that start steps and notes ("1. List the numbers.", "Workflow that ...")
    + "try list check add make find keep ask give take let see show write read move put start stop compare "
    "count pick choose avoid prefer questions question answer answers workflow insight lesson rule step steps "
    "task tasks result results".split()
)
_JOINERS = frozenset({"of", "de", "the"})  # "Game of 24"; not "and": "Alice and Bob" are two
MAX_RELATION_WORDS = 6
TOP_ENTITIES = 20


@dataclass(frozen=True)
class Relation:
    head: str
    relation: str
    tail: str


def normalise(name: str) -> str:
    return " ".join(name.lower().strip("\"'").split())


def _is_name(token: str, sentence_start: bool) -> bool:
    if token[0] in "\"'":
        return True
    if any(ch.isdigit() for ch in token) and len(token) >= 2:
        return True  # 24, A113, gpt-4: numbers and codes name things in these tasks
    if "_" in token or (token[0].islower() and any(ch.isupper() for ch in token[1:])):
        return True  # snake_case and camelCase identifiers
    if sentence_start and (len(token) < 3 or token.lower().endswith(("ing", "ly", "ed"))):
        return False  # "Checking twice pays off": a capital that only starts the sentence
    return token[0].isupper() and token.lower() not in _NOT_NAMES


def _sentence_entities(sentence: str) -> list[tuple[str, int, int]]:
    """Entities of one sentence as (name, first token, last token) spans, in order."""
    tokens = _TOKEN.findall(sentence)
    spans: list[tuple[str, int, int]] = []
    i = 0
    while i < len(tokens):
        if not _is_name(tokens[i], i == 0):
            i += 1
            continue
        j = i
        # "Game of 24", "Bank of England": a joiner between two names continues the name.
        while (
            j + 1 < len(tokens)
            and tokens[i][0] not in "\"'"
            and (
                _is_name(tokens[j + 1], False)
                or (tokens[j + 1].lower() in _JOINERS and j + 2 < len(tokens) and _is_name(tokens[j + 2], False))
            )
        ):
            j += 1
        name = " ".join(tokens[i : j + 1])
        spans.append((normalise(name), i, j))
        i = j + 1
    return [(n, a, b) for n, a, b in spans if n]


def extract(text: str) -> tuple[list[str], list[Relation]]:
    """The entities a text names, and a relation for each pair of entities in one sentence:
    the words between them when few ("is the capital of"), else "related to"; entities next to
    each other across sentences are "same note"."""
    entities: dict[str, None] = {}
    relations: list[Relation] = []
    for sentence in _SENTENCE.split(text):
        tokens = _TOKEN.findall(sentence)
        spans = _sentence_entities(sentence)
        for name, _, _ in spans:
            entities.setdefault(name)
        for (head, _, head_end), (tail, tail_start, _) in itertools.pairwise(spans):
            if head == tail:
                continue
            between = tokens[head_end + 1 : tail_start]
            label = " ".join(between).lower() if 0 < len(between) <= MAX_RELATION_WORDS else "related to"
            relations.append(Relation(head, label, tail))
    # Names in different sentences of one note are linked too, so PageRank can cross sentences.
    linked = {frozenset((r.head, r.tail)) for r in relations}
    names = list(entities)
    for head, tail in itertools.pairwise(names):
        if frozenset((head, tail)) not in linked:
            relations.append(Relation(head, "same note", tail))
    return names, relations


def personalised_pagerank(
    graph: nx.Graph, seeds: dict[str, float], alpha: float = 0.5, iterations: int = 20
) -> dict[str, float]:
    """PageRank restarting at ``seeds`` (HippoRAG's damping 0.5: stay near the query)."""
    total = sum(seeds.values())
    restart = {node: weight / total for node, weight in seeds.items()}
    # Plain lists once, not networkx views per step: a subgraph view filters on every access.
    adjacency: dict[str, list[tuple[str, float]]] = {}
    for node, neighbours in graph.adjacency():
        weights = [(other, data.get("weight", 1.0)) for other, data in neighbours.items()]
        degree = sum(w for _, w in weights) or 1.0
        adjacency[node] = [(other, w / degree) for other, w in weights]
    rank = dict(restart)
    for _ in range(iterations):
        spread: dict[str, float] = defaultdict(float)
        for node, value in rank.items():
            out = adjacency.get(node)
            if not out:
                spread[node] += alpha * value  # a dangling node keeps its share
                continue
            for other, share in out:
                spread[other] += alpha * value * share
        for node, weight in restart.items():
            spread[node] += (1.0 - alpha) * weight
        change = sum(abs(spread[node] - rank.get(node, 0.0)) for node in spread)
        rank = dict(spread)
        if change < 1e-6:
            break
    return rank


class MemoryGraph:
    """One owner's entities (nodes), relations (weighted edges) and which memories name which."""

    def __init__(self) -> None:
        self.graph = nx.Graph()
        self.memories_of: dict[str, set[str]] = defaultdict(set)
        self._by_first_word: dict[str, set[str]] = defaultdict(set)

    @classmethod
    def build(cls, mentions: Iterable[tuple[str, str]], relations: Iterable[tuple[str, str, str, str]]) -> MemoryGraph:
        """From (memory id, entity) mentions and (memory id, head, relation, tail) rows."""
        self = cls()
        for memory_id, entity in mentions:
            self.add_mention(memory_id, entity)
        for memory_id, head, label, tail in relations:
            self.add_relation(head, label, tail, memory_id)
        return self

    def add_mention(self, memory_id: str, entity: str) -> None:
        self.graph.add_node(entity)
        self.memories_of[entity].add(memory_id)
        self._by_first_word[entity.split(" ")[0]].add(entity)

    def add_relation(self, head: str, label: str, tail: str, memory_id: str) -> None:
        if self.graph.has_edge(head, tail):
            edge = self.graph[head][tail]
            edge["weight"] += 1.0
            edge["labels"].add(label)
            edge["memories"].add(memory_id)
        else:
            self.graph.add_edge(head, tail, weight=1.0, labels={label}, memories={memory_id})

    def query_entities(self, query: str) -> list[str]:
        """Known entities the query names, matched on whole words (lower-case queries too)."""
        text = " " + " ".join(re.findall(r"[\w\-+]+", query.lower())) + " "
        found = []
        for word in set(text.split()):
            for entity in self._by_first_word.get(word, ()):
                if f" {entity} " in text:
                    found.append(entity)
        return sorted(set(found))

    def expand_entities(self, query: str, radius: int = 2, max_nodes: int = 400) -> dict[str, float]:
        """Entity -> personalised PageRank from the query's entities, over the graph within
        ``radius`` hops (one hop when two would pass ``max_nodes``), keeping the
        ``TOP_ENTITIES`` best: a hub entity must not pull every memory into the read."""
        seeds = self.query_entities(query)
        if not seeds:
            return {}
        sub = self._around(seeds, radius)
        if sub.number_of_nodes() > max_nodes and radius > 1:
            sub = self._around(seeds, 1)
        rank = personalised_pagerank(sub, {seed: 1.0 for seed in seeds})
        best = sorted(rank.items(), key=lambda item: -item[1])[:TOP_ENTITIES]
        return dict(best)

    def expand(self, query: str) -> dict[str, float]:
        """Memory id -> graph score in [0, 1]: the PageRank mass of the entities it names."""
        scores: dict[str, float] = defaultdict(float)
        for entity, value in self.expand_entities(query).items():
            for memory_id in self.memories_of.get(entity, ()):
                scores[memory_id] += value
        top = max(scores.values(), default=0.0) or 1.0
        return {memory_id: value / top for memory_id, value in scores.items()}

    def _around(self, seeds: Sequence[str], radius: int) -> nx.Graph:
        nodes: set[str] = set()
        for seed in seeds:
            nodes.update(nx.single_source_shortest_path_length(self.graph, seed, cutoff=radius))
        return self.graph.subgraph(nodes)

    def entity_memories(self, entity: str) -> set[str]:
        return set(self.memories_of.get(normalise(entity), ()))
