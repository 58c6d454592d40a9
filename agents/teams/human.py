"""Asking a person for a team member's turn, without the domain ever awaiting a widget.

A run announces a human turn as a ``HumanInputRequested`` event carrying a ``request_id``;
whoever shows it (the window) answers through :class:`HumanAnswers` with that id. The CLI
keeps passing a plain ``(agent, prompt) -> text`` coroutine function that reads stdin.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from agents.agent import Agent
from agents.llm.base import Cancelled

AskHuman = Callable[[Agent, str], Awaitable[str]]


class HumanAnswers:
    """Answers keyed by request id; an answer may arrive before or after the run waits for it.

    ``release()`` (the user's Stop) makes every waiting and later ``ask`` raise ``Cancelled``.
    """

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[str]] = {}
        self._early: dict[str, str] = {}
        self._released = False

    @property
    def waiting(self) -> tuple[str, ...]:
        """The request ids a run is waiting on now."""
        return tuple(self._waiting)

    async def ask(self, agent: Agent, prompt: str, request_id: str) -> str:
        if self._released:
            raise Cancelled()
        if request_id in self._early:
            return self._early.pop(request_id)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        try:
            return await future
        finally:
            self._waiting.pop(request_id, None)

    def answer(self, request_id: str, text: str) -> bool:
        """Give the answer to ``request_id``; True when a turn was waiting for it (else it is kept)."""
        future = self._waiting.get(request_id)
        if future is None or future.done():
            self._early[request_id] = text
            return False
        future.set_result(text)
        return True

    def release(self) -> None:
        self._released = True
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(Cancelled())


HumanInput = AskHuman | HumanAnswers
"""How a run reaches a person: a coroutine function, or answers given through the stream."""


def ask_human(human: HumanInput, agent: Agent, prompt: str, request_id: str) -> Awaitable[str]:
    if isinstance(human, HumanAnswers):
        return human.ask(agent, prompt, request_id)
    return human(agent, prompt)
