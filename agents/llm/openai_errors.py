"""Map whatever the openai client or the network throws onto a typed ProviderError."""

from __future__ import annotations

import json
from typing import Any

import openai

from agents.llm.base import ProviderError
from agents.llm.credentials import redact_text
from agents.llm.transport import http

_CONTEXT_HINTS = ("context length", "context_length", "maximum context", "too many tokens", "exceed")


def classify(exc: BaseException, *, base_url: str, model: str, streaming_started: bool) -> ProviderError:
    """One clear, typed error for any failure talking to an OpenAI-compatible server.

    A hostile or careless server may echo the key in its body (a 401 page), so the message
    and detail are redacted before anyone can print them."""
    error = _classified(exc, base_url, model, streaming_started)
    error.message = redact_text(error.message)
    error.detail = redact_text(error.detail)
    error.args = (error.message,)
    return error


def _classified(exc: BaseException, base_url: str, model: str, streaming_started: bool) -> ProviderError:
    if isinstance(exc, ProviderError):
        return exc
    where = f"{base_url} (model {model!r})"
    if isinstance(exc, openai.APITimeoutError) or isinstance(exc, http.TimeoutException):
        return ProviderError("timeout", f"{where} did not answer in time", retryable=True, detail=str(exc))
    if isinstance(exc, openai.APIConnectionError) or isinstance(exc, (http.TransportError, OSError)):
        if streaming_started:
            return ProviderError("disconnected", f"{where} closed the connection mid-reply", detail=_cause(exc))
        return ProviderError("unreachable", f"cannot connect to {where}", retryable=True, detail=_cause(exc))
    if isinstance(exc, openai.APIStatusError):
        return _from_status(exc, where)
    if isinstance(
        exc, (json.JSONDecodeError, openai.APIResponseValidationError, KeyError, TypeError, AttributeError, ValueError)
    ):
        return ProviderError("malformed_response", f"{where} sent a reply that is not valid", detail=repr(exc))
    if isinstance(exc, openai.APIError):
        return ProviderError("server_error", f"{where} reported an error: {exc.message}", detail=str(exc))
    return ProviderError("internal", f"unexpected failure talking to {where}: {exc!r}")


def _from_status(exc: openai.APIStatusError, where: str) -> ProviderError:
    status = exc.status_code
    body = _short(exc)
    if status in (401, 403):
        return ProviderError(
            "auth",
            f"{where} refused the API key (HTTP {status}); check the key in the environment or keyring",
            detail=body,
        )
    if status == 404:
        return ProviderError(
            "model_not_found", f"{where}: not found (HTTP 404): wrong base URL or model name", detail=body
        )
    if status == 429:
        error = ProviderError(
            "rate_limit", f"{where} is rate-limiting requests (HTTP 429)", retryable=True, detail=body
        )
        error.retry_after_s = _retry_after(exc.response)
        return error
    if status >= 500:
        return ProviderError("server_error", f"{where} failed (HTTP {status})", retryable=True, detail=body)
    if any(hint in body.lower() for hint in _CONTEXT_HINTS):
        return ProviderError(
            "context_overflow", f"{where}: the conversation does not fit the model's context", detail=body
        )
    return ProviderError("bad_request", f"{where} rejected the request (HTTP {status})", detail=body)


def _retry_after(response: Any) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def _short(exc: openai.APIStatusError) -> str:
    try:
        return redact_text(exc.response.text, limit=500)
    except Exception:
        return redact_text(str(exc), limit=500)


def _cause(exc: BaseException) -> str:
    inner = exc.__cause__ or exc.__context__
    return f"{exc!r}" + (f" caused by {inner!r}" if inner else "")
