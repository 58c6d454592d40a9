"""The protocol every planning environment implements, and what they share.

States are immutable and hashable (tuples, frozensets) so that breadth-first search and node
de-duplication are dictionary look-ups; actions are the exact text a model is shown.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol, runtime_checkable

State = Hashable


class IllegalAction(ValueError):
    """An action that is not legal in the state it was applied to."""


@runtime_checkable
class Env(Protocol):
    name: str
    seed: int
    initial: State

    def successors(self, state: State) -> dict[str, State]:
        """Every legal action and the state it leads to (the exact simulator)."""
        ...

    def is_goal(self, state: State) -> bool: ...

    def render(self, state: State) -> str:
        """The state as text for a model (and as stored in events)."""
        ...

    def parse_state(self, text: str) -> State | None:
        """Read a state back from a model's text; None when it cannot be read."""
        ...

    def goal_text(self) -> str: ...

    def rules_text(self) -> str:
        """What the actions mean, for prompts."""
        ...

    def heuristic(self, state: State) -> float:
        """A cheap value in [0, 1]: 1 is the goal, 0 a dead end."""
        ...

    def view(self, state: State) -> dict:
        """A JSON-able drawing of the state for the panel (``kind`` says how to draw it)."""
        ...

    def diff(self, predicted: State, actual: State) -> list[str]:
        """Human-readable differences between two states (empty when equal)."""
        ...


def legal_actions(env: Env, state: State) -> list[str]:
    return list(env.successors(state))


def step(env: Env, state: State, action: str) -> State:
    """Apply one action with the exact simulator; raises IllegalAction."""
    nxt = env.successors(state).get(action.strip())
    if nxt is None:
        raise IllegalAction(f"{action!r} is not legal here")
    return nxt


def fact_diff(predicted: set[str], actual: set[str]) -> list[str]:
    """Differences between two states described as sets of facts."""
    missing = [f"missing: {fact}" for fact in sorted(actual - predicted)]
    wrong = [f"wrong: {fact}" for fact in sorted(predicted - actual)]
    return missing + wrong
