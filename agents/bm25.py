"""Okapi BM25 over an incremental inverted index: lexical relevance with no download.

One index serves memory's reads (``tokenize``: stopwords dropped, plurals folded) and the tools'
selection and file search (``words``: identifiers split into their words); any hashable key.

    index = BM25Index()
    index.add("m1", "The capital of Australia is Canberra")
    index.top("australia capital", k=3)   # [("m1", 0.86...)]

Each document has a *slot* (its insertion number; re-adding a key keeps its slot, removing it
leaves the slot dead), and :meth:`BM25Index.score_vector` scores every slot at once with numpy,
so a read over 10,000 documents stays in milliseconds however common the query's words are.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable

import numpy as np

_WORD = re.compile(r"[a-z0-9]+")
# The few words that match everything; BM25's idf already discounts the rest.
STOPWORDS = frozenset(
    "a an and are as at be but by for from had has have he her his i in is it its of on or our she so "
    "that the their them then there these they this to was we were what when which who will with you your"
    " s t d ll re ve m".split()  # the tails of "Zara's", "don't", "we'll" once split at the apostrophe
)


def tokenize(text: str) -> list[str]:
    """Lower-case words and numbers, stopwords dropped, a plural ``s`` folded ("facts" = "fact")."""
    words = []
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return words


_IDENTIFIER_WORD = re.compile(r"[A-Za-z0-9]+")


def words(text: str) -> list[str]:
    """Lower-case word tokens; snake_case and camelCase names split into their words (tool names)."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text).replace("_", " ")
    return [w.lower() for w in _IDENTIFIER_WORD.findall(spaced)]


class BM25Index:
    """Documents keyed by any hashable; ``add`` replaces a key's text, ``remove`` forgets it."""

    def __init__(self, k1: float = 1.5, b: float = 0.75, tokenizer: Callable[[str], list[str]] = tokenize):
        self.k1, self.b = k1, b
        self.tokenizer = tokenizer
        self.keys: list[Hashable] = []  # slot -> key (removed keys stay, marked dead)
        self._slots: dict[Hashable, int] = {}
        self._postings: dict[str, dict[int, int]] = {}  # term -> slot -> term frequency
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # a term's postings as numpy, built on use
        self._terms: dict[int, Counter[str]] = {}
        self._lengths = np.zeros(0, dtype=np.float64)
        self._total = 0

    def __len__(self) -> int:
        return len(self._terms)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._slots and self._slots[key] in self._terms

    def slot(self, key: Hashable) -> int:
        return self._slots[key]

    @property
    def slot_count(self) -> int:
        return len(self.keys)

    def add(self, key: Hashable, text: str) -> int:
        """Index ``text`` under ``key`` and return its slot."""
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = len(self.keys)
            self.keys.append(key)
            if slot >= self._lengths.size:
                self._lengths = np.concatenate([self._lengths, np.zeros(max(64, self._lengths.size), dtype=np.float64)])
        else:
            self._unindex(slot)
        counts = Counter(self.tokenizer(text))
        self._terms[slot] = counts
        self._lengths[slot] = length = sum(counts.values())
        self._total += length
        for term, tf in counts.items():
            self._postings.setdefault(term, {})[slot] = tf
            self._arrays.pop(term, None)
        return slot

    def add_many(self, items: Iterable[tuple[Hashable, str]]) -> None:
        for key, text in items:
            self.add(key, text)

    def remove(self, key: Hashable) -> None:
        slot = self._slots.get(key)
        if slot is not None:
            self._unindex(slot)

    def _unindex(self, slot: int) -> None:
        counts = self._terms.pop(slot, None)
        if counts is None:
            return
        self._total -= int(self._lengths[slot])
        self._lengths[slot] = 0
        for term in counts:
            posting = self._postings[term]
            del posting[slot]
            self._arrays.pop(term, None)
            if not posting:
                del self._postings[term]

    def idf(self, term: str) -> float:
        """Robertson–Spärck Jones idf, floored at zero by the +1 (Lucene's variant)."""
        n = len(self._postings.get(term, ()))
        return math.log(1.0 + (len(self._terms) - n + 0.5) / (n + 0.5))

    def _posting_arrays(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        arrays = self._arrays.get(term)
        if arrays is None:
            posting = self._postings[term]
            arrays = (
                np.fromiter(posting.keys(), dtype=np.int64, count=len(posting)),
                np.fromiter(posting.values(), dtype=np.float64, count=len(posting)),
            )
            self._arrays[term] = arrays
        return arrays

    def score_vector(self, query: str) -> np.ndarray:
        """BM25 of ``query`` for every slot (zero for dead slots and documents sharing no term)."""
        out = np.zeros(len(self.keys), dtype=np.float64)
        if not self._terms:
            return out
        avgdl = self._total / len(self._terms) or 1.0
        k1, b = self.k1, self.b
        norm = k1 * (1.0 - b + b * self._lengths[: len(self.keys)] / avgdl)
        for term in set(self.tokenizer(query)):
            if term not in self._postings:
                continue
            slots, tf = self._posting_arrays(term)
            out[slots] += self.idf(term) * tf * (k1 + 1.0) / (tf + norm[slots])
        return out

    def scores(self, query: str) -> dict[Hashable, float]:
        """BM25 of every document sharing a term with ``query`` (the rest score zero)."""
        vector = self.score_vector(query)
        return {self.keys[slot]: float(vector[slot]) for slot in np.flatnonzero(vector)}

    def top(self, query: str, k: int) -> list[tuple[Hashable, float]]:
        """The ``k`` best documents for ``query``, best first (ties: the earlier added first)."""
        if k <= 0:
            return []
        vector = self.score_vector(query)
        hits = np.flatnonzero(vector)
        if hits.size > k:
            hits = hits[np.argpartition(-vector[hits], k - 1)[:k]]
        ranked = sorted(hits.tolist(), key=lambda slot: (-vector[slot], slot))
        return [(self.keys[slot], float(vector[slot])) for slot in ranked]
