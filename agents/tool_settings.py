"""The user's tool settings as plain records: folders the file tools may use, per-tool
policies, MCP servers, limits. Apart from the tools package on purpose: ``agents.settings``
holds them, and every layer reads settings, so they import nothing but records.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from pydantic import Field, model_validator

from agents.events import Record, ToolPolicy

DEFAULT_MAX_CALLS = 4  # tool calls per turn
DEFAULT_THRESHOLD = 6  # more tools than this: offer only the most relevant
DEFAULT_K = 4  # how many


class SandboxLimits(Record):
    wall_s: float = 10.0
    cpu_s: int = 5
    memory_mb: int = 512
    file_mb: int = 16
    nproc: int = 16
    output_bytes: int = 64_000


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class McpServerConfig(Record):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
    command: str | None = None
    args: tuple[str, ...] = ()
    env: dict[str, str] = Field(default_factory=dict)  # secret-named values: in the keyring (mcp_secrets)
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)  # sent with every HTTP request; in the keyring
    connect_timeout_s: float = Field(default=20.0, gt=0)
    call_timeout_s: float = Field(default=30.0, gt=0)
    policy: ToolPolicy = "ask"  # for this server's tools unless ``policies`` names one
    policies: dict[str, ToolPolicy] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_transport(self) -> McpServerConfig:
        if (self.command is None) == (self.url is None):
            raise ValueError("an MCP server needs either a command (stdio) or a url (streamable HTTP), not both")
        if self.headers and self.url is None:
            raise ValueError("headers are for a streamable-HTTP server (a url); a stdio server takes env")
        if self.url is not None:
            parsed = urlparse(self.url)
            if parsed.scheme not in ("http", "https") or parsed.hostname not in LOOPBACK_HOSTS:
                raise ValueError(f"{self.url}: only http(s) URLs on loopback ({', '.join(LOOPBACK_HOSTS)}) are allowed")
        return self


class ToolSettings(Record):
    search_folder: str | None = None
    read_folders: tuple[str, ...] = ()
    policies: dict[str, ToolPolicy] = Field(default_factory=dict)  # overrides each tool's default
    mcp_servers: tuple[McpServerConfig, ...] = ()
    max_calls_per_turn: int = Field(default=DEFAULT_MAX_CALLS, ge=1, le=50)
    selection_threshold: int = Field(default=DEFAULT_THRESHOLD, ge=1)
    selection_k: int = Field(default=DEFAULT_K, ge=1)
    sandbox: SandboxLimits = SandboxLimits()

    def search_path(self) -> Path | None:
        return Path(self.search_folder).expanduser() if self.search_folder else None

    def read_paths(self) -> list[Path]:
        return [Path(p).expanduser() for p in self.read_folders]
