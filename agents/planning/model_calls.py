"""Asking a model for planning: one generation or one scoring call, counted in a meter.

World models, policies and value functions share this, so model calls and tokens are counted
once, in one place, and a provider failure becomes a recorded outcome instead of an exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from agents.events import ErrorEvent, MessageCompleted
from agents.llm.base import CancelToken, ChatMessage, CompletionRequest, GenerationParams, Provider, ProviderError


@dataclass
class Meter:
    model_calls: int = 0
    tokens: int = 0
    # The run's stop token, handed to every generation so Stop interrupts a call in flight.
    cancel: CancelToken | None = None


@dataclass
class Reply:
    text: str
    error: str | None = None


def prompt(system: str, user: str) -> tuple[ChatMessage, ...]:
    return (ChatMessage(role="system", content=system), ChatMessage(role="user", content=user))


async def generate(provider: Provider, meter: Meter, messages, max_tokens: int, stop: tuple[str, ...] = ()) -> Reply:
    """Greedy generation (temperature 0: a world model should be deterministic)."""
    if meter.cancel is not None and meter.cancel.cancelled:
        return Reply("", "cancelled: the run was stopped")  # no new call once Stop is pressed
    params = GenerationParams(max_tokens=max_tokens, temperature=0.0, stop=stop, seed=0)
    meter.model_calls += 1
    text, error = "", None
    request = CompletionRequest(messages=messages, params=params, speaker="Planner")
    async for event in provider.stream(request, meter.cancel):
        if isinstance(event, ErrorEvent):
            error = f"{event.kind}: {event.message}"
        elif isinstance(event, MessageCompleted):
            text = event.text
            meter.tokens += event.usage.prompt_tokens + event.usage.completion_tokens
    return Reply(text, error)


async def score(provider: Provider, meter: Meter, messages, candidates: list[str]) -> list[float] | None:
    """Mean log-likelihood per token of each candidate; None when the provider cannot score."""
    meter.model_calls += 1
    try:
        scored = await provider.score(messages, candidates, speaker="Planner")
    except ProviderError as exc:
        if exc.kind == "unsupported":
            return None
        raise
    meter.tokens += sum(s.n_tokens for s in scored)
    return [s.logprob / max(1, s.n_tokens) for s in scored]


def softmax(values: list[float]) -> list[float]:
    top = max(values)
    weights = [math.exp(v - top) for v in values]
    total = sum(weights)
    return [w / total for w in weights]
