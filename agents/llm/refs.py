"""Model references: one string names any model Agora Lab can talk to.

    local                                     the embedded Gemma 3 270M (offline default)
    local:/path/to/hf-model-dir               any Hugging Face causal LM directory
    local:/path/to/model.gguf                 any GGUF file transformers can read
    openai-compatible:BASE_URL#MODEL          any OpenAI-compatible server (chat endpoint)
    openai-compatible:BASE_URL#MODEL?api=completions&ctx=2048&timeout=30&retries=2
    openai-compatible:BASE_URL#MODEL?first_token=120&total=600
    openai-compatible:BASE_URL#MODEL?tools=off     tools through the text protocol, never native
    endpoint:NAME                             an endpoint saved in settings.json

``timeout`` is the longest silence between reads, ``first_token`` the longest wait for the
first text and ``total`` the longest a whole request may take (seconds). Parsing is pure:
``endpoint:NAME`` is looked up in the endpoints the caller passes, never read from disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlparse

from pydantic import ValidationError

from agents.events import Record
from agents.llm.base import ProviderError
from agents.llm.endpoints import EndpointConfig, safe_url, url_problem

__all__ = [
    "ACCEPTED_FORMS",
    "EndpointConfig",
    "LocalRef",
    "ModelRef",
    "OpenAIRef",
    "check_model_ref",
    "parse_model_ref",
]

ACCEPTED_FORMS = (
    "local",
    "local:/path/to/hf-model-dir",
    "local:/path/to/model.gguf",
    "openai-compatible:http://HOST:PORT/v1#MODEL[?api=chat|completions&ctx=N&timeout=S&first_token=S&total=S&retries=N&key_env=VAR&tools=auto|on|off]",
    "endpoint:NAME (an endpoint saved in settings.json)",
)
_OPENAI_PREFIXES = ("openai-compatible:", "oai:")
_OPTION_FIELDS = {
    "api": "api",
    "ctx": "context_tokens",
    "timeout": "timeout_s",
    "retries": "max_retries",
    "key_env": "api_key_env",
    "first_token": "first_token_timeout_s",
    "total": "total_timeout_s",
    "tools": "native_tools",
}
SHOWN_CHARS = 120  # a reference echoed in an error is cut to this: team files can be hostile
Endpoints = Mapping[str, EndpointConfig]


class LocalRef(Record):
    kind: Literal["local"] = "local"
    path: str | None = None  # None: the embedded default model


class OpenAIRef(Record):
    kind: Literal["openai-compatible"] = "openai-compatible"
    name: str  # endpoint name, used as keyring user name
    endpoint: EndpointConfig
    saved: bool = False  # an endpoint from the user's own settings (not a team file's inline URL)


ModelRef = LocalRef | OpenAIRef


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters, for echoing untrusted input in a message."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text)} characters)"


def invalid_reference(ref: str, why: str) -> ProviderError:
    why = why if len(why) <= 4 * SHOWN_CHARS else f"{why[: 4 * SHOWN_CHARS - 1]}…"
    forms = "\n  ".join(ACCEPTED_FORMS)
    return ProviderError(
        "invalid_reference", f"unknown model reference {shown(safe_url(ref))}: {why}. Accepted forms:\n  {forms}"
    )


def parse_model_ref(ref: str, endpoints: Endpoints | None = None) -> ModelRef:
    """Parse a model reference; raise ProviderError('invalid_reference') listing the forms.

    ``endpoints`` are the saved ones ``endpoint:NAME`` may name (``settings.endpoints``)."""
    text = ref.strip()
    if text == "local":
        return LocalRef()
    if text.startswith("local:"):
        return _parse_local(ref, text[len("local:") :])
    for prefix in _OPENAI_PREFIXES:
        if text.startswith(prefix):
            return _parse_openai(ref, text[len(prefix) :])
    if text.startswith("endpoint:"):
        return _lookup_endpoint(ref, text[len("endpoint:") :], endpoints or {})
    raise invalid_reference(ref, "no known prefix")


def check_model_ref(ref: str, endpoints: Endpoints | None = None) -> None:
    """Raise as :func:`parse_model_ref` would; with ``endpoints`` None (unknown, e.g. while
    validating a team file) any ``endpoint:NAME`` is accepted and looked up when loaded."""
    text = ref.strip()
    if endpoints is None and text.startswith("endpoint:"):
        if not text[len("endpoint:") :].strip():
            raise invalid_reference(ref, "'endpoint:' needs a name")
        return
    parse_model_ref(ref, endpoints)


def _parse_local(ref: str, raw_path: str) -> LocalRef:
    if not raw_path:
        raise invalid_reference(ref, "'local:' needs a path")
    try:
        return _checked_local(ref, Path(raw_path).expanduser())
    except (OSError, RuntimeError, ValueError) as exc:
        raise invalid_reference(ref, f"unusable path ({exc})") from None


def _checked_local(ref: str, path: Path) -> LocalRef:
    if not path.exists():
        raise invalid_reference(ref, f"{path} does not exist")
    if path.is_file() and path.suffix != ".gguf":
        raise invalid_reference(ref, f"{path} is a file but not a .gguf")
    if path.is_dir() and not (path / "config.json").exists():
        raise invalid_reference(ref, f"{path} has no config.json (not a Hugging Face model directory)")
    return LocalRef(path=str(path.resolve()))


def _parse_openai(ref: str, rest: str) -> OpenAIRef:
    base_url, sep, model_part = rest.partition("#")
    if not sep or not model_part:
        raise invalid_reference(ref, "the model name is missing after '#'")
    problem = url_problem(base_url)
    if problem:
        raise invalid_reference(ref, problem)
    parsed = urlparse(base_url)
    model, _, query = model_part.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = set(options) - set(_OPTION_FIELDS)
    if unknown:
        raise invalid_reference(ref, f"unknown option(s) {shown(sorted(unknown))}")
    fields = {_OPTION_FIELDS[key]: value for key, value in options.items()}
    try:
        endpoint = EndpointConfig.model_validate({"base_url": base_url.rstrip("/"), "model": model, **fields})
    except ValidationError as exc:
        raise invalid_reference(ref, _first_error(exc)) from None
    return OpenAIRef(name=f"{parsed.hostname}:{parsed.port or ''}/{model}", endpoint=endpoint)


def _lookup_endpoint(ref: str, name: str, endpoints: Endpoints) -> OpenAIRef:
    endpoint = endpoints.get(name)
    if endpoint is None:
        known = ", ".join(sorted(endpoints)) or "none saved yet"
        raise invalid_reference(ref, f"no endpoint named {shown(name)} in settings (known: {known})")
    return OpenAIRef(name=name, endpoint=endpoint, saved=True)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err["loc"])
    return f"{where}: {err['msg']}"
