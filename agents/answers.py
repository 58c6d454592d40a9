"""Answers a person gives through the stream, keyed by the id of the event that asked.

The domain never awaits a widget: a run yields a request event carrying an id (a human turn's
``request_id``, a tool call's ``call_id``) and waits here; whoever shows the request answers
with that id. An answer may arrive before or after the wait; ``release()`` (the user's Stop)
makes every waiting and later wait raise ``Cancelled``.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

from agents.llm.base import Cancelled

T = TypeVar("T")


class KeyedAnswers(Generic[T]):
    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[T]] = {}
        self._early: dict[str, T] = {}
        self._released = False

    @property
    def waiting(self) -> tuple[str, ...]:
        """The ids a run is waiting on now."""
        return tuple(self._waiting)

    async def wait(self, key: str) -> T:
        if self._released:
            raise Cancelled()
        if key in self._early:
            return self._early.pop(key)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        try:
            return await future
        finally:
            self._waiting.pop(key, None)

    def answer(self, key: str, value: T) -> bool:
        """Give the answer to ``key``; True when a run was waiting for it (else it is kept)."""
        future = self._waiting.get(key)
        if future is None or future.done():
            self._early[key] = value
            return False
        future.set_result(value)
        return True

    def release(self) -> None:
        self._released = True
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(Cancelled())
