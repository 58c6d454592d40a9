"""A real MCP server for the client tests, written with the SDK's server side.

`python mcp_server.py stdio` or `python mcp_server.py http PORT` (streamable HTTP on 127.0.0.1).
Tools: add, echo, fail (raises), hang (never returns), die (the process exits mid-call), getenv
and whoami (what the server was given: an environment variable, the Authorization header).
"""

import asyncio
import os
import sys

from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("test-server")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


@server.tool()
def fail(reason: str) -> str:
    """Always raise."""
    raise ValueError(f"failing on purpose: {reason}")


@server.tool()
async def hang() -> str:
    """Never return."""
    await asyncio.Event().wait()
    return "unreachable"


@server.tool()
def die() -> str:
    """Exit the server process in the middle of the call."""
    print("about to die", file=sys.stderr, flush=True)
    os._exit(3)


@server.tool()
def getenv(name: str) -> str:
    """The value of one of the server's environment variables."""
    return os.environ.get(name, "(not set)")


@server.tool()
def whoami(ctx: Context) -> str:
    """The Authorization header of the request (over HTTP)."""
    return (ctx.headers or {}).get("authorization", "(no header)")


if __name__ == "__main__":
    if sys.argv[1] == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
