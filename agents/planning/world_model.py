"""World models: ``step(state, action) -> (next_state, info)``.

The exact world model is the environment's own simulator. The LLM world model asks a model
for the next state as text and parses it back; a failed parse is recorded in ``info``, never
raised, and the search treats that branch as unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from agents.llm.base import Provider
from agents.planning.envs import make_env
from agents.planning.envs.base import Env, State
from agents.planning.model_calls import Meter, generate, prompt

MAX_STATE_TOKENS = 160


@dataclass
class StepInfo:
    legal: bool = True
    parsed: bool = True
    raw_output: str = ""
    error: str | None = None


class WorldModel(Protocol):
    label: str

    async def step(self, state: State, action: str) -> tuple[State | None, StepInfo]: ...


class ExactWorldModel:
    label = "exact"

    def __init__(self, env: Env):
        self.env = env

    async def step(self, state: State, action: str) -> tuple[State | None, StepInfo]:
        nxt = self.env.successors(state).get(action)
        return nxt, StepInfo(legal=nxt is not None, parsed=nxt is not None)


class LLMWorldModel:
    """The model imagines the next state; one worked example from another instance guides it."""

    def __init__(self, env: Env, provider: Provider, meter: Meter):
        self.env, self.provider, self.meter = env, provider, meter
        self.label = f"llm:{provider.identity.ref}"
        self._example = _example(env)

    def messages(self, state: State, action: str):
        system = f"{self.env.rules_text()} Describe the state after the action, in the same words as the state."
        user = f"{self._example}\n\nState: {self.env.render(state)}\nAction: {action}\nNext state:"
        return prompt(system, user)

    async def step(self, state: State, action: str) -> tuple[State | None, StepInfo]:
        shown = self.env.render(state)
        # A next state is about as long as this one; a one-line state ends at the line's end.
        budget = min(MAX_STATE_TOKENS, len(shown) // 3 + 16)
        stops = ("\n\n", "Action:") if "\n" in shown else ("\n", "Action:")
        reply = await generate(self.provider, self.meter, self.messages(state, action), budget, stops)
        text = reply.text.strip()
        nxt = self.env.parse_state(text) if reply.error is None else None
        return nxt, StepInfo(legal=True, parsed=nxt is not None, raw_output=text, error=reply.error)


def _example(env: Env) -> str:
    """A worked transition from another instance of the same size, so the prompt never leaks this one."""
    other = make_env(env.name, env.seed + 1000, **getattr(env, "options", {}))
    state = other.initial
    action, nxt = next(iter(other.successors(state).items()))
    return f"State: {other.render(state)}\nAction: {action}\nNext state: {other.render(nxt)}"
