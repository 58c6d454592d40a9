"""The MCP client against a real server (tests/agents/tools/mcp_server.py, the SDK's server side),
over stdio and over streamable HTTP on 127.0.0.1."""

import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import ValidationError

from agents.tools.base import ToolError, invoke
from agents.tools.calls import CallContext, new_call, run_calls
from agents.tools.events import ToolCallFailed
from agents.tools.mcp_client import McpConnection, McpServerConfig, connect_servers
from agents.tools.registry import ToolRegistry

SERVER = str(Path(__file__).with_name("mcp_server.py"))


def stdio_config(**kw) -> McpServerConfig:
    return McpServerConfig(name="test", command=sys.executable, args=(SERVER, "stdio"), **kw)


async def exercise(connection: McpConnection) -> dict:
    tools = {t.name: t for t in await connection.start()}
    assert {"test_add", "test_echo", "test_fail", "test_hang", "test_die"} <= set(tools)
    assert tools["test_add"].spec.origin == "mcp" and tools["test_add"].spec.parameters["required"] == ["a", "b"]
    assert (await invoke(tools["test_add"], {"a": 2, "b": 40})).output == "42"
    bad = await invoke(tools["test_add"], {"a": "two"})
    assert bad.kind == "bad_arguments"
    failed = await invoke(tools["test_fail"], {"reason": "x"})
    assert failed.kind == "raised" and "reported an error" in failed.message
    # A hang is cut by the tool's time limit; the connection stays usable afterwards.
    hung = await invoke(replace(tools["test_hang"], time_limit_s=0.5), {})
    assert hung.kind == "timeout"
    assert (await invoke(tools["test_echo"], {"text": "still alive"})).output == "still alive"
    return tools


async def test_stdio_server_list_call_hang_and_death():
    connection = McpConnection(stdio_config(policy="run"))
    try:
        tools = await exercise(connection)
        registry = ToolRegistry(tools.values())
        events = [e async for e in run_calls([new_call("test_die")], CallContext(registry, "m", "A"))]
        died = events[-1]
        assert isinstance(died, ToolCallFailed) and died.kind == "server_error" and "about to die" in died.message
        after = await invoke(tools["test_echo"], {"text": "x"})
        assert after.kind == "server_error"
    finally:
        await connection.aclose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, deadline_s: float = 120) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if process.poll() is not None:
            raise AssertionError(f"the test server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the test server never listened")


@pytest.fixture
def http_server():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, SERVER, "http", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_port(port, process)
        yield port, process
    finally:
        process.kill()
        process.wait()


async def test_streamable_http_server(http_server):
    port, process = http_server
    connection = McpConnection(McpServerConfig(name="test", url=f"http://127.0.0.1:{port}/mcp", call_timeout_s=10))
    try:
        tools = await exercise(connection)
        process.kill()
        process.wait()
        gone = await invoke(tools["test_echo"], {"text": "x"})
        assert gone.kind in ("server_error", "timeout") and "test" in gone.message
    finally:
        await connection.aclose()


async def test_a_hanging_server_call_times_out_with_the_servers_name():
    connection = McpConnection(stdio_config(call_timeout_s=1))
    try:
        tools = {t.name: t for t in await connection.start()}
        with pytest.raises(ToolError, match="MCP server test did not answer hang within 1 s"):
            await connection.call("hang", {})
        assert tools["test_hang"].time_limit_s > 1  # the record's limit is only a backstop
    finally:
        await connection.aclose()


async def test_servers_that_cannot_start_give_a_reason():
    configs = [
        McpServerConfig(name="missing", command="/nonexistent/mcp-server"),
        McpServerConfig(
            name="quits", command=sys.executable, args=("-c", "import sys; print('bye', file=sys.stderr); sys.exit(2)")
        ),
    ]
    connections, tools, problems = await connect_servers(configs)
    assert connections == [] and tools == [] and len(problems) == 2
    assert problems[0].startswith("MCP server missing could not start")
    assert "MCP server quits" in problems[1] and "bye" in problems[1]


async def test_a_connection_that_never_started_refuses_calls():
    connection = McpConnection(stdio_config())
    with pytest.raises(ToolError, match="not running"):
        await connection.call("add", {"a": 1, "b": 2})


def test_config_validation():
    with pytest.raises(ValidationError, match="loopback"):
        McpServerConfig(name="far", url="http://example.com/mcp")
    with pytest.raises(ValidationError, match="either a command"):
        McpServerConfig(name="both", url="http://127.0.0.1/mcp", command="x")
    assert McpServerConfig(name="ok", url="http://localhost:8000/mcp").policy == "ask"
