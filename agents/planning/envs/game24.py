"""Game of 24: combine four numbers with + - * / into 24, two numbers at a time.

A state is the sorted tuple of the numbers left (exact fractions).
"""

from __future__ import annotations

import random
import re
from fractions import Fraction
from functools import lru_cache

TARGET = Fraction(24)
NUMBER = re.compile(r"-?\d+(?:/\d+)?")
G24State = tuple[Fraction, ...]


def _fmt(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def _combine(a: Fraction, b: Fraction) -> list[tuple[str, Fraction]]:
    out = [(f"{_fmt(a)} + {_fmt(b)}", a + b), (f"{_fmt(a)} * {_fmt(b)}", a * b)]
    out += [(f"{_fmt(a)} - {_fmt(b)}", a - b), (f"{_fmt(b)} - {_fmt(a)}", b - a)]
    if b:
        out.append((f"{_fmt(a)} / {_fmt(b)}", a / b))
    if a:
        out.append((f"{_fmt(b)} / {_fmt(a)}", b / a))
    return out


@lru_cache(maxsize=200_000)
def _moves(state: G24State) -> tuple[tuple[str, G24State], ...]:
    moves: dict[str, G24State] = {}
    for i in range(len(state)):
        for j in range(i + 1, len(state)):
            rest = state[:i] + state[i + 1 : j] + state[j + 1 :]
            for expr, value in _combine(state[i], state[j]):
                moves.setdefault(f"{expr} = {_fmt(value)}", tuple(sorted(rest + (value,))))
    return tuple(moves.items())


@lru_cache(maxsize=200_000)
def solvable(state: G24State) -> bool:
    if len(state) == 1:
        return state[0] == TARGET
    return any(solvable(nxt) for _, nxt in _moves(state))


class Game24:
    name = "game24"

    def __init__(self, seed: int = 0, numbers: tuple[int, ...] | None = None):
        self.seed = seed
        if numbers is None:
            rng = random.Random(f"game24-{seed}")
            while numbers is None or not solvable(tuple(sorted(map(Fraction, numbers)))):
                numbers = tuple(rng.randint(1, 13) for _ in range(4))
        if not 1 <= len(numbers) <= 6:
            raise ValueError("game of 24 takes one to six numbers")
        self.numbers = tuple(numbers)
        self.initial: G24State = tuple(sorted(map(Fraction, numbers)))

    def successors(self, state: G24State) -> dict[str, G24State]:
        return dict(_moves(state))

    def is_goal(self, state: G24State) -> bool:
        return state == (TARGET,)

    def render(self, state: G24State) -> str:
        return "numbers left: " + " ".join(_fmt(x) for x in state)

    def parse_state(self, text: str) -> G24State | None:
        line = text.lower().split("left:", 1)[-1].strip().splitlines()
        found = NUMBER.findall(line[0]) if line else []
        if not found:
            return None
        try:
            return tuple(sorted(Fraction(n) for n in found))
        except (ValueError, ZeroDivisionError):
            return None

    def goal_text(self) -> str:
        return f"Use {' '.join(map(str, self.numbers))} and + - * / to obtain 24 (each number once)."

    def rules_text(self) -> str:
        return "Each step picks two of the numbers left, combines them with + - * or /, and puts the result back."

    def heuristic(self, state: G24State) -> float:
        if len(state) == 1:
            return 1.0 if state[0] == TARGET else 0.0
        if len(state) == 2:  # one look-ahead step is cheap and decisive
            return 1.0 if solvable(state) else 0.0
        return 0.5

    def view(self, state: G24State) -> dict:
        return {"kind": "numbers", "numbers": [_fmt(x) for x in state]}

    def diff(self, predicted: G24State, actual: G24State) -> list[str]:
        p, a = list(map(_fmt, predicted)), list(map(_fmt, actual))
        missing = [x for x in a if x not in p or a.count(x) > p.count(x)]
        wrong = [x for x in p if x not in a or p.count(x) > a.count(x)]
        return [f"missing: {x}" for x in dict.fromkeys(missing)] + [f"wrong: {x}" for x in dict.fromkeys(wrong)]
