"""Model references: one string names any model Agora Lab can talk to.

local                                     the embedded Gemma 3 270M (offline default)
local:/path/to/hf-model-dir               any Hugging Face causal LM directory
local:/path/to/model.gguf                 any GGUF file transformers can read
openai-compatible:BASE_URL#MODEL          any OpenAI-compatible server (chat endpoint)
openai-compatible:BASE_URL#MODEL?api=completions&ctx=2048&timeout=30&retries=2
endpoint:NAME                             an endpoint saved in settings.json
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl, urlparse

from pydantic import Field, ValidationError, field_validator

from agents.events import Record
from agents.llm.base import ProviderError

if TYPE_CHECKING:
    from agents.settings import Settings

ACCEPTED_FORMS = (
    "local",
    "local:/path/to/hf-model-dir",
    "local:/path/to/model.gguf",
    "openai-compatible:http://HOST:PORT/v1#MODEL[?api=chat|completions&ctx=N&timeout=S&retries=N&key_env=VAR]",
    "endpoint:NAME (an endpoint saved in settings.json)",
)
_OPENAI_PREFIXES = ("openai-compatible:", "oai:")


class EndpointConfig(Record):
    """An OpenAI-compatible server. The API key is never part of it (env or keyring)."""

    base_url: str
    model: str = Field(min_length=1)
    api: Literal["chat", "completions"] = "chat"
    api_key_env: str | None = Field(
        default=None, description="Environment variable holding the key (else AGORA_LAB_API_KEY, else keyring)"
    )
    timeout_s: float = Field(default=60.0, gt=0)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    context_tokens: int | None = Field(default=None, ge=64)

    @field_validator("base_url")
    @classmethod
    def _http_url_without_credentials(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"{value!r} is not an http(s) URL")
        if parsed.username or parsed.password:
            raise ValueError(
                "credentials in the URL are refused (they would be written to session files); use an API key variable or the keyring"
            )
        return value.rstrip("/")


class LocalRef(Record):
    kind: Literal["local"] = "local"
    path: str | None = None  # None: the embedded default model


class OpenAIRef(Record):
    kind: Literal["openai-compatible"] = "openai-compatible"
    name: str  # endpoint name, used as keyring user name
    endpoint: EndpointConfig
    saved: bool = False  # an endpoint from the user's own settings (not a team file's inline URL)


ModelRef = LocalRef | OpenAIRef


def invalid_reference(ref: str, why: str) -> ProviderError:
    forms = "\n  ".join(ACCEPTED_FORMS)
    return ProviderError("invalid_reference", f"unknown model reference {ref!r}: {why}. Accepted forms:\n  {forms}")


def parse_model_ref(ref: str, settings: Settings | None = None) -> ModelRef:
    """Parse a model reference; raise ProviderError('invalid_reference') listing the forms."""
    text = ref.strip()
    if text == "local":
        return LocalRef()
    if text.startswith("local:"):
        return _parse_local(ref, text[len("local:") :])
    for prefix in _OPENAI_PREFIXES:
        if text.startswith(prefix):
            return _parse_openai(ref, text[len(prefix) :])
    if text.startswith("endpoint:"):
        return _lookup_endpoint(ref, text[len("endpoint:") :], settings)
    raise invalid_reference(ref, "no known prefix")


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
    try:
        parsed = urlparse(base_url)
        netloc = parsed.hostname or ""
    except ValueError as exc:
        raise invalid_reference(ref, f"{base_url!r} is not a valid URL ({exc})") from None
    if parsed.scheme not in ("http", "https") or not netloc:
        raise invalid_reference(ref, f"{base_url!r} is not an http(s) URL")
    model, _, query = model_part.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True))
    aliases = {"ctx": "context_tokens", "timeout": "timeout_s", "retries": "max_retries", "key_env": "api_key_env"}
    unknown = set(options) - set(aliases) - {"api"}
    if unknown:
        raise invalid_reference(ref, f"unknown option(s) {sorted(unknown)}")
    fields = {aliases.get(key, key): value for key, value in options.items()}
    try:
        endpoint = EndpointConfig(base_url=base_url.rstrip("/"), model=model, **fields)
    except ValidationError as exc:
        raise invalid_reference(ref, _first_error(exc)) from None
    return OpenAIRef(name=f"{parsed.hostname}:{parsed.port or ''}/{model}", endpoint=endpoint)


def _lookup_endpoint(ref: str, name: str, settings: Settings | None) -> OpenAIRef:
    if settings is None:
        from agents.settings import load_settings

        settings = load_settings()
    endpoint = settings.endpoints.get(name)
    if endpoint is None:
        known = ", ".join(sorted(settings.endpoints)) or "none saved yet"
        raise invalid_reference(ref, f"no endpoint named {name!r} in settings (known: {known})")
    return OpenAIRef(name=name, endpoint=endpoint, saved=True)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err["loc"])
    return f"{where}: {err['msg']}"
