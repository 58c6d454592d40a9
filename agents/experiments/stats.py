"""Statistics over result rows: accuracy with Wilson intervals, an exact paired test,
matched-compute accounting, and debate forensics (accuracy per round, flips, consensus,
the judge-bias check). Pure functions of the rows, so a report can be rebuilt at any time."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from agents.experiments.answers import majority
from agents.experiments.records import ResultRow

Z95 = 1.959963984540054
SAMPLE_METHOD = re.compile(r"^(cot|sc\d+)$")  # one chain-of-thought sample per call


def wilson(correct: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; (0, 1) when there is no data."""
    if n == 0:
        return 0.0, 1.0
    p = correct / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class MethodSummary:
    method: str
    model: str
    n: int
    answered: int
    correct: int
    failed: int
    accuracy: float
    low: float
    high: float
    mean_tokens: float
    mean_calls: float
    tokens_per_correct: float | None


def _groups(rows: Sequence[ResultRow]) -> dict[tuple[str, str], list[ResultRow]]:
    groups: dict[tuple[str, str], list[ResultRow]] = {}
    for row in rows:
        groups.setdefault((row.method, row.model), []).append(row)
    return groups


def summarise(rows: Sequence[ResultRow]) -> list[MethodSummary]:
    """One line per (method, model), in the order they first appear."""
    out = []
    for (method, model), group in _groups(rows).items():
        n, correct = len(group), sum(r.correct for r in group)
        tokens = sum(r.tokens for r in group)
        low, high = wilson(correct, n)
        out.append(
            MethodSummary(
                method,
                model,
                n,
                sum(r.status == "ok" for r in group),
                correct,
                sum(r.status == "failed" for r in group),
                correct / n,
                low,
                high,
                tokens / n,
                sum(r.calls for r in group) / n,
                tokens / correct if correct else None,
            )
        )
    return out


@dataclass(frozen=True)
class Paired:
    a: str
    b: str
    n: int  # items both methods answered (same item, model and seed)
    both: int
    a_only: int
    b_only: int
    neither: int
    p_value: float  # exact two-sided McNemar test on the discordant items


def paired(rows: Sequence[ResultRow], a: str, b: str, model: str | None = None) -> Paired:
    def by_item(method: str) -> dict[tuple[str, int, str], bool]:
        return {
            (r.item_id, r.seed, "" if model is None else r.model): r.correct
            for r in rows
            if r.method == method and (model is None or r.model == model)
        }

    first, second = by_item(a), by_item(b)
    shared = sorted(set(first) & set(second))
    both = sum(first[k] and second[k] for k in shared)
    a_only = sum(first[k] and not second[k] for k in shared)
    b_only = sum(second[k] and not first[k] for k in shared)
    return Paired(
        a, b, len(shared), both, a_only, b_only, len(shared) - both - a_only - b_only, mcnemar_exact(a_only, b_only)
    )


def mcnemar_exact(b: int, c: int) -> float:
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)


def round_accuracy(rows: Sequence[ResultRow], method: str, model: str) -> list[tuple[int, float, float]]:
    """(round, accuracy of the round's majority answer, mean accuracy of single agents)."""
    group = [r for r in rows if r.method == method and r.model == model and r.rounds]
    depth = max((len(r.rounds) for r in group), default=0)
    out = []
    for index in range(depth):
        present = [r for r in group if len(r.rounds) > index]
        vote = [_majority_right(r.rounds[index], r.rounds_correct[index]) for r in present]
        agents = [c for r in present for c in r.rounds_correct[index]]
        out.append((index + 1, sum(vote) / len(vote), sum(agents) / len(agents) if agents else 0.0))
    return out


def _majority_right(answers: Sequence[str | None], correct: Sequence[bool]) -> bool:
    winner = majority(answers)
    return winner is not None and correct[list(answers).index(winner)]


def flips(rows: Sequence[ResultRow], method: str, model: str) -> list[tuple[int, int, int]]:
    """(round, right -> wrong, wrong -> right) over every agent, from the previous round."""
    group = [r for r in rows if r.method == method and r.model == model and r.rounds_correct]
    depth = max((len(r.rounds_correct) for r in group), default=0)
    out = []
    for index in range(1, depth):
        lost = gained = 0
        for row in (r for r in group if len(r.rounds_correct) > index):
            for before, after in zip(row.rounds_correct[index - 1], row.rounds_correct[index]):
                lost += before and not after
                gained += after and not before
        out.append((index + 1, lost, gained))
    return out


def consensus_rate(rows: Sequence[ResultRow], method: str, model: str) -> tuple[int, int]:
    known = [r.consensus for r in rows if r.method == method and r.model == model and r.consensus is not None]
    return sum(known), len(known)


def judge_agreement(rows: Sequence[ResultRow], method: str, model: str) -> tuple[int, int]:
    known = [
        r.judge_agreement for r in rows if r.method == method and r.model == model and r.judge_agreement is not None
    ]
    return sum(known), len(known)


def matched_samples(rows: Sequence[ResultRow], target: str, model: str) -> tuple[int, float, float]:
    """Self-consistency's N so its tokens match ``target``'s: (N, target tokens per item,
    tokens per chain-of-thought sample). Raises ValueError when either is not measured yet."""
    aimed = [r.tokens for r in rows if r.method == target and r.model == model and r.status != "failed"]
    samples = [
        r for r in rows if SAMPLE_METHOD.match(r.method) and r.model == model and r.status != "failed" and r.calls
    ]
    if not aimed or not samples:
        raise ValueError(f"cannot size self-consistency to {target} on {model}: no finished {target} or cot items")
    target_tokens = sum(aimed) / len(aimed)
    sample_tokens = sum(r.tokens for r in samples) / sum(r.calls for r in samples)
    return max(1, round(target_tokens / sample_tokens)), target_tokens, sample_tokens
