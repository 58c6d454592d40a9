"""Belt and braces: API keys never enter events, and no session or export may contain one.

Any value of an environment variable that holds a key (``*_API_KEY``, ``*_TOKEN``, and
every endpoint's ``api_key_env``) is replaced before text reaches a file.
"""

from __future__ import annotations

import os

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 8  # shorter values would redact ordinary words


def secret_values() -> list[str]:
    names = {n for n in os.environ if n.endswith(("_API_KEY", "_TOKEN", "_SECRET"))}
    try:
        from agents.settings import load_settings

        names.update(e.api_key_env for e in load_settings().endpoints.values() if e.api_key_env)
    except Exception:  # unreadable settings must not stop a transcript from being saved
        pass
    values = {os.environ.get(name, "") for name in names}
    from agents.llm.credentials import KEYS_IN_USE

    values.update(KEYS_IN_USE)
    return sorted((v for v in values if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def redact_secrets(text: str, secrets: list[str] | None = None) -> str:
    for secret in secret_values() if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text
