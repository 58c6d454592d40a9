"""The deadlines of one request to an OpenAI-compatible server, and the waiter that keeps them."""

from __future__ import annotations

import asyncio
from typing import Any

from agents.llm.base import CancelToken, ProviderError, unless_cancelled
from agents.llm.endpoints import EndpointConfig
from agents.llm.streaming import MessageAssembler


class Deadlines:
    """The first-token and total deadlines of one request (both counted from its start).

    ``timeout_s`` only bounds the silence between two reads, and SSE keep-alive comments
    (``: ping``) reset it without ever carrying text; these two bound the request itself.
    """

    def __init__(self, endpoint: EndpointConfig, out: MessageAssembler):
        self.endpoint, self._out = endpoint, out
        start = asyncio.get_running_loop().time()
        self.first_token_at = start + endpoint.first_token_timeout_s
        self.total_at = start + endpoint.total_timeout_s

    def nearest(self) -> float:
        """When the next deadline passes (the first-token one stops counting once text came)."""
        return self.total_at if self._out.completion_tokens else min(self.total_at, self.first_token_at)

    def remaining(self) -> float:
        """Seconds left before the nearest deadline; raise the timeout when none are."""
        left = self.nearest() - asyncio.get_running_loop().time()
        if left <= 0:
            raise self.expired()
        return left

    def expired(self) -> ProviderError:
        where = f"{self.endpoint.base_url} (model {self.endpoint.model!r})"
        if self._out.completion_tokens or self.total_at <= self.first_token_at:
            return ProviderError(
                "timeout",
                f"{where} did not finish the reply within the total deadline "
                f"of {self.endpoint.total_timeout_s:g} s (total=, total_timeout_s)",
            )
        return ProviderError(
            "timeout",
            f"{where} sent no reply text within the first-token deadline of "
            f"{self.endpoint.first_token_timeout_s:g} s (first_token=, first_token_timeout_s); "
            "a server that only sends keep-alives never trips the read timeout",
        )


class Waiter:
    """Await one step of a request, giving up on Stop or when a deadline passes."""

    def __init__(self, cancel: CancelToken, clock: Deadlines):
        self.cancel, self.clock = cancel, clock

    async def __call__(self, awaitable: Any) -> Any:
        limit = self.clock.remaining()
        try:
            return await unless_cancelled(asyncio.wait_for(awaitable, limit), self.cancel)
        except TimeoutError:
            if asyncio.get_running_loop().time() < self.clock.nearest():
                raise  # not ours (a socket's own timeout): classified as usual
            raise self.clock.expired() from None
