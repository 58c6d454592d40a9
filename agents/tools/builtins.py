"""The built-in tools and the registry a run starts from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from agents.tools.ask import ask_tool_name
from agents.tools.base import Tool
from agents.tools.calculator import calculator_tool
from agents.tools.files import read_file_tool, search_tool
from agents.tools.registry import ToolRegistry
from agents.tools.sandbox import SandboxLimits, python_tool

# Names a team file may give an agent beyond these: "make_tool", "ask_<Agent>" for a team member,
# MCP servers' tools ("<server>_<tool>") and the team library's authored tools.
BUILTIN_NAMES = ("calculator", "python", "search_files", "read_file")
MAKE_TOOL = "make_tool"


def builtin_tools(
    search_folder: Path | None = None, read_roots: Sequence[Path] = (), limits: SandboxLimits | None = None
) -> list[Tool]:
    return [calculator_tool(), python_tool(limits), search_tool(search_folder), read_file_tool(read_roots)]


def builtin_registry(
    search_folder: Path | None = None, read_roots: Sequence[Path] = (), limits: SandboxLimits | None = None
) -> ToolRegistry:
    return ToolRegistry(builtin_tools(search_folder, read_roots, limits))


def known_tool_names(team_agents: Sequence[str] = (), extra: Iterable[str] = ()) -> set[str]:
    """Every name a team's agent may list: built-ins, make_tool, ask_<member>, and ``extra``
    (MCP servers' tools, the team library's authored tools)."""
    return set(BUILTIN_NAMES) | {MAKE_TOOL} | {ask_tool_name(a) for a in team_agents} | set(extra)


def classify_tool_names(
    requested: Iterable[str],
    team_agents: Sequence[str] = (),
    library_names: Iterable[str] = (),
    mcp_servers: Iterable[str] = (),
) -> tuple[list[str], list[str]]:
    """(known, unknown) among ``requested``, each sorted. An MCP tool is known when its
    ``<server>_`` prefix names a configured server (its tools are listed only when it runs)."""
    known_names = known_tool_names(team_agents, library_names)
    prefixes = tuple(f"{server}_" for server in mcp_servers)
    known: set[str] = set()
    unknown: set[str] = set()
    for name in requested:
        (known if name in known_names or (prefixes and name.startswith(prefixes)) else unknown).add(name)
    return sorted(known), sorted(unknown)
