"""Policies propose actions; value functions judge states.

The LLM policy scores every legal action by log-likelihood when the provider can score (local
models), otherwise it asks the model to write actions and keeps the legal ones, recording the
rest. Values come from the environment's heuristic or from the model's own judgement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from agents.llm.base import Provider
from agents.planning.envs.base import Env, State
from agents.planning.model_calls import Meter, generate, prompt, score, softmax

LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")
VERDICTS = {" sure": 1.0, " likely": 0.5, " impossible": 0.0}


@dataclass
class Proposal:
    actions: list[tuple[str, float]]  # (action, prior), best first
    illegal: list[str] = field(default_factory=list)
    raw_output: str = ""
    error: str | None = None


class Policy(Protocol):
    label: str

    async def propose(self, state: State) -> Proposal: ...


class AllActions:
    """Every legal action, best heuristic first: exhaustive search, no model."""

    label = "all"

    def __init__(self, env: Env):
        self.env = env

    async def propose(self, state: State) -> Proposal:
        moves = self.env.successors(state)
        ranked = sorted(moves, key=lambda a: -self.env.heuristic(moves[a]))
        return Proposal([(a, 1.0 / len(ranked)) for a in ranked])


class LLMPolicy:
    def __init__(self, env: Env, provider: Provider, meter: Meter, branching: int = 4):
        self.env, self.provider, self.meter, self.branching = env, provider, meter, branching
        self.label = f"llm:{provider.identity.ref}"

    def messages(self, state: State, ask: str):
        user = f"{self.env.goal_text()}\nState: {self.env.render(state)}\n{ask}"
        return prompt(self.env.rules_text(), user)

    async def propose(self, state: State) -> Proposal:
        legal = list(self.env.successors(state))
        if not legal:
            return Proposal([])
        logprobs = await score(
            self.provider, self.meter, self.messages(state, "Next action:"), [" " + a for a in legal]
        )
        if logprobs is not None:
            ranked = sorted(zip(legal, softmax(logprobs)), key=lambda p: -p[1])
            return Proposal(ranked[: self.branching])
        return await self._written(state, legal)

    async def _written(self, state: State, legal: list[str]) -> Proposal:
        ask = f"Write up to {self.branching} possible next actions, one per line."
        reply = await generate(self.provider, self.meter, self.messages(state, ask), 24 * self.branching)
        chosen, illegal = [], []
        for line in reply.text.splitlines():
            action = LIST_MARK.sub("", line).strip().rstrip(".").lower()
            if not action:
                continue
            match = next((a for a in legal if a.lower() == action), None)
            (illegal.append(action) if match is None else chosen.append(match) if match not in chosen else None)
        prior = 1.0 / max(1, len(chosen))
        return Proposal([(a, prior) for a in chosen[: self.branching]], illegal, reply.text, reply.error)


class RecalledPolicy:
    """Steps a stored workflow took (agent workflow memory) lead: in a state where one is legal
    it comes first, with a high prior, and the wrapped policy (a model) is not asked; the other
    legal actions follow in the heuristic's order, so the search can still leave the recipe."""

    RECALLED_PRIOR, OTHER_PRIOR = 1.0, 0.1

    def __init__(self, env: Env, inner: Policy, plans: Sequence[Sequence[str]], width: int | None = None):
        self.env, self.inner, self.width = env, inner, width  # width: most actions proposed (None: all)
        self.actions = list(dict.fromkeys(action for plan in plans for action in plan))
        self.label = f"{inner.label}+workflow memory"

    async def propose(self, state: State) -> Proposal:
        moves = self.env.successors(state)
        recalled = [a for a in self.actions if a in moves]
        if not recalled:
            return await self.inner.propose(state)
        rest = sorted((a for a in moves if a not in recalled), key=lambda a: -self.env.heuristic(moves[a]))
        if self.width is not None:
            rest = rest[: max(0, self.width - len(recalled))]
        return Proposal([(a, self.RECALLED_PRIOR) for a in recalled] + [(a, self.OTHER_PRIOR) for a in rest])


class Value(Protocol):
    label: str

    async def value(self, state: State) -> tuple[float, str]:
        """A value in [0, 1] and the model's raw output (empty for a heuristic)."""
        ...


class HeuristicValue:
    label = "heuristic"

    def __init__(self, env: Env):
        self.env = env

    async def value(self, state: State) -> tuple[float, str]:
        return (1.0 if self.env.is_goal(state) else self.env.heuristic(state)), ""


class LLMValue:
    """Tree-of-Thoughts style self-evaluation: is the goal reachable — sure, likely, impossible?"""

    def __init__(self, env: Env, provider: Provider, meter: Meter):
        self.env, self.provider, self.meter = env, provider, meter
        self.label = f"llm:{provider.identity.ref}"

    async def value(self, state: State) -> tuple[float, str]:
        if self.env.is_goal(state):
            return 1.0, ""
        messages = prompt(
            self.env.rules_text(),
            f"{self.env.goal_text()}\nState: {self.env.render(state)}\n"
            "Can the goal be reached from this state? Answer sure, likely or impossible.\nAnswer:",
        )
        logprobs = await score(self.provider, self.meter, messages, list(VERDICTS))
        if logprobs is not None:
            weights = softmax(logprobs)
            return sum(w * v for w, v in zip(weights, VERDICTS.values())), ""
        reply = await generate(self.provider, self.meter, messages, 8)
        word = next((v for k, v in VERDICTS.items() if k.strip() in reply.text.lower()), 0.5)
        return word, reply.text
