"""A registry of tools by name, with the per-tool policy (run / ask me / never)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from agents.tools.base import Tool, ToolSpec
from agents.tools.events import ToolPolicy


class ToolRegistry:
    def __init__(self, tools: Iterable[Tool] = (), policies: Mapping[str, ToolPolicy] | None = None):
        self._tools: dict[str, Tool] = {}
        self._policies: dict[str, ToolPolicy] = dict(policies or {})
        for tool in tools:
            self.add(tool)

    def add(self, tool: Tool, replace: bool = False) -> None:
        if tool.name in self._tools and not replace:
            raise ValueError(f"a tool named {tool.name!r} is already registered")
        self._tools[tool.name] = tool

    def remove(self, name: str) -> None:
        self._tools.pop(name, None)

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __len__(self) -> int:
        return len(self._tools)

    def names(self) -> list[str]:
        return sorted(self._tools)

    def specs(self) -> list[ToolSpec]:
        return [self._tools[name].spec for name in self.names()]

    def policy(self, name: str) -> ToolPolicy:
        if name in self._policies:
            return self._policies[name]
        tool = self._tools.get(name)
        return tool.spec.policy if tool else "never"

    def set_policy(self, name: str, policy: ToolPolicy) -> None:
        self._policies[name] = policy

    def subset(self, names: Iterable[str]) -> ToolRegistry:
        """The tools among ``names`` that exist here, with the same policies."""
        return ToolRegistry((self._tools[n] for n in names if n in self._tools), self._policies)

    def split_known(self, names: Iterable[str]) -> tuple[list[str], list[str]]:
        """(known, unknown) among ``names``, each sorted: what team-file validation reports."""
        names = set(names)
        return sorted(names & set(self._tools)), sorted(names - set(self._tools))
