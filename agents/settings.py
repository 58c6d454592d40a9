"""User settings (providers and model references) in the platform's config directory.

Secrets never live here: API keys come from the environment or the OS keyring.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from agents.events import Record
from agents.llm.endpoints import EndpointConfig, credentials_problem
from agents.paths import config_dir

SETTINGS_VERSION = 1


class SettingsError(ValueError):
    """A settings file that cannot be used; the message names the file and the field."""


class LocalSettings(Record):
    device: Literal["auto", "cpu", "cuda"] = "auto"
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    context_tokens: int = Field(default=4096, ge=256, le=131072)


class Settings(Record):
    version: int = SETTINGS_VERSION
    default_model: str = "local"
    local: LocalSettings = LocalSettings()
    endpoints: dict[str, EndpointConfig] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _refuse_secrets(cls, data: Any) -> Any:
        if _mentions_secret(data):
            raise ValueError(
                "API keys are never stored in settings; set the endpoint's api_key_env "
                "variable or run `agora-lab keys set NAME` (OS keyring)"
            )
        return data

    @field_validator("default_model")
    @classmethod
    def _no_credentials_in_default_model(cls, value: str) -> str:
        # Checked when settings load, not when the model is first used: the reference is
        # written into every session, and the refusal must not repeat the secret.
        problem = credentials_problem(value.partition("#")[0].partition(":")[2])
        if problem:
            raise ValueError(problem)
        return value


def _mentions_secret(data: Any) -> bool:
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("api_key", "apikey", "key", "token", "password") or _mentions_secret(value):
                return True
    return False


def settings_path() -> Path:
    return config_dir() / "settings.json"


def load_settings(path: Path | None = None) -> Settings:
    """Read settings; a missing file means defaults. Raise SettingsError naming file and field."""
    path = path or settings_path()
    if not path.exists():
        return Settings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{path}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read: {exc}") from None
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"{path}: {problems}") from None


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write settings atomically (a crash never leaves a half-written file)."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(settings.model_dump_json(indent=2))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return path
