"""API keys: read from the environment or the OS keyring, never from or to any file."""

from __future__ import annotations

import os

from agents.llm.refs import OpenAIRef

KEYRING_SERVICE = "agora-lab"
DEFAULT_KEY_ENV = "AGORA_LAB_API_KEY"
# OpenAI's client insists on a non-empty key; local servers (llama.cpp, Ollama) ignore it.
NO_KEY = "no-key"


def api_key_for(ref: OpenAIRef) -> str:
    """The endpoint's key: its own env var, then AGORA_LAB_API_KEY, then the keyring."""
    for var in (ref.endpoint.api_key_env, DEFAULT_KEY_ENV):
        if var and os.environ.get(var):
            return os.environ[var]
    return _keyring_get(ref.name) or NO_KEY


def _keyring_get(name: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, name)
    except Exception:  # no keyring backend on this machine is not an error
        return None


def store_api_key(name: str, key: str) -> None:
    """Save a key in the OS keyring (raises keyring's error when no backend exists)."""
    import keyring

    keyring.set_password(KEYRING_SERVICE, name, key)


def delete_api_key(name: str) -> None:
    import keyring

    keyring.delete_password(KEYRING_SERVICE, name)
