"""Models for a whole experiment: each reference opened once and lent to every item's run.

The run pipeline closes the providers of each run it finishes; an experiment of 300 items must
not load the embedded model 300 times, so items get borrowed handles whose ``aclose`` leaves
the model open, and the experiment closes what it opened at the very end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence

from agents.events import Event, EventBase
from agents.llm.base import CancelToken, ChatMessage, CompletionRequest, Provider, ScoredCandidate
from agents.session.pipeline import ProviderSource, close_providers, load_providers
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
    def __init__(
        self, settings: Settings, given: dict[str, Provider] | None = None, load: ProviderSource | None = None
    ):
        self.settings = settings
        self.given = dict(given or {})  # the caller's (tests, benchmarks): used, never closed here
        self.load = load or load_providers
        self.opened: dict[str, Provider] = {}

    async def open(self, refs: Iterable[str]) -> AsyncIterator[EventBase]:
        """Load every reference not open yet, yielding load progress. Raises ProviderError."""
        missing = {ref: ref for ref in refs if ref not in self.given and ref not in self.opened}
        async for event in self.load(missing, self.settings, self.opened):
            yield event

    def get(self, ref: str) -> Provider:
        return self.given.get(ref) or self.opened[ref]

    async def lend(
        self, refs: dict[str, str], settings: Settings, into: dict[str, Provider]
    ) -> AsyncIterator[EventBase]:
        """The run pipeline's provider source: borrowed handles, nothing to load."""
        for name, ref in refs.items():
            into[name] = Borrowed(self.get(ref))
        return
        yield  # an async generator (the pipeline iterates it) with nothing to report

    async def aclose(self) -> None:
        opened, self.opened = self.opened, {}
        await close_providers(opened)
