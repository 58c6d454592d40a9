"""Task sets with exact answers, generated in code from a seed (nothing is downloaded).

``load_tasks(TaskSource(name="arithmetic", n=50, seed=0))`` always gives the same items. A
bring-your-own JSONL file is read by :mod:`agents.experiments.byo`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from pydantic import Field

from agents.events import Record
from agents.experiments.answers import AnswerKind
from agents.planning.envs.blocksworld import Blocksworld
from agents.planning.envs.game24 import Game24


class TaskItem(Record):
    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answer: str  # canonical (see answers.normalise); for Game of 24 one solution
    kind: AnswerKind
    choices: tuple[str, ...] = ()
    numbers: tuple[int, ...] = ()  # Game of 24: the numbers each expression must use


@dataclass(frozen=True)
class Example:
    question: str
    reasoning: str
    answer: str

    def render(self, reasoning: bool = True) -> str:
        # "Reply:", not "Answer:", as the speaker label: the answer line must stay unique.
        steps = f"{self.reasoning} " if reasoning else ""
        return f"Question: {self.question}\nReply: {steps}Answer: {self.answer}"


@dataclass(frozen=True)
class TaskSet:
    name: str
    description: str
    # One worked example in the prompt: a base model continues a transcript, it follows no
    # instruction it has not seen done once.
    example: Example
    make: Callable[[random.Random, int, int], TaskItem]


def _arithmetic(rng: random.Random, index: int, seed: int) -> TaskItem:
    # Du et al. 2023: six integers in [0, 30], "a+b*c+d-e*f".
    a, b, c, d, e, f = (rng.randint(0, 30) for _ in range(6))
    return TaskItem(
        id=f"arithmetic-{seed}-{index}",
        question=f"What is the result of {a}+{b}*{c}+{d}-{e}*{f}?",
        answer=str(a + b * c + d - e * f),
        kind="number",
    )


def _multiplication(rng: random.Random, index: int, seed: int) -> TaskItem:
    x, y = rng.randint(100, 999), rng.randint(100, 999)
    return TaskItem(
        id=f"multiplication-{seed}-{index}", question=f"What is {x} * {y}?", answer=str(x * y), kind="number"
    )


def solve_24(numbers: tuple[int, ...]) -> str | None:
    """One expression over ``numbers`` that makes 24, or None."""

    def search(items: list[tuple[Fraction, str]]) -> str | None:
        if len(items) == 1:
            return items[0][1] if items[0][0] == 24 else None
        for i in range(len(items)):
            for j in range(len(items)):
                if i == j:
                    continue
                rest = [items[k] for k in range(len(items)) if k not in (i, j)]
                (x, sx), (y, sy) = items[i], items[j]
                options = [(x + y, f"({sx} + {sy})"), (x - y, f"({sx} - {sy})"), (x * y, f"({sx} * {sy})")]
                if y:
                    options.append((x / y, f"({sx} / {sy})"))
                for value, text in options:
                    found = search(rest + [(value, text)])
                    if found:
                        return found
        return None

    found = search([(Fraction(n), str(n)) for n in numbers])
    return found[1:-1] if found and found.startswith("(") and found.endswith(")") else found


def _game24(rng: random.Random, index: int, seed: int) -> TaskItem:
    env = Game24(seed=rng.randrange(10**9))
    numbers = tuple(sorted(env.numbers))
    solution = solve_24(numbers)
    assert solution is not None  # the environment only deals solvable hands
    listed = " ".join(map(str, numbers))
    return TaskItem(
        id=f"game24-{seed}-{index}",
        kind="game24",
        numbers=numbers,
        answer=solution,
        question=f"Use the numbers {listed} and + - * / to make 24, each number exactly once. Give the expression.",
    )


def _blocksworld_plan(rng: random.Random, index: int, seed: int) -> TaskItem:
    """A plan that is valid (every action legal, the goal reached) or broken in one place;
    the answer is what the simulator says, never what the generator intended."""
    env = Blocksworld(seed=rng.randrange(10**9), n_blocks=rng.randint(3, 4))
    state, plan = env.initial, []
    for _ in range(rng.randint(2, 5)):
        action = rng.choice(sorted(env.successors(state)))
        plan.append(action)
        state = env.successors(state)[action]
    goal = env.render(state)
    if rng.random() < 0.5:  # break it: swap two steps or repeat one
        i = rng.randrange(len(plan))
        j = (i + 1) % len(plan)
        plan[i], plan[j] = (plan[j], plan[i]) if len(plan) > 1 and plan[i] != plan[j] else (plan[i], plan[i])
    valid = _plan_valid(env, plan, goal)
    steps = "; ".join(f"{k + 1}. {a}" for k, a in enumerate(plan))
    question = (
        f"{env.rules_text()} Initially: {env.render(env.initial)} Goal: {goal} "
        f"Plan: {steps}. Is every action legal in turn, and does the plan reach the goal? Answer yes or no."
    )
    return TaskItem(id=f"blocksworld-{seed}-{index}", question=question, answer="yes" if valid else "no", kind="yesno")


def _plan_valid(env: Blocksworld, plan: list[str], goal: str) -> bool:
    state = env.initial
    for action in plan:
        following = env.successors(state).get(action)
        if following is None:
            return False  # not legal here
        state = following
    return env.render(state) == goal


NAMES = ("Ana", "Ben", "Chen", "Dara", "Emil", "Fatima", "Goran", "Hana")
ITEMS = ("apples", "marbles", "stamps", "pencils", "cards", "shells")


def _word_problem(rng: random.Random, index: int, seed: int) -> TaskItem:
    name, thing = rng.choice(NAMES), rng.choice(ITEMS)
    a, b, c, d = rng.randint(5, 40), rng.randint(2, 9), rng.randint(2, 12), rng.randint(1, 20)
    templates = [
        (
            f"{name} has {a} {thing}, buys {b} boxes of {c} {thing} each and gives {d} away. How many {thing} does {name} have now?",
            a + b * c - d,
        ),
        (
            f"{name} packs {a * b} {thing} equally into {b} bags, then adds {d} more to one bag. How many {thing} are in that bag?",
            a + d,
        ),
        (
            f"A shop sells {thing} at {c} dollars each. {name} buys {b} and pays with {b * c + d} dollars. How much change does {name} get?",
            d,
        ),
    ]
    question, answer = templates[rng.randrange(len(templates))]
    return TaskItem(id=f"word-{seed}-{index}", question=question, answer=str(answer), kind="number")


TASK_SETS: dict[str, TaskSet] = {
    "arithmetic": TaskSet(
        "arithmetic",
        "Du et al.'s a+b*c+d-e*f, integers 0..30",
        Example("What is the result of 3+4*5+6-2*7?", "4*5 = 20 and 2*7 = 14, so 3+20+6-14 = 15.", "15"),
        _arithmetic,
    ),
    "multiplication": TaskSet(
        "multiplication",
        "three-digit by three-digit multiplication",
        Example("What is 123 * 456?", "123*456 = 123*400 + 123*56 = 49200 + 6888 = 56088.", "56088"),
        _multiplication,
    ),
    "game24": TaskSet(
        "game24",
        "Game of 24 (solvable hands; any correct expression counts)",
        Example(
            "Use the numbers 4 6 8 8 and + - * / to make 24.",
            "8/8 = 1 and 4*6 = 24, and 24*1 = 24.",
            "(4 * 6) * (8 / 8)",
        ),
        _game24,
    ),
    "blocksworld": TaskSet(
        "blocksworld",
        "is this Blocksworld plan valid? (checked by the simulator)",
        Example(
            "Initially the hand is empty. Plan: 1. put down the red block. Is the plan valid? Answer yes or no.",
            "The hand holds nothing, so step 1 is illegal.",
            "no",
        ),
        _blocksworld_plan,
    ),
    "word": TaskSet(
        "word",
        "templated word problems with integer answers",
        Example(
            "Ana has 5 shells and buys 2 boxes of 3 shells. How many shells does she have?",
            "2*3 = 6 and 5+6 = 11.",
            "11",
        ),
        _word_problem,
    ),
}


def generate(name: str, n: int, seed: int = 0) -> list[TaskItem]:
    if name not in TASK_SETS:
        raise ValueError(f"unknown task set {name!r}; known: {', '.join(TASK_SETS)} (or a .jsonl file)")
    if n < 1:
        raise ValueError(f"the number of items must be at least 1, not {n}")
    rng = random.Random(f"{name}-{seed}")
    return [TASK_SETS[name].make(rng, index, seed) for index in range(n)]


GENERIC_EXAMPLES = {
    "number": Example("A box holds 12 eggs. How many eggs are in 3 boxes?", "3*12 = 36.", "36"),
    "choice": Example(
        "Which is a mammal?\n(A) trout\n(B) whale\n(C) frog", "Whales breathe air and nurse their young.", "B"
    ),
    "yesno": Example("Is 17 a prime number? Answer yes or no.", "17 has no divisor but 1 and itself.", "yes"),
    "text": Example("What is the capital of France?", "France's government sits in Paris.", "Paris"),
    "game24": TASK_SETS["game24"].example,
}


def example_for(source: str, item: TaskItem, reasoning: bool = True) -> str:
    """The worked example shown with an item (its task set's, or one for its answer type),
    with or without the reasoning: a one-line answer is shown a one-line answer."""
    example = TASK_SETS[source].example if source in TASK_SETS else GENERIC_EXAMPLES[item.kind]
    return example.render(reasoning)
