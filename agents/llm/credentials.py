"""API keys: read from the environment or the OS keyring, never from or to any file.

Every key this process knows (handed to a client, or sitting in a key-like environment
variable) is also what :func:`redact_text` removes from model output, error details and files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from urllib.parse import urlparse

from agents.llm.refs import OpenAIRef

KEYRING_SERVICE = "agora-lab"
DEFAULT_KEY_ENV = "AGORA_LAB_API_KEY"
# OpenAI's client insists on a non-empty key; local servers (llama.cpp, Ollama) ignore it.
NO_KEY = "no-key"


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# Keys handed to a client in this process: the session writer and exports redact them too,
# so a server that echoes a key in an error body cannot get it into a file.
KEYS_IN_USE: set[str] = set()
SECRET_ENV_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET")
MIN_SECRET_LENGTH = 8  # shorter values would redact ordinary words
REDACTED = "[redacted]"


def api_key_for(ref: OpenAIRef) -> str:
    """The endpoint's key: its own env var, then AGORA_LAB_API_KEY, then the keyring.

    The general AGORA_LAB_API_KEY goes only to endpoints saved in the user's settings and to
    servers on this machine: a team file from someone else naming an inline URL must not
    receive it (it can name its own variable with ``?key_env=``).
    """
    general_allowed = ref.saved or urlparse(ref.endpoint.base_url).hostname in LOOPBACK_HOSTS
    for var in (ref.endpoint.api_key_env, DEFAULT_KEY_ENV if general_allowed else None):
        if var and os.environ.get(var):
            return _in_use(os.environ[var])
    return _in_use(_keyring_get(ref.name) or NO_KEY)


def _in_use(key: str) -> str:
    if key != NO_KEY:
        KEYS_IN_USE.add(key)
    return key


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


def delete_api_key(name: str, missing_ok: bool = False) -> None:
    """Remove a key from the OS keyring; ``missing_ok``: no key (or no keyring) is fine."""
    import keyring
    from keyring.errors import NoKeyringError, PasswordDeleteError

    try:
        keyring.delete_password(KEYRING_SERVICE, name)
    except (PasswordDeleteError, NoKeyringError):
        if not missing_ok:
            raise


def known_secrets(extra_env_names: Iterable[str] = ()) -> list[str]:
    """Every key in use plus the value of every key-like environment variable, longest first
    (so a key that contains another is replaced whole)."""
    names = {n for n in os.environ if n.endswith(SECRET_ENV_SUFFIXES)} | {DEFAULT_KEY_ENV, *extra_env_names}
    values = {os.environ.get(name, "") for name in names} | KEYS_IN_USE
    return sorted((v for v in values if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def redact_text(text: str, secrets: Sequence[str] | None = None, limit: int | None = None) -> str:
    """``text`` with every secret replaced, then cut to ``limit`` characters (in that order:
    cutting first could leave the first half of a key)."""
    for secret in known_secrets() if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text if limit is None else text[:limit]
