"""The local provider on the tiny random model, shared by the local provider's test modules."""

import pytest

from agents.events import ModelLoadProgress
from agents.llm.local import LocalProvider
from agents.llm.providers import ProviderLoader
from agents.settings import LocalSettings, Settings


@pytest.fixture
async def provider(tiny_model_dir):
    settings = Settings(local=LocalSettings(device="cpu", context_tokens=256))
    loader = ProviderLoader(f"local:{tiny_model_dir}", settings)
    events = [e async for e in loader.events()]
    assert isinstance(events[-1], ModelLoadProgress) and events[-1].stage == "ready"
    assert isinstance(loader.provider, LocalProvider)
    return loader.provider
