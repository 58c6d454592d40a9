"""Scripted models for experiments: replies planted per question, agent and round."""

from __future__ import annotations

import re
from collections.abc import Callable

from agents.llm.base import CompletionRequest
from agents.llm.scripted import ScriptedProvider

ROUND = re.compile(r"Round (\d+)\.")


def question_of(request: CompletionRequest) -> str:
    """The task text: the first user message (the team and the samplers both put it there)."""
    return next(m.content for m in request.messages if m.role == "user")


def round_of(request: CompletionRequest) -> int:
    found = [int(n) for m in request.messages for n in ROUND.findall(m.content) if m.name == "Moderator"]
    return found[-1] if found else 1


def scripted(reply: Callable[[CompletionRequest], str], scorer=None) -> ScriptedProvider:
    return ScriptedProvider(reply, scorer=scorer or (lambda candidate: 0.0))
