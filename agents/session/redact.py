"""Belt and braces: API keys never enter events, and no session or export may contain one.

Any value of an environment variable that holds a key (``*_API_KEY``, ``*_TOKEN``,
``*_SECRET``, and every saved endpoint's ``api_key_env``) and every key handed to a client is
replaced before text reaches a file. Model output is already redacted as it streams
(agents.llm.streaming.SecretRedactor); the session writer redacts again, across records.
"""

from __future__ import annotations

from agents.llm.credentials import REDACTED, known_secrets, redact_text

__all__ = ["REDACTED", "redact_secrets", "secret_values"]


def secret_values() -> list[str]:
    names: set[str] = set()
    try:
        from agents.settings import load_settings

        names.update(e.api_key_env for e in load_settings().endpoints.values() if e.api_key_env)
    except Exception:  # unreadable settings must not stop a transcript from being saved
        pass
    return known_secrets(names)


def redact_secrets(text: str, secrets: list[str] | None = None) -> str:
    return redact_text(text, secret_values() if secrets is None else secrets)
