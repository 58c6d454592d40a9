"""The user's tool settings: folders the file tools may use, per-tool policies, MCP servers,
limits. A plain record, so ``agents.settings`` can hold it as one field."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from agents.events import Record
from agents.tools.events import ToolPolicy
from agents.tools.mcp_client import McpServerConfig
from agents.tools.sandbox import SandboxLimits
from agents.tools.selection import DEFAULT_K, DEFAULT_THRESHOLD
from agents.tools.text_turn import DEFAULT_MAX_CALLS


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
