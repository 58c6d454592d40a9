"""Asking a person for a team member's turn, without the domain ever awaiting a widget.

A run announces a human turn as a ``HumanInputRequested`` event carrying a ``request_id``;
whoever shows it (the window) answers through :class:`HumanAnswers` with that id. The CLI
keeps passing a plain ``(agent, prompt) -> text`` coroutine function that reads stdin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from agents.agent import Agent
from agents.answers import KeyedAnswers

AskHuman = Callable[[Agent, str], Awaitable[str]]


class HumanAnswers(KeyedAnswers[str]):
    """Answers keyed by request id; an answer may arrive before or after the run waits for it.

    ``release()`` (the user's Stop) makes every waiting and later ``ask`` raise ``Cancelled``.
    """

    async def ask(self, agent: Agent, prompt: str, request_id: str) -> str:
        return await self.wait(request_id)


HumanInput = AskHuman | HumanAnswers
"""How a run reaches a person: a coroutine function, or answers given through the stream."""


def ask_human(human: HumanInput, agent: Agent, prompt: str, request_id: str) -> Awaitable[str]:
    if isinstance(human, HumanAnswers):
        return human.ask(agent, prompt, request_id)
    return human(agent, prompt)
