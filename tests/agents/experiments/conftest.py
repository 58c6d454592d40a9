"""Scripted models for experiments: replies planted per question, agent and round."""

from __future__ import annotations

from collections.abc import Callable

from agents.llm.base import CompletionRequest
from agents.llm.scripted import ScriptedProvider


def question_of(request: CompletionRequest) -> str:
    """The task text: the first user message (the team and the samplers both put it there)."""
    return next(m.content for m in request.messages if m.role == "user")


def round_of(request: CompletionRequest) -> int:
    """A debater's round: one more than the turns it has already taken (its assistant messages);
    the prompts carry no "Round N" line, which a base model copied."""
    return 1 + sum(m.role == "assistant" for m in request.messages)


def scripted(reply: Callable[[CompletionRequest], str], scorer=None) -> ScriptedProvider:
    return ScriptedProvider(reply, scorer=scorer or (lambda candidate: 0.0))
