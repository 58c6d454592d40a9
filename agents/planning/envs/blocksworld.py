"""Blocksworld in the PlanBench style: coloured blocks, a hand, four actions.

A state is ``(stacks, holding)``: stacks are tuples of blocks from the table up, kept sorted
so that one configuration has one representation; ``holding`` is a block or None.
"""

from __future__ import annotations

import itertools
import random
import re

from agents.planning.envs.base import fact_diff

COLOURS = ("red", "blue", "orange", "yellow", "white", "magenta", "green", "cyan")
Stacks = tuple[tuple[str, ...], ...]
BWState = tuple[Stacks, str | None]
ON_TOP = re.compile(r"the (\w+) block is on top of the (\w+) block")
ON_TABLE = re.compile(r"the (\w+) block is on the table")
HOLDING = re.compile(r"(?:hand is holding|am holding|holding) the (\w+) block")


def _canon(stacks) -> Stacks:
    return tuple(sorted(tuple(s) for s in stacks if s))


def _random_stacks(blocks: list[str], rng: random.Random) -> Stacks:
    order = blocks[:]
    rng.shuffle(order)
    stacks: list[list[str]] = []
    for block in order:
        choice = rng.randrange(len(stacks) + 1)
        (stacks.append([block]) if choice == len(stacks) else stacks[choice].append(block))
    return _canon(stacks)


class Blocksworld:
    name = "blocksworld"

    def __init__(self, seed: int = 0, n_blocks: int | None = None):
        rng = random.Random(f"blocksworld-{seed}")
        self.seed = seed
        self.n_blocks = n_blocks or rng.randint(3, 6)
        if not 2 <= self.n_blocks <= len(COLOURS):
            raise ValueError(f"blocksworld needs 2 to {len(COLOURS)} blocks, not {self.n_blocks}")
        self.blocks = COLOURS[: self.n_blocks]
        self.options = {"n_blocks": self.n_blocks}  # what makes another instance the same size
        self.goal = _random_stacks(list(self.blocks), rng)
        start = self.goal
        while start == self.goal:
            start = _random_stacks(list(self.blocks), rng)
        self.initial: BWState = (start, None)
        self._below_goal = _below(self.goal)
        # A search and its solver revisit states constantly; states are immutable, so their
        # successors are computed once (the solver enumerates them all anyway).
        self._successors: dict[BWState, dict[str, BWState]] = {}

    def successors(self, state: BWState) -> dict[str, BWState]:
        known = self._successors.get(state)
        if known is None:
            known = self._successors[state] = self._expand(state)
        return known

    def _expand(self, state: BWState) -> dict[str, BWState]:
        stacks, holding = state
        out: dict[str, BWState] = {}
        if holding is None:
            for i, stack in enumerate(stacks):
                top, rest = stack[-1], stacks[:i] + ((stack[:-1],) if len(stack) > 1 else ()) + stacks[i + 1 :]
                action = (
                    f"pick up the {top} block"
                    if len(stack) == 1
                    else f"unstack the {top} block from on top of the {stack[-2]} block"
                )
                out[action] = (_canon(rest), top)
            return out
        out[f"put down the {holding} block"] = (_canon(stacks + ((holding,),)), None)
        for i, stack in enumerate(stacks):
            out[f"stack the {holding} block on top of the {stack[-1]} block"] = (
                _canon(stacks[:i] + (stack + (holding,),) + stacks[i + 1 :]),
                None,
            )
        return out

    def is_goal(self, state: BWState) -> bool:
        return state[1] is None and state[0] == self.goal

    def facts(self, state: BWState) -> set[str]:
        stacks, holding = state
        facts = {"the hand is empty"} if holding is None else {f"the hand is holding the {holding} block"}
        for stack in stacks:
            facts.add(f"the {stack[-1]} block is clear")
            facts.add(f"the {stack[0]} block is on the table")
            facts.update(f"the {up} block is on top of the {down} block" for down, up in itertools.pairwise(stack))
        return facts

    def render(self, state: BWState) -> str:
        return ", ".join(sorted(self.facts(state), key=_fact_order)) + "."

    def parse_state(self, text: str) -> BWState | None:
        text = text.lower()
        below = {up: down for up, down in ON_TOP.findall(text) if up in self.blocks and down in self.blocks}
        tabled = {b for b in ON_TABLE.findall(text) if b in self.blocks}
        held = [b for b in HOLDING.findall(text) if b in self.blocks]
        holding = held[0] if held else None
        if set(below) & tabled or len(set(held)) > 1 or holding in below or holding in tabled:
            return None
        placed = set(below) | tabled | ({holding} if holding else set())
        if placed != set(self.blocks) or len(set(below.values())) != len(below):
            return None
        stacks = []
        for base in tabled:
            stack, on_top = [base], {down: up for up, down in below.items()}
            while stack[-1] in on_top:
                stack.append(on_top[stack[-1]])
            stacks.append(stack)
        if sum(len(s) for s in stacks) != len(placed) - (1 if holding else 0) or holding in below.values():
            return None  # a cycle, or a block resting on the held block
        return (_canon(stacks), holding)

    def goal_text(self) -> str:
        facts = {f for f in self.facts((self.goal, None)) if "on top of" in f or "on the table" in f}
        return "My goal is to have that " + ", ".join(sorted(facts, key=_fact_order)) + "."

    def rules_text(self) -> str:
        return (
            "I am playing with a set of blocks. I can pick up or unstack one clear block at a time "
            "when my hand is empty, and put it down on the table or stack it on a clear block."
        )

    def heuristic(self, state: BWState) -> float:
        below = _below(state[0])
        placed = sum(1 for block in below if _well_placed(block, below, self._below_goal))
        # Never 0: a blocksworld state is never a dead end, only far from the goal.
        return (placed + 1) / (self.n_blocks + 2 + (1 if state[1] else 0))

    def view(self, state: BWState) -> dict:
        return {"kind": "blocks", "stacks": [list(s) for s in state[0]], "holding": state[1]}

    def diff(self, predicted: BWState, actual: BWState) -> list[str]:
        return fact_diff(self.facts(predicted), self.facts(actual))


def _below(stacks: Stacks) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for stack in stacks:
        for i, block in enumerate(stack):
            out[block] = stack[i - 1] if i else None
    return out


def _well_placed(block: str, below: dict, goal_below: dict) -> bool:
    while True:
        if below.get(block) != goal_below.get(block):
            return False
        block = below[block]
        if block is None:
            return True


def _fact_order(fact: str) -> tuple[int, str]:
    rank = 0 if fact.endswith("clear") else 1 if "hand" in fact else 2
    return (rank, fact)
