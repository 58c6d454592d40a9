"""The tools of one run, and one agent's turn with them.

A Toolbox holds the shared registry (built-ins, ``ask_<member>``, the team library's authored
tools, MCP servers' tools) and gives each agent the subset its team file names, plus its own
``make_tool``. ``turn`` is what a team's model turn calls: it selects the tools to offer (an
event), then runs native function calls or the text protocol around the provider.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path

from agents.agent import Agent
from agents.events import EventBase
from agents.llm.base import CancelToken, CompletionRequest, Provider
from agents.llm.native_tools import NativeToolsProvider
from agents.tool_settings import ToolSettings
from agents.tools.ask import ask_tool, ask_tool_name
from agents.tools.authored import ToolLibrary, authored_tool, library_path, unsaved_team_library
from agents.tools.builtins import MAKE_TOOL, builtin_tools
from agents.tools.calls import Approver, CallContext
from agents.tools.make_tool import make_tool
from agents.tools.mcp_client import McpConnection, connect_servers
from agents.tools.native_turn import native_tool_turn
from agents.tools.registry import ToolRegistry
from agents.tools.selection import select_tools
from agents.tools.text_turn import text_tool_turn


class Toolbox:
    def __init__(
        self,
        registry: ToolRegistry,
        settings: ToolSettings | None = None,
        library: ToolLibrary | None = None,
        session: str | None = None,
        approver: Approver | None = None,
    ):
        self.registry = registry
        self.settings = settings or ToolSettings()
        self.library = library
        self.session = session
        self.approver = approver
        self.connections: list[McpConnection] = []
        self.problems: list[str] = []  # MCP servers that could not start, for a notice

    @classmethod
    async def open(
        cls,
        agents: Sequence[Agent],
        providers: Mapping[str, Provider],
        settings: ToolSettings | None = None,
        team_file: str | Path | None = None,
        session: str | None = None,
        approver: Approver | None = None,
        team_name: str = "team",
    ) -> Toolbox:
        """Everything any agent of the team may call; MCP servers connect only if someone uses them."""
        settings = settings or ToolSettings()
        registry = ToolRegistry(
            builtin_tools(settings.search_path(), settings.read_paths(), settings.sandbox), settings.policies
        )
        for agent in agents:
            if agent.name in providers:
                registry.add(ask_tool(agent.name, providers[agent.name], agent.persona))
        library = ToolLibrary(library_path(team_file) if team_file else unsaved_team_library(team_name))
        box = cls(registry, settings, library, session, approver)
        wanted = {name for agent in agents for name in agent.tools}
        servers = [s for s in settings.mcp_servers if any(n.startswith(f"{s.name}_") for n in wanted)]
        if servers:
            box.connections, tools, box.problems = await connect_servers(servers)
            for tool in tools:
                registry.add(tool, replace=True)
        return box

    def for_agent(self, agent: Agent) -> ToolRegistry:
        """The agent's tools: those its team file names, its own authored tools, its make_tool."""
        names = set(agent.tools) - {MAKE_TOOL, ask_tool_name(agent.name)}
        agent_registry = self.registry.subset(names)
        if self.library is not None:
            for entry in self.library.latest().values():
                if entry.name in agent.tools or entry.author == agent.name:
                    agent_registry.add(authored_tool(entry, self.settings.sandbox), replace=True)
            if MAKE_TOOL in agent.tools:
                maker = make_tool(self.library, agent_registry, agent.name, self.session, self.settings.sandbox)
                agent_registry.add(maker, replace=True)
        return agent_registry

    async def turn(
        self, agent: Agent, request: CompletionRequest, provider: Provider, cancel: CancelToken | None = None
    ) -> AsyncIterator[EventBase]:
        """One model turn with tools, its tool events linked to the message: native calls when the
        provider takes them (its endpoint's ``native_tools``), else the text protocol."""
        registry = self.for_agent(agent)
        query = " ".join(m.content for m in request.messages[-3:] if m.role != "system")
        offered, event = select_tools(
            registry.specs(),
            query,
            message_id=request.message_id,
            agent=agent.name,
            threshold=self.settings.selection_threshold,
            k=self.settings.selection_k,
            always=(MAKE_TOOL,),
        )
        yield event
        for name in set(registry.names()) - {s.name for s in offered}:
            registry.remove(name)  # in place: a tool make_tool saves this turn joins this registry
        ctx = CallContext(registry, request.message_id, agent.name, "text", self.approver, cancel)
        limit = self.settings.max_calls_per_turn

        def text_turn() -> AsyncIterator[EventBase]:
            return text_tool_turn(lambda r: provider.stream(r, cancel), request, ctx, limit)

        if isinstance(provider, NativeToolsProvider) and provider.uses_native_tools():
            turn = native_tool_turn(provider, request, ctx, limit, cancel, text_turn)
        else:
            turn = text_turn()
        async for turn_event in turn:
            yield turn_event

    async def aclose(self) -> None:
        for connection in self.connections:
            await connection.aclose()
        self.connections = []
