"""Resolve a model reference to a ready provider, reporting load progress as events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from agents.events import Event
from agents.llm.base import Provider, ProviderError
from agents.llm.refs import LocalRef, parse_model_ref
from agents.llm.worker import ThreadJob
from agents.settings import Settings, load_settings


class ProviderLoader:
    """``async for event in loader.events()`` loads; afterwards ``loader.provider`` is ready.

    Loading the local model can take minutes on a first start (conversion), so it is a
    stream of progress events like every other long operation. Raises ProviderError.
    """

    def __init__(self, ref: str, settings: Settings | None = None):
        self.ref = ref
        self.settings = settings if settings is not None else load_settings()
        self.parsed = parse_model_ref(ref, self.settings.endpoints)
        self.provider: Provider | None = None

    async def events(self) -> AsyncIterator[Event]:
        if isinstance(self.parsed, LocalRef):
            async for event in self._load_local(self.parsed):
                yield event
        else:
            from agents.llm.openai_compat import OpenAICompatProvider

            self.provider = OpenAICompatProvider(self.parsed)

    async def _load_local(self, ref: LocalRef) -> AsyncIterator[Event]:
        from agents.llm.local import LocalProvider

        # Ready to generate: behind llama.cpp that is before transformers' copy has loaded.
        job = local_model_job(ref, self.settings, wait_for_model=False)
        async for event in job:
            yield event
        assert job.result is not None  # the job raised if the model did not load
        self.provider = LocalProvider(job.result)


def local_model_job(ref: LocalRef, settings: Settings, wait_for_model: bool = True) -> ThreadJob:
    """Load a local model (converting and caching it first if needed) on a worker thread,
    with the settings' device, dtype and context; ``async for`` its progress events, then
    ``job.result`` is the LoadedModel (see load_local_model for ``wait_for_model``)."""
    from agents.llm.local_model import load_local_model

    local = settings.local
    return ThreadJob(
        lambda emit: load_local_model(ref, local.device, local.dtype, local.context_tokens, emit, wait_for_model)
    )


async def open_provider(
    ref: str, settings: Settings | None = None, on_event: Callable[[Event], None] | None = None
) -> Provider:
    """Load a provider, passing each progress event to ``on_event``."""
    loader = ProviderLoader(ref, settings)
    async for event in loader.events():
        if on_event is not None:
            on_event(event)
    if loader.provider is None:  # pragma: no cover - events() always sets it or raises
        raise ProviderError("internal", f"could not open {ref}")
    return loader.provider
