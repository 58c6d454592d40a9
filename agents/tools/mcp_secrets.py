"""MCP servers' secrets (an API token in a stdio server's environment, an HTTP server's auth
header) live in the OS keyring, never in settings.json.

Saving a server puts each secret value in the keyring and leaves ``IN_KEYRING`` in its place;
starting the server reads it back. A value written as ``${NAME}`` is a reference to the lab's
own environment and is never stored. Where no keyring backend exists (CI, a bare container), a
secret is turned into such a reference instead, and the user is told which variable to set:
the secret is never written in plain text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from agents.llm.credentials import KEYRING_SERVICE, KEYS_IN_USE
from agents.tool_settings import McpServerConfig
from agents.tools.base import ToolError

IN_KEYRING = "<in keyring>"
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASS|PWD|AUTH|CRED|COOKIE|SESSION|PRIVATE", re.IGNORECASE)
_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


def is_secret_env(name: str) -> bool:
    """Whether an environment variable's value is a secret, going by its name (API_KEY, GH_TOKEN…)."""
    return bool(_SECRET_NAME.search(name))


def keyring_entry(server: str, field: str, key: str) -> str:
    """The keyring's user name for one secret: ``mcp:<server>:env:<NAME>`` or ``…:headers:<Header>``."""
    return f"mcp:{server}:{field}:{key}"


def _secrets(config: McpServerConfig) -> list[tuple[str, str, str]]:
    """(field, key, value) of every secret the config holds: secret-named env values, all headers."""
    found = [("env", k, v) for k, v in config.env.items() if is_secret_env(k)]
    return found + [("headers", k, v) for k, v in config.headers.items()]


def stored_entries(config: McpServerConfig) -> set[str]:
    """The keyring entries this config refers to."""
    return {keyring_entry(config.name, field, key) for field, key, value in _secrets(config) if value == IN_KEYRING}


def _reference_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", key).upper()


def stash_secrets(config: McpServerConfig) -> tuple[McpServerConfig, list[str]]:
    """The config as settings.json may hold it, and a note per secret that had to become an
    environment reference because no keyring backend exists."""
    import keyring

    fields: dict[str, dict[str, str]] = {"env": dict(config.env), "headers": dict(config.headers)}
    notes = []
    for field, key, value in _secrets(config):
        if value == IN_KEYRING or _REFERENCE.match(value):
            continue
        try:
            keyring.set_password(KEYRING_SERVICE, keyring_entry(config.name, field, key), value)
            fields[field][key] = IN_KEYRING
        except Exception as exc:  # keyring raises its own errors, and backends raise theirs
            variable = key if field == "env" else f"{config.name}_{_reference_name(key)}".upper()
            fields[field][key] = f"${{{variable}}}"
            notes.append(
                f"MCP server {config.name}: {key} could not go to the OS keyring ({exc or type(exc).__name__}); "
                f"it was not saved: set the environment variable {variable} before starting Agora Lab"
            )
    return config.model_copy(update=fields), notes


def stash_all(servers: Iterable[McpServerConfig]) -> tuple[tuple[McpServerConfig, ...], list[str]]:
    """``stash_secrets`` for every server: (the configs to save, every note)."""
    stashed, notes = [], []
    for server in servers:
        config, server_notes = stash_secrets(server)
        stashed.append(config)
        notes += server_notes
    return tuple(stashed), notes


def unused_entries(before: Iterable[McpServerConfig], after: Iterable[McpServerConfig]) -> set[str]:
    """Keyring entries the old servers referred to and the new ones do not (removed or renamed)."""
    kept = {entry for config in after for entry in stored_entries(config)}
    return {entry for config in before for entry in stored_entries(config)} - kept


def forget_secrets(entries: Iterable[str]) -> None:
    """Remove keyring entries no server refers to any more (a missing one, or no keyring, is fine)."""
    import keyring

    for entry in entries:
        try:
            keyring.delete_password(KEYRING_SERVICE, entry)
        except Exception:  # already gone, or no backend to hold it
            pass


def resolve_secrets(config: McpServerConfig) -> McpServerConfig:
    """The config with its secrets read back (keyring, environment), for starting the server;
    ToolError names the one that is missing. Each value is redacted from session files."""
    fields: dict[str, dict[str, str]] = {"env": dict(config.env), "headers": dict(config.headers)}
    for field in fields:
        for key, value in fields[field].items():
            fields[field][key] = _resolved(config.name, field, key, value)
            if field == "headers" or is_secret_env(key):
                KEYS_IN_USE.add(fields[field][key])
    return config.model_copy(update=fields)


def _resolved(server: str, field: str, key: str, value: str) -> str:
    if (match := _REFERENCE.match(value)) is not None:
        if (found := os.environ.get(match.group(1))) is None:
            raise ToolError("unavailable", f"{key} reads the environment variable {match.group(1)}, which is not set")
        return found
    if value != IN_KEYRING:
        return value
    secret = _keyring_get(keyring_entry(server, field, key))
    if secret is None:
        raise ToolError("unavailable", f"{key} is not in the OS keyring; enter it again in Providers")
    return secret


def _keyring_get(entry: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, entry)
    except Exception:  # no keyring backend: reported as a missing secret
        return None
