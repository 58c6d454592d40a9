"""What each configured MCP server offers, for the builder's checklist and the settings dialog:
start the server, list its tools, stop it again. A server that cannot start is a listing with
a readable problem, never an exception, so one bad server does not hide the others' tools.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from agents.events import Record
from agents.tool_settings import McpServerConfig
from agents.tools.base import ToolError, ToolSpec
from agents.tools.mcp_client import McpConnection


class ServerTools(Record):
    server: str
    tools: tuple[ToolSpec, ...] = ()
    problem: str | None = None  # why the server could not be listed

    def names(self) -> list[str]:
        return [spec.name for spec in self.tools]


async def list_server_tools(config: McpServerConfig) -> ServerTools:
    connection = McpConnection(config)
    try:
        tools = await connection.start()
        return ServerTools(server=config.name, tools=tuple(tool.spec for tool in tools))
    except ToolError as exc:
        return ServerTools(server=config.name, problem=exc.message)
    finally:
        await connection.aclose()


async def list_servers(configs: Sequence[McpServerConfig]) -> list[ServerTools]:
    """Every server's listing, in the order given; the servers start side by side."""
    return list(await asyncio.gather(*(list_server_tools(config) for config in configs)))


def list_servers_blocking(configs: Sequence[McpServerConfig]) -> list[ServerTools]:
    """``list_servers`` on an event loop of its own: what a worker thread calls, so a GUI
    never waits for a server that is slow to start."""
    return asyncio.run(list_servers(configs))
