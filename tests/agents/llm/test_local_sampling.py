"""The local provider's numpy sampler: the distribution it draws from, not only that it runs."""

from __future__ import annotations

import numpy as np
import pytest

from agents.llm.local_sampling import BLOCK, Sampler, draw, penalise


def _logits(probs: list[float], size: int = 3 * BLOCK + 7) -> np.ndarray:
    """A vocabulary (not a multiple of BLOCK) whose first tokens carry ``probs``; the rest none."""
    logits = np.full(size, -1e4, dtype=np.float32)
    logits[: len(probs)] = np.log(np.asarray(probs, dtype=np.float32))
    return logits


def _frequencies(sampler: Sampler, logits: np.ndarray, draws: int, previous: list[int] | None = None) -> np.ndarray:
    counts = np.zeros(logits.size)
    for _ in range(draws):
        counts[sampler(logits, previous or [])] += 1
    return counts / draws


def test_greedy_takes_the_largest_logit():
    logits = _logits([0.2, 0.5, 0.3])
    assert Sampler(0.0, 1.0, 1.0, seed=None)(logits, []) == 1


def test_draws_follow_the_softmax_at_the_temperature():
    logits = _logits([0.5, 0.3, 0.2])
    freq = _frequencies(Sampler(1.0, 1.0, 1.0, seed=0), logits, 6000)
    assert freq[:3] == pytest.approx([0.5, 0.3, 0.2], abs=0.025)
    assert freq[3:].sum() == 0
    # temperature 0.5 squares the odds: 25 : 9 : 4
    freq = _frequencies(Sampler(0.5, 1.0, 1.0, seed=0), logits, 6000)
    assert freq[:3] == pytest.approx(np.array([25, 9, 4]) / 38, abs=0.025)


def test_every_block_of_the_vocabulary_can_be_drawn():
    """The two-level search: a token in the last, partial block, and one at a block's edge."""
    weights = np.zeros(3 * BLOCK + 7, dtype=np.float32)
    weights[[BLOCK - 1, BLOCK, 3 * BLOCK + 6]] = [1.0, 1.0, 2.0]
    picks = [draw(weights, u) for u in (0.0, 0.2, 0.3, 0.49, 0.51, 0.99)]
    assert picks == [BLOCK - 1, BLOCK - 1, BLOCK, BLOCK, 3 * BLOCK + 6, 3 * BLOCK + 6]


def test_a_seed_repeats_its_draws_and_another_seed_differs():
    logits = np.random.default_rng(7).standard_normal(5000).astype(np.float32)
    runs = [[Sampler(1.0, 1.0, 1.0, seed=s)(logits, []) for _ in range(20)] for s in (1, 1, 2)]
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_top_p_keeps_the_nucleus_only():
    logits = _logits([0.5, 0.3, 0.15, 0.05])
    freq = _frequencies(Sampler(1.0, 0.7, 1.0, seed=0), logits, 4000)
    # 0.5 < 0.7, so the second token is kept; 0.8 >= 0.7, so the third is not
    assert freq[:2] == pytest.approx([0.625, 0.375], abs=0.03)
    assert freq[2:].sum() == 0


def test_top_p_widens_past_the_candidates_on_a_flat_distribution():
    logits = np.zeros(20 * BLOCK, dtype=np.float32)  # every token alike: the nucleus is half the vocabulary
    picks = {Sampler(1.0, 0.5, 1.0, seed=s)(logits, []) for s in range(400)}
    assert len(picks) > 300 and max(picks) >= 2 * BLOCK  # not confined to the first 1024 candidates


def test_repetition_penalty_lowers_earlier_tokens_and_leaves_the_input_alone():
    logits = np.array([2.0, -1.0, 1.9, 0.0], dtype=np.float32)
    before = logits.copy()
    assert penalise(logits, [0, 1], 2.0).tolist() == pytest.approx([1.0, -2.0, 1.9, 0.0])
    assert Sampler(0.0, 1.0, 2.0, seed=None)(logits, [0]) == 2  # 2.0 / 2 falls below 1.9
    assert np.array_equal(logits, before)
