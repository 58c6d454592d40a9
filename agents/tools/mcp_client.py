"""MCP servers as tool sources, through the official ``mcp`` SDK: a stdio command or a
streamable-HTTP URL on loopback. Tools are listed on connect and called by name; a server that
dies or hangs mid-call becomes a ToolError with a readable message (and the server's last
stderr lines), never a hung run.

The SDK's client is an anyio context manager, which must be entered and left by one task, so a
background task holds the connection open; calls are made from any task and raced against
that task's end and the call's own time limit.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from contextlib import AsyncExitStack, suppress
from typing import Any

from agents.tool_settings import McpServerConfig
from agents.tools.base import Tool, ToolError, ToolSpec
from agents.tools.mcp_secrets import resolve_secrets


def tool_name(server: str, tool: str) -> str:
    return f"{server}_{re.sub(r'[^A-Za-z0-9_-]', '_', tool)}"[:64]


def result_text(result: Any) -> str:
    """The text of a CallToolResult's content blocks (other content is named, not dumped)."""
    parts = []
    for block in getattr(result, "content", None) or ():
        text = getattr(block, "text", None)
        parts.append(text if isinstance(text, str) else f"[{getattr(block, 'type', 'content')} content]")
    return "\n".join(parts)


class McpConnection:
    def __init__(self, config: McpServerConfig):
        self.config = config
        self._client: Any = None
        self._holder: asyncio.Task | None = None
        self._close = asyncio.Event()
        self._ready: asyncio.Future = asyncio.get_running_loop().create_future()
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.listed: list[Any] = []

    async def start(self) -> list[Tool]:
        """Connect and list the server's tools; raise ToolError with the reason if it fails."""
        self._holder = asyncio.create_task(self._hold())
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), self.config.connect_timeout_s)
        except TimeoutError:
            self._ready.cancel()  # the reason is this timeout, not what the cancelled start reports
            await self.aclose()
            raise ToolError(
                "unavailable",
                f"MCP server {self.config.name} did not answer within "
                f"{self.config.connect_timeout_s:g} s{self._stderr_tail()}",
            ) from None
        return self.tools()

    def _transport(self, config: McpServerConfig, stack: AsyncExitStack) -> Any:
        """The SDK's transport for ``config`` (its secrets already read back)."""
        from mcp import StdioServerParameters, stdio_client

        if config.url is not None:
            if not config.headers:
                return config.url
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            # The SDK's own timeouts: a server may hold a response stream open for long.
            http = httpx2.AsyncClient(headers=config.headers, timeout=httpx2.Timeout(30.0, read=300.0))
            stack.push_async_callback(http.aclose)
            return streamable_http_client(config.url, http_client=http)
        params = StdioServerParameters(
            command=config.command or "", args=list(config.args), env=dict(config.env) or None
        )
        return stdio_client(params, errlog=self._stderr)

    async def _hold(self) -> None:
        from mcp import Client

        try:
            async with AsyncExitStack() as stack:
                transport = self._transport(resolve_secrets(self.config), stack)
                client = await stack.enter_async_context(
                    Client(transport, read_timeout_seconds=self.config.call_timeout_s)
                )
                self._client = client
                self.listed = list((await client.list_tools()).tools)
                self._ready.set_result(True)
                await self._close.wait()
        except BaseException as exc:  # the SDK wraps failures in exception groups; keep the reason
            if not self._ready.done():
                self._ready.set_exception(
                    ToolError(
                        "unavailable",
                        f"MCP server {self.config.name} could not start: {_reason(exc)}{self._stderr_tail()}",
                    )
                )
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            self._client = None

    def tools(self) -> list[Tool]:
        out = []
        for listed in self.listed:
            schema = getattr(listed, "input_schema", None) or getattr(listed, "inputSchema", None) or {"type": "object"}
            name = tool_name(self.config.name, listed.name)
            spec = ToolSpec(
                name=name,
                description=listed.description or f"{listed.name} from {self.config.name}",
                parameters=schema,
                origin="mcp",
                policy=self.config.policies.get(listed.name, self.config.policy),
            )
            out.append(Tool(spec, self._runner(listed.name), time_limit_s=self.config.call_timeout_s + 5))
        return out

    def _runner(self, remote_name: str):
        async def run(arguments: dict[str, Any]) -> str:
            return await self.call(remote_name, arguments)

        return run

    async def call(self, remote_name: str, arguments: dict[str, Any]) -> str:
        client, holder = self._client, self._holder
        if client is None or holder is None or holder.done():
            raise ToolError("server_error", f"MCP server {self.config.name} is not running{self._stderr_tail()}")
        mark = self._stderr_position()
        call = asyncio.ensure_future(client.call_tool(remote_name, arguments))
        done, _ = await asyncio.wait(
            {call, holder}, timeout=self.config.call_timeout_s, return_when=asyncio.FIRST_COMPLETED
        )
        if call not in done:
            call.cancel()
            await asyncio.gather(call, return_exceptions=True)
            if holder in done:
                raise ToolError(
                    "server_error", f"MCP server {self.config.name} stopped during the call{self._stderr_tail(mark)}"
                )
            raise ToolError(
                "timeout",
                f"MCP server {self.config.name} did not answer {remote_name} within {self.config.call_timeout_s:g} s",
            )
        try:
            result = call.result()
        except Exception as exc:
            raise ToolError(
                "server_error",
                f"MCP server {self.config.name}: {remote_name} failed: {_reason(exc)}{self._stderr_tail(mark)}",
            ) from None
        text = result_text(result)
        if getattr(result, "is_error", False) or getattr(result, "isError", False):
            raise ToolError("raised", f"{remote_name} (MCP {self.config.name}) reported an error: {text}")
        return text

    def _stderr_position(self) -> int:
        with suppress(ValueError, OSError):
            self._stderr.seek(0, 2)
            return self._stderr.tell()
        return 0

    def _stderr_tail(self, since: int = 0) -> str:
        """The server's last few stderr lines since ``since`` (its own words on why it failed)."""
        with suppress(ValueError, OSError):
            self._stderr.flush()
            self._stderr.seek(since)
            lines = [line.strip() for line in self._stderr.read().splitlines()]
            lines = [line for line in lines if line and line.isprintable() and line.isascii()][-3:]
            if lines:
                return "; the server's last output: " + " | ".join(line[:200] for line in lines)
        return ""

    async def aclose(self) -> None:
        """Stop the server; safe to call again (a failed start has already closed it)."""
        self._close.set()
        holder, self._holder = self._holder, None
        if holder is not None and not holder.done():
            if self._client is not None:  # connected: let the SDK end the session politely first
                with suppress(TimeoutError, Exception):
                    await asyncio.wait_for(asyncio.shield(holder), 5.0)
            holder.cancel()  # still starting (or not ending): nothing to wait for
            await asyncio.gather(holder, return_exceptions=True)
        self._stderr.close()


def _reason(exc: BaseException) -> str:
    """The innermost readable message of a (possibly grouped) exception."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return str(exc) or type(exc).__name__


async def connect_servers(configs: list[McpServerConfig]) -> tuple[list[McpConnection], list[Tool], list[str]]:
    """(open connections, their tools, one readable problem per server that failed)."""
    connections, tools, problems = [], [], []
    for config in configs:
        connection = McpConnection(config)
        try:
            tools += await connection.start()
            connections.append(connection)
        except ToolError as exc:
            problems.append(exc.message)
            await connection.aclose()  # its stderr file too
    return connections, tools, problems
