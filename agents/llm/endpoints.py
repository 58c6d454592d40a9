"""Where an OpenAI-compatible server is, and how long to wait for it; never its key.

A base URL ends up in session files and error messages, so a credential inside one (user
info, or a key in the query string) is refused here, and the refusal never repeats it.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import parse_qsl, urlparse

from pydantic import Field, field_validator

from agents.events import Record

# Query parameters that carry a credential (``?api_key=``, ``?access_token=``, ``?sig=``).
CREDENTIAL_PARAM_WORDS = ("key", "token", "secret", "password", "passwd", "auth", "sig", "credential")
# Hosted services ping (SSE comments) while a request is queued: the first text may come late.
_USER_INFO = re.compile(r"(://)[^/@#?]*@")
_QUERY_PAIR = re.compile(r"([?&])([^=&#?]*)=([^&#]*)")
DEFAULT_FIRST_TOKEN_S = 120.0
DEFAULT_TOTAL_S = 600.0


class EndpointConfig(Record):
    """An OpenAI-compatible server. The API key is never part of it (env or keyring).

    ``timeout_s`` is the longest silence between two reads; a server that sends only
    keep-alive comments never trips it, so ``first_token_timeout_s`` bounds the wait for the
    first text and ``total_timeout_s`` the whole request.
    """

    base_url: str
    model: str = Field(min_length=1)
    api: Literal["chat", "completions"] = "chat"
    api_key_env: str | None = Field(
        default=None, description="Environment variable holding the key (else AGORA_LAB_API_KEY, else keyring)"
    )
    timeout_s: float = Field(default=60.0, gt=0)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    first_token_timeout_s: float = Field(default=DEFAULT_FIRST_TOKEN_S, gt=0)
    total_timeout_s: float = Field(default=DEFAULT_TOTAL_S, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    context_tokens: int | None = Field(default=None, ge=64)
    native_tools: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="Send tools as native function calls: auto = on for chat endpoints until the server refuses them",
    )

    @field_validator("base_url")
    @classmethod
    def _http_url_without_credentials(cls, value: str) -> str:
        problem = url_problem(value)
        if problem:
            raise ValueError(problem)
        return value.rstrip("/")


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a base URL, worded without repeating any secret in it."""
    try:
        parsed = urlparse(url)
        host = parsed.hostname
    except ValueError:
        return f"{safe_url(url)!r} is not a valid URL"
    if parsed.scheme not in ("http", "https") or not host:
        return f"{safe_url(url)!r} is not an http(s) URL"
    return credentials_problem(url)


def credentials_problem(url: str) -> str | None:
    """A refusal when ``url`` carries a credential (user info or a key-like query parameter)."""
    try:
        parsed = urlparse(url)
        has_user = bool(parsed.username or parsed.password)
    except ValueError:
        return None
    if has_user:
        return (
            "credentials in the URL are refused (they would be written to session files); "
            "use an API key variable or the keyring"
        )
    names = [name for name, _ in parse_qsl(parsed.query, keep_blank_values=True) if is_credential_param(name)]
    if names:
        return (
            f"a credential in the URL's query string ({', '.join(sorted(set(names)))}) is refused "
            "(it would be written to session files); use an API key variable or the keyring"
        )
    return None


def is_credential_param(name: str) -> bool:
    lowered = name.lower().replace("-", "_")
    if lowered == "key_env":  # a model reference's own option: a variable's name, not a key
        return False
    return any(word in lowered for word in CREDENTIAL_PARAM_WORDS)


def safe_url(text: str) -> str:
    """``text`` with user info and credential-like query values masked, for messages."""
    text = _USER_INFO.sub(r"\1[redacted]@", text)
    return _QUERY_PAIR.sub(lambda m: f"{m[1]}{m[2]}=[redacted]" if is_credential_param(m[2]) else m[0], text)
