"""A reply may not copy a long run of tokens from an earlier turn of the transcript, or from itself.

A 270M base model in a team transcript copies a line it was shown instead of saying something
new: in a round-robin team the Editor wrote the Researcher's sentence again word for word (the
quality bench measured 29% of turns repeating an earlier one). The repetition penalty counts
single tokens, so it also punishes the "Answer:", the quotes and the digits a reply must repeat;
this rule looks at runs instead, as no-repeat-n-gram blocking and DRY do: the token that would
extend a copied run past ``longest`` tokens is never drawn.

A run never spans a *breaker* (a token whose text holds a newline, a colon, a quote or an
asterisk, DRY's defaults; a digit; or a character of code or markup: _ < > ( ) [ ] { } =), and a
breaker is never blocked. So a label and its value ("Answer: 42", "Winner: Negative"), a tool
call (in ``<tool>search_files("budget")</tool>`` Gemma's every other token is a breaker),
the lines of a list and every number start afresh each time, and only prose copied word for word
is cut. Digits break runs because a
restated sum is an exact answer: Gemma spells "17 + 25 = 42" in eleven tokens, and blocking the
ninth would make it "= 43". The generation loop (local_generate) feeds one
guard per row on both engines, llama.cpp and transformers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

BREAKER_CHARS = frozenset("\n:\"'*0123456789_<>()[]{}=")


class RepeatGuard:
    """The tokens that would make a reply's copied run longer than ``longest`` tokens.

    ``history`` holds the earlier turns as token ids; the reply itself is a source too, as it
    grows. For every place in a source where the reply's latest tokens match, the
    guard keeps the match's length (a suffix match, extended by one token per step): O(places
    where the latest token occurs) per token, not a scan of every source.
    """

    def __init__(self, longest: int, history: Sequence[Sequence[int]], is_breaker: Callable[[int], bool]):
        if longest < 1:
            raise ValueError("a repeat guard needs a run length of at least one token")
        self.longest = longest
        self._is_breaker = is_breaker
        self._sources: list[list[int]] = [list(ids) for ids in history] + [[]]  # the last one is the reply
        self._places: dict[int, list[tuple[int, int]]] = {}
        for s, ids in enumerate(self._sources[:-1]):
            for j, token in enumerate(ids):
                self._places.setdefault(token, []).append((s, j))
        self._runs: dict[tuple[int, int], int] = {}  # (source, index) -> matched run ending there

    def banned(self, reply: Sequence[int]) -> set[int]:
        """Tokens that may not come next after ``reply`` (the whole reply so far, growing by appends)."""
        own = self._sources[-1]
        for token in reply[len(own) :]:
            self._extend(token)
        banned: set[int] = set()
        for (s, j), run in self._runs.items():
            source = self._sources[s]
            if run >= self.longest and j + 1 < len(source) and not self._is_breaker(source[j + 1]):
                banned.add(source[j + 1])
        return banned

    def _extend(self, token: int) -> None:
        own = self._sources[-1]
        if self._is_breaker(token):
            self._runs = {}
        else:
            self._runs = {
                place: self._runs.get((place[0], place[1] - 1), 0) + 1 for place in self._places.get(token, ())
            }
        self._places.setdefault(token, []).append((len(self._sources) - 1, len(own)))
        own.append(token)


class BreakerTable:
    """Which token ids are breakers, read off the tokenizer once per id (a memo, not a vocabulary scan:
    the 262k-token vocabulary would take a second to decode)."""

    def __init__(self, tokenizer: Any):
        self._tokenizer = tokenizer
        self._known: dict[int, bool] = {}

    def __call__(self, token_id: int) -> bool:
        known = self._known.get(token_id)
        if known is None:
            text = self._tokenizer.decode([token_id])
            known = self._known[token_id] = any(ch in text for ch in BREAKER_CHARS)
        return known
