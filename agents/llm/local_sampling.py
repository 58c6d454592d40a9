"""Next-token sampling for the local provider, in numpy, over one row of logits.

Measured on two CPU cores over Gemma 3's 262,144-token vocabulary (tests/bench/bench_spine.py):
``torch.multinomial`` took 14 ms per token with one intra-op thread and 48 ms with two (its
threads then fought llama.cpp's for the cores), against 41 ms for the whole llama.cpp decode
step. That halved the embedded model's tokens/s. An inverse-CDF draw in numpy is one exp,
block sums and two short binary searches: about 1 ms, single-threaded, and it reads
llama.cpp's logits buffer in place, without a copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# numpy loads numpy.random lazily: at the first draw its C extensions would be loaded while
# libtorch may be loading beside generation, waiting for the dynamic linker with the GIL held
# (a 250-450 ms stall of the window, measured).
import numpy as np
import numpy.random

from agents.llm.local_repeats import RepeatGuard

BLOCK = 1024  # the draw sums weights per block, then searches one block: no 262k-long running sum
# Nucleus sampling sorts only the most probable tokens when they already hold top_p of the
# mass (a full argsort of 262k floats costs ~20 ms; a partition ~3 ms).
NUCLEUS_CANDIDATES = 1024


class Sampler:
    """One row's sampling rule and random state: greedy at temperature 0, else seeded draws.

    ``guard`` (local_repeats) names tokens that may not come next: they are never drawn.
    """

    def __init__(
        self,
        temperature: float,
        top_p: float,
        repetition_penalty: float,
        seed: int | None,
        guard: RepeatGuard | None = None,
    ):
        self.temperature, self.top_p, self.penalty = temperature, top_p, repetition_penalty
        self._rng = np.random.default_rng(seed)
        self.guard = guard

    def __call__(self, logits: Any, previous: Sequence[int]) -> int:
        """The next token id for ``logits`` (a float array of the vocabulary; never modified)."""
        scores = np.asarray(logits, dtype=np.float32)
        if self.penalty != 1.0 and previous:
            scores = penalise(scores, previous, self.penalty)
        banned = self.guard.banned(previous) if self.guard is not None else set()
        if banned:
            scores = scores.copy()  # the caller's logits (llama.cpp's own buffer) stay as they were
            scores[np.fromiter(banned, dtype=np.int64)] = -np.inf
        if self.temperature <= 0.0:
            return int(np.argmax(scores))
        weights = scores - scores.max()  # a new array: the caller's logits stay as they were
        weights *= np.float32(1.0 / self.temperature)
        np.exp(weights, out=weights)
        if self.top_p < 1.0:
            return self._nucleus(weights)
        return draw(weights, self._rng.random())

    def _nucleus(self, weights: np.ndarray) -> int:
        """Draw among the fewest most-probable tokens whose mass reaches top_p (as transformers does)."""
        target = self.top_p * float(weights.sum(dtype=np.float64))
        k = min(NUCLEUS_CANDIDATES, weights.size)
        top = np.argpartition(weights, weights.size - k)[weights.size - k :]
        while float(weights[top].sum(dtype=np.float64)) < target and k < weights.size:
            k = min(k * 16, weights.size)  # a flat distribution: widen the candidates
            top = np.argpartition(weights, weights.size - k)[weights.size - k :]
        order = top[np.argsort(weights[top], kind="stable")[::-1]]
        mass = np.cumsum(weights[order], dtype=np.float64)
        # Keep each token whose more probable predecessors hold less than top_p.
        keep = max(1, int(np.searchsorted(mass - weights[order], target, side="left")))
        return int(order[draw(weights[order[:keep]], self._rng.random())])


def draw(weights: np.ndarray, u: float) -> int:
    """The index where ``u`` in [0, 1) falls on the cumulative distribution of ``weights`` (>= 0).

    Block sums are float32 pairwise sums (relative error ~1e-6) accumulated in float64, so
    tail tokens keep their probability.
    """
    full = weights.size // BLOCK * BLOCK
    sums = weights[:full].reshape(-1, BLOCK).sum(axis=1).astype(np.float64)
    if full < weights.size:
        sums = np.append(sums, weights[full:].sum(dtype=np.float64))
    cumulative = np.cumsum(sums)
    target = u * cumulative[-1]
    block = min(int(np.searchsorted(cumulative, target, side="right")), sums.size - 1)
    fraction = (target - (cumulative[block - 1] if block else 0.0)) / sums[block]
    inside = np.cumsum(weights[block * BLOCK : (block + 1) * BLOCK], dtype=np.float64)
    return block * BLOCK + min(int(np.searchsorted(inside, fraction * inside[-1], side="right")), inside.size - 1)


def penalise(logits: np.ndarray, previous: Sequence[int], penalty: float) -> np.ndarray:
    """A copy with each earlier token's logit pushed towards less likely (CTRL's rule)."""
    out = logits.copy()
    ids = np.fromiter(set(previous), dtype=np.int64)
    chosen = out[ids]
    out[ids] = np.where(chosen > 0, chosen / penalty, chosen * penalty)
    return out
