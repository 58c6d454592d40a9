"""MCP servers' secrets go to the OS keyring, never into settings.json; without a keyring they
become environment references with a note. Checked against the real test server (stdio and
streamable HTTP), which reports the environment variable and the header it was given."""

import json
import sys

import pytest
from keyring.backends import fail

from agents.llm.credentials import KEYRING_SERVICE, KEYS_IN_USE, redact_text
from agents.tool_settings import McpServerConfig, ToolSettings
from agents.tools.base import invoke
from agents.tools.mcp_client import McpConnection
from agents.tools.mcp_listing import list_server_tools
from agents.tools.mcp_secrets import (
    IN_KEYRING,
    forget_secrets,
    is_secret_env,
    keyring_entry,
    stash_all,
    stash_secrets,
    unused_entries,
)
from tests.agents.tools.helpers import MemoryKeyring, use_keyring
from tests.agents.tools.test_mcp import SERVER, http_server  # noqa: F401  (a fixture)

TOKEN = "tok-live-0123456789"


@pytest.fixture
def memory_keyring():
    yield from use_keyring(MemoryKeyring())


@pytest.fixture
def no_keyring():
    yield from use_keyring(fail.Keyring())


def stdio(**env) -> McpServerConfig:
    return McpServerConfig(name="test", command=sys.executable, args=(SERVER, "stdio"), env=env, policy="run")


async def call(config: McpServerConfig, tool: str, arguments: dict) -> str:
    connection = McpConnection(config)
    try:
        tools = {t.name: t for t in await connection.start()}
        result = await invoke(tools[tool], arguments)
        assert result.kind is None, result.message
        return result.output
    finally:
        await connection.aclose()


def test_which_env_names_are_secret():
    assert all(is_secret_env(n) for n in ("API_KEY", "GITHUB_TOKEN", "db_password", "CLIENT_SECRET", "AUTH"))
    assert not any(is_secret_env(n) for n in ("LOG_LEVEL", "ROOT_DIR", "PATH"))


async def test_a_secret_env_value_lives_in_the_keyring_and_reaches_the_server(memory_keyring):
    stashed, notes = stash_secrets(stdio(API_TOKEN=TOKEN, LOG_LEVEL="debug"))
    assert notes == [] and stashed.env == {"API_TOKEN": IN_KEYRING, "LOG_LEVEL": "debug"}
    assert TOKEN not in ToolSettings(mcp_servers=(stashed,)).model_dump_json()  # what settings.json holds
    assert memory_keyring.entries[(KEYRING_SERVICE, "mcp:test:env:API_TOKEN")] == TOKEN
    assert stash_secrets(stashed) == (stashed, [])  # saving again changes nothing
    assert await call(stashed, "test_getenv", {"name": "API_TOKEN"}) == TOKEN
    assert await call(stashed, "test_getenv", {"name": "LOG_LEVEL"}) == "debug"
    assert TOKEN in KEYS_IN_USE and TOKEN not in redact_text(f"server said {TOKEN}")


async def test_an_auth_header_lives_in_the_keyring_and_reaches_the_http_server(memory_keyring, http_server):  # noqa: F811
    port, _ = http_server
    config = McpServerConfig(
        name="web", url=f"http://127.0.0.1:{port}/mcp", headers={"Authorization": f"Bearer {TOKEN}"}, policy="run"
    )
    (stashed,), notes = stash_all([config])
    assert notes == [] and stashed.headers == {"Authorization": IN_KEYRING}
    assert await call(stashed, "web_whoami", {}) == f"Bearer {TOKEN}"


async def test_a_secret_missing_from_the_keyring_is_a_clear_start_failure(memory_keyring):
    listing = await list_server_tools(stdio(API_TOKEN=IN_KEYRING))
    assert listing.tools == () and listing.problem is not None
    assert listing.problem.startswith("MCP server test could not start: API_TOKEN is not in the OS keyring")


async def test_without_a_keyring_a_secret_becomes_an_environment_reference(no_keyring, monkeypatch):
    stashed, notes = stash_secrets(stdio(API_TOKEN=TOKEN))
    assert stashed.env == {"API_TOKEN": "${API_TOKEN}"} and TOKEN not in json.dumps(stashed.model_dump())
    assert len(notes) == 1 and "set the environment variable API_TOKEN before starting Agora Lab" in notes[0]
    monkeypatch.delenv("API_TOKEN", raising=False)
    listing = await list_server_tools(stashed)
    assert listing.problem is not None and "API_TOKEN reads the environment variable API_TOKEN, which is not set" in (
        listing.problem
    )
    monkeypatch.setenv("API_TOKEN", "from-the-environment")
    assert await call(stashed, "test_getenv", {"name": "API_TOKEN"}) == "from-the-environment"


def test_a_header_without_a_keyring_gets_a_variable_of_its_own(no_keyring):
    config = McpServerConfig(name="web", url="http://127.0.0.1:9/mcp", headers={"X-Api-Key": "k" * 20})
    stashed, notes = stash_secrets(config)
    assert stashed.headers == {"X-Api-Key": "${WEB_X_API_KEY}"} and "WEB_X_API_KEY" in notes[0]


def test_removed_servers_leave_the_keyring(memory_keyring):
    (kept, gone), _ = stash_all(
        [stdio(API_TOKEN=TOKEN), stdio(API_TOKEN="other-secret").model_copy(update={"name": "old"})]
    )
    assert unused_entries([kept, gone], [kept]) == {keyring_entry("old", "env", "API_TOKEN")}
    forget_secrets(unused_entries([kept, gone], [kept]) | {"mcp:never:env:X"})  # a missing entry is fine
    assert list(memory_keyring.entries) == [(KEYRING_SERVICE, "mcp:test:env:API_TOKEN")]


def test_headers_are_for_http_servers():
    with pytest.raises(ValueError, match="headers are for a streamable-HTTP server"):
        McpServerConfig(name="x", command="python", headers={"Authorization": "x"})
