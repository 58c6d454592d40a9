"""Okapi BM25 over an incremental inverted index: lexical relevance with no download.

A small public module on purpose: the tools' selection and file search need the same ranking,
and both can share this one index (any hashable key, any tokenizer).

    index = BM25Index()
    index.add("m1", "The capital of Australia is Canberra")
    index.top("australia capital", k=3)   # [("m1", 0.86...)]
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable

_WORD = re.compile(r"[a-z0-9]+")
# The few words that match everything; BM25's idf already discounts the rest.
STOPWORDS = frozenset(
    "a an and are as at be but by for from had has have he her his i in is it its of on or our she so "
    "that the their them then there these they this to was we were what when which who will with you your".split()
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


class BM25Index:
    """Documents keyed by any hashable; ``add`` replaces a key's text, ``remove`` forgets it."""

    def __init__(self, k1: float = 1.5, b: float = 0.75, tokenizer: Callable[[str], list[str]] = tokenize):
        self.k1, self.b = k1, b
        self.tokenizer = tokenizer
        self._postings: dict[str, dict[Hashable, int]] = {}
        self._terms: dict[Hashable, Counter[str]] = {}
        self._lengths: dict[Hashable, int] = {}
        self._total = 0

    def __len__(self) -> int:
        return len(self._terms)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._terms

    def add(self, key: Hashable, text: str) -> None:
        if key in self._terms:
            self.remove(key)
        counts = Counter(self.tokenizer(text))
        self._terms[key] = counts
        self._lengths[key] = length = sum(counts.values())
        self._total += length
        for term, tf in counts.items():
            self._postings.setdefault(term, {})[key] = tf

    def add_many(self, items: Iterable[tuple[Hashable, str]]) -> None:
        for key, text in items:
            self.add(key, text)

    def remove(self, key: Hashable) -> None:
        counts = self._terms.pop(key, None)
        if counts is None:
            return
        self._total -= self._lengths.pop(key)
        for term in counts:
            posting = self._postings[term]
            del posting[key]
            if not posting:
                del self._postings[term]

    def idf(self, term: str) -> float:
        """Robertson–Spärck Jones idf, floored at zero by the +1 (Lucene's variant)."""
        n = len(self._postings.get(term, ()))
        return math.log(1.0 + (len(self._terms) - n + 0.5) / (n + 0.5))

    def scores(self, query: str) -> dict[Hashable, float]:
        """BM25 of every document sharing a term with ``query`` (the rest score zero)."""
        if not self._terms:
            return {}
        avgdl = self._total / len(self._terms) or 1.0
        k1, b = self.k1, self.b
        out: dict[Hashable, float] = {}
        for term in set(self.tokenizer(query)):
            posting = self._postings.get(term)
            if not posting:
                continue
            idf = self.idf(term)
            lengths = self._lengths
            for key, tf in posting.items():
                norm = k1 * (1.0 - b + b * lengths[key] / avgdl)
                out[key] = out.get(key, 0.0) + idf * tf * (k1 + 1.0) / (tf + norm)
        return out

    def top(self, query: str, k: int) -> list[tuple[Hashable, float]]:
        """The ``k`` best documents for ``query``, best first (ties by key order of insertion)."""
        ranked = sorted(self.scores(query).items(), key=lambda item: -item[1])
        return ranked[:k]
