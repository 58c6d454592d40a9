"""Correctness without models: planted right/wrong answers give exactly the planted numbers."""

import json
import math
import random

import pytest

from agents.experiments.config import ExperimentConfig, TaskSource
from agents.experiments.runner import ExperimentRun
from agents.experiments.stats import flips, judge_agreement, mcnemar_exact, paired, round_accuracy, summarise, wilson
from agents.experiments.store import read_rows
from agents.experiments.tasks import generate
from tests.agents.experiments.conftest import question_of, round_of, scripted

N = 40
ITEMS = generate("arithmetic", N, seed=0)
ANSWER = {i.question: int(i.answer) for i in ITEMS}
INDEX = {i.question: k for k, i in enumerate(ITEMS)}


def test_wilson_matches_known_values():
    low, high = wilson(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    assert wilson(0, 10)[0] == 0.0 and wilson(0, 10)[1] == pytest.approx(0.2775, abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)


def test_mcnemar_exact_two_sided():
    assert mcnemar_exact(0, 5) == pytest.approx(2 / 32)
    assert mcnemar_exact(3, 3) == 1.0
    assert mcnemar_exact(0, 0) == 1.0


def _wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    z = 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


async def _run(tmp_path, methods, reply, **options):
    config = ExperimentConfig(tasks=TaskSource(n=N), methods=methods, concurrency=8, **options)
    run = ExperimentRun(tmp_path / "exp", config, providers={"local": scripted(reply)})
    async for _ in run.events():
        pass
    return read_rows(tmp_path / "exp")


async def test_known_probabilities_give_the_expected_accuracies_and_intervals(tmp_path):
    # single is right on exactly 30 of 40 items (p = 0.75); cot on a seeded random draw with
    # p = 0.4, whose count the test computes itself from the same draw.
    draw = random.Random(7)
    cot_right = {k for k in range(N) if draw.random() < 0.4}

    def reply(request):
        q = question_of(request)
        k = INDEX[q]
        right = k < 30 if "final answer only" in request.messages[0].content else k in cot_right
        return f"Answer: {ANSWER[q] + (0 if right else 1)}"

    rows = await _run(tmp_path, ("single", "cot"), reply)
    by = {s.method: s for s in summarise(rows)}
    assert (by["single"].correct, by["single"].n) == (30, N)
    assert by["single"].accuracy == 0.75
    assert (by["single"].low, by["single"].high) == pytest.approx(_wilson_by_hand(30, N))
    assert by["cot"].correct == len(cot_right)
    assert (by["cot"].low, by["cot"].high) == pytest.approx(_wilson_by_hand(len(cot_right), N))
    both = len({k for k in range(30)} & cot_right)
    test = paired(rows, "single", "cot")
    assert (test.n, test.both, test.a_only, test.b_only) == (N, both, 30 - both, len(cot_right) - both)


async def test_self_consistency_takes_the_majority_of_planted_samples(tmp_path):
    # Sample 1 is always wrong, samples 2 and 3 right on even items only.
    def reply(request):
        q, k = question_of(request), INDEX[question_of(request)]
        right = request.speaker != "Sample1" and k % 2 == 0
        return f"Answer: {ANSWER[q] + (0 if right else 1 + k)}"

    rows = await _run(tmp_path, ("sc3",), reply)
    assert sum(r.correct for r in rows) == N // 2
    assert all(r.calls == 3 for r in rows)


async def test_planted_flips_give_the_planted_counts(tmp_path):
    # Ada: wrong -> right; Blaise: right -> wrong on items divisible by 4, else right -> right;
    # Carl: wrong in round 1, wrong in round 2 (a different wrong answer).
    def reply(request):
        q, k, r = question_of(request), INDEX[question_of(request)], round_of(request)
        right = {"Ada": r == 2, "Blaise": r == 1 or k % 4 != 0, "Carl": False}[request.speaker]
        return f"Answer: {ANSWER[q] if right else ANSWER[q] + 100 + r}"

    rows = await _run(tmp_path, ("debate3x2",), reply)
    assert flips(rows, "debate3x2", "local") == [(2, N // 4, N)]
    # Round 1: Blaise alone right, Ada and Carl wrong with different answers: the tie goes to
    # Ada's (first) answer, so the round-1 majority is always wrong.
    accuracy = round_accuracy(rows, "debate3x2", "local")
    assert accuracy[0] == (1, 0.0, pytest.approx(1 / 3))
    assert accuracy[1] == (2, pytest.approx(3 / 4), pytest.approx((N + N * 3 / 4) / (3 * N)))
    assert sum(r.correct for r in rows) == 3 * N // 4


async def test_judge_bias_check_catches_a_judge_that_always_picks_the_first_named(tmp_path):
    judged = []

    def reply(request):
        if request.speaker == "Judge":
            judged.append(request)
            # Whoever spoke first wins: Ada in the debate; in the bias check, whose order is
            # reversed and names hidden, "Debater 1", who is Blaise.
            first = next(m.name for m in request.messages if m.name not in (None, "Judge"))
            return json.dumps({"decision": "decided", "winner": first, "answer": None})
        return f"Answer: {ANSWER[question_of(request)]}"

    rows = await _run(tmp_path, ("judge2x1",), reply)
    assert judge_agreement(rows, "judge2x1", "local") == (0, N)  # swapped: "Debater 1" is Blaise
    assert all(r.correct for r in rows)
    # The re-judge is the team's own judge prompt with the names hidden everywhere, the worked
    # example included.
    rejudged = [r for r in judged if any(m.name == "Debater 1" for m in r.messages)]
    assert len(rejudged) == N and len(judged) == 2 * N
    seen = " ".join(f"{m.name} {m.content}" for m in rejudged[0].messages)
    assert "Ada" not in seen and "Blaise" not in seen
    assert "Debater 2:" in rejudged[0].messages[0].content  # the example speaks with the aliases


async def test_judge_reading_the_arguments_agrees_with_itself(tmp_path):
    def reply(request):
        if request.speaker == "Judge":
            right = str(ANSWER[question_of(request)])
            turns = [m for m in request.messages if m.name not in (None, "Moderator")]
            winner = next(m.name for m in turns if m.content.endswith(right))
            return json.dumps({"decision": "decided", "winner": winner})
        right = request.speaker == "Blaise"
        return f"Answer: {ANSWER[question_of(request)] + (0 if right else 7)}"

    rows = await _run(tmp_path, ("judge2x1",), reply)
    assert judge_agreement(rows, "judge2x1", "local") == (N, N)
    assert all(r.judge_winner == "Blaise" and r.correct for r in rows)
