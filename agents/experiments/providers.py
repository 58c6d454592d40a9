"""Models for a whole experiment: each reference opened once and lent to every item's run.

The run pipeline closes the providers of each run it finishes; an experiment of 300 items must
not load the embedded model 300 times, so items get borrowed handles whose ``aclose`` leaves
the model open, and the experiment closes what it opened at the very end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence

from agents.events import Event
from agents.llm.base import CancelToken, ChatMessage, CompletionRequest, Provider, ScoredCandidate
from agents.llm.providers import ProviderLoader
from agents.settings import Settings


class Borrowed:
    """A provider lent to one run: everything but closing goes to the shared one."""

    def __init__(self, provider: Provider):
        self._provider = provider
        self.identity = provider.identity

    def stream(self, request: CompletionRequest, cancel: CancelToken | None = None) -> AsyncIterator[Event]:
        return self._provider.stream(request, cancel)

    async def score(
        self, messages: Sequence[ChatMessage], candidates: Sequence[str], speaker: str = "Assistant"
    ) -> list[ScoredCandidate]:
        return await self._provider.score(messages, candidates, speaker)

    async def aclose(self) -> None:
        return None


class SharedProviders:
    def __init__(self, settings: Settings, given: dict[str, Provider] | None = None):
        self.settings = settings
        self.given = dict(given or {})  # the caller's (tests): used, never closed here
        self.opened: dict[str, Provider] = {}

    async def open(self, refs: Iterable[str]) -> AsyncIterator[Event]:
        """Load every reference not open yet, yielding load progress. Raises ProviderError."""
        for ref in dict.fromkeys(refs):
            if ref in self.given or ref in self.opened:
                continue
            loader = ProviderLoader(ref, self.settings)
            async for event in loader.events():
                yield event
            assert loader.provider is not None
            self.opened[ref] = loader.provider

    def get(self, ref: str) -> Provider:
        return self.given.get(ref) or self.opened[ref]

    async def lend(self, refs: dict[str, str], settings: Settings, into: dict[str, Provider]) -> AsyncIterator[Event]:
        """The run pipeline's provider source: borrowed handles, nothing to load."""
        for name, ref in refs.items():
            into[name] = Borrowed(self.get(ref))
        return
        yield  # an async generator (the pipeline iterates it) with nothing to report

    async def aclose(self) -> None:
        opened, self.opened = self.opened, {}
        for provider in opened.values():
            await provider.aclose()
