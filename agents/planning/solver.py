"""Exact optimal distances: breadth-first search over the environment's own simulator.

The reachable state graph is enumerated once from the initial state, then a backward BFS from
every goal gives the true distance to goal of every reachable state (None: the goal cannot be
reached). States outside that graph (a model's imagined state) get a forward BFS of their own.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

from agents.planning.envs.base import State


class Enumerable(Protocol):
    """What a solver needs of an environment: a start, the moves and the goal test."""

    name: str
    initial: State

    def successors(self, state: State) -> dict[str, State]: ...

    def is_goal(self, state: State) -> bool: ...


MAX_STATES = 2_000_000


class Solver:
    def __init__(self, env: Enumerable, max_states: int = MAX_STATES):
        self.env = env
        self.max_states = max_states
        self._distance = self._backward(self._graph(env.initial))

    def _graph(self, root: State) -> dict[State, list[State]]:
        """Reverse edges of everything reachable from ``root``."""
        parents: dict[State, list[State]] = {root: []}
        queue = deque([root])
        while queue:
            state = queue.popleft()
            for nxt in self.env.successors(state).values():
                if nxt not in parents:
                    if len(parents) >= self.max_states:
                        raise ValueError(
                            f"{self.env.name}: more than {self.max_states} states; too large to solve exactly"
                        )
                    parents[nxt] = []
                    queue.append(nxt)
                parents[nxt].append(state)
        return parents

    def _backward(self, parents: dict[State, list[State]]) -> dict[State, int]:
        distance = {s: 0 for s in parents if self.env.is_goal(s)}
        queue = deque(distance)
        while queue:
            state = queue.popleft()
            for prev in parents[state]:
                if prev not in distance:
                    distance[prev] = distance[state] + 1
                    queue.append(prev)
        self._known = parents.keys()
        return distance

    def distance(self, state: State) -> int | None:
        """Optimal number of actions from ``state`` to a goal; None if no goal is reachable."""
        if state in self._known:
            return self._distance.get(state)
        return Solver(_Rooted(self.env, state), self.max_states).distance(state)

    def solvable(self, state: State) -> bool:
        return self.distance(state) is not None

    def optimal_plan(self, state: State | None = None) -> list[str] | None:
        """One shortest action sequence from ``state`` (default: the initial state)."""
        state = self.env.initial if state is None else state
        if self.distance(state) is None:
            return None
        plan = []
        while not self.env.is_goal(state):
            here = self.distance(state)
            assert here is not None  # every state on a shortest path is solvable
            action, state = next((a, s) for a, s in self.env.successors(state).items() if self.distance(s) == here - 1)
            plan.append(action)
        return plan


class _Rooted:
    """The same environment, enumerated from another state."""

    def __init__(self, env: Enumerable, root: State):
        self._env, self.initial, self.name = env, root, env.name

    def successors(self, state: State) -> dict[str, State]:
        return self._env.successors(state)

    def is_goal(self, state: State) -> bool:
        return self._env.is_goal(state)
