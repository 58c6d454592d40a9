"""`agora-lab tools list [--team FILE]` and `agora-lab tools run NAME --args JSON`: the tools an
agent can be given, and one tool run outside any team run (for debugging a tool)."""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import sys
from pathlib import Path

from pydantic import ValidationError

from agents.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from agents.settings import load_settings
from agents.spec import migrate
from agents.tools.authored import ToolLibrary, library_path, load_library_tools
from agents.tools.base import ToolError, invoke
from agents.tools.builtins import MAKE_TOOL, builtin_registry, known_tool_names
from agents.tools.calls import Approval
from agents.tools.events import ToolApprovalRequested
from agents.tools.mcp_client import McpConnection, McpServerConfig
from agents.tools.registry import ToolRegistry


def add_parsers(sub: argparse._SubParsersAction) -> None:
    tools = sub.add_parser("tools", help="list the tools agents can use, or run one tool")
    tools.set_defaults(handler=command_tools)
    actions = tools.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="built-in tools, and a team's tools and tool library")
    listing.add_argument("--team", default=None, help="a team .json: show each agent's tools and the team's library")
    run = actions.add_parser("run", help="run one tool with JSON arguments")
    run.add_argument("name")
    run.add_argument("--args", default="{}", help='the arguments as a JSON object, e.g. \'{"expression": "2+2"}\'')
    run.add_argument("--team", default=None, help="a team .json whose tool library holds the tool")
    for parser in (listing, run):
        parser.add_argument(
            "--folder",
            action="append",
            default=[],
            type=Path,
            help="a folder search_files and read_file may use (repeatable)",
        )
        parser.add_argument(
            "--mcp-command", default=None, help='an MCP server to start over stdio, e.g. "python server.py"'
        )
        parser.add_argument("--mcp-url", default=None, help="an MCP server's streamable-HTTP URL on loopback")


def _registry(args: argparse.Namespace) -> ToolRegistry:
    """Built-ins with the settings' folders and policies (--folder overrides the folders)."""
    settings = load_settings().tools
    folders = list(args.folder) or settings.read_paths()
    search = args.folder[0] if args.folder else settings.search_path()
    registry = builtin_registry(search, folders, settings.sandbox)
    for name, policy in settings.policies.items():
        registry.set_policy(name, policy)
    if args.team:
        for tool in load_library_tools(ToolLibrary(library_path(args.team))):
            registry.add(tool, replace=True)
    return registry


async def command_tools(args: argparse.Namespace) -> int:
    registry = _registry(args)
    connection = None
    if args.mcp_command or args.mcp_url:
        try:
            connection = await _connect_mcp(args, registry)
        except ValidationError as exc:
            print(f"error: {exc.errors()[0]['msg'].removeprefix('Value error, ')}", file=sys.stderr)
            return EXIT_USAGE
        except ToolError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return EXIT_FAILED
    try:
        return _list(args, registry) if args.action == "list" else await _run(args, registry)
    finally:
        if connection is not None:
            await connection.aclose()


async def _connect_mcp(args: argparse.Namespace, registry: ToolRegistry) -> McpConnection:
    """The one server named on the command line; its tools are called ``mcp_<tool>``."""
    if args.mcp_url:
        config = McpServerConfig(name="mcp", url=args.mcp_url, policy="run")
    else:
        command = shlex.split(args.mcp_command)
        config = McpServerConfig(name="mcp", command=command[0], args=tuple(command[1:]), policy="run")
    connection = McpConnection(config)
    for tool in await connection.start():
        registry.add(tool, replace=True)
    return connection


def _list(args: argparse.Namespace, registry: ToolRegistry) -> int:
    print("Tools:")
    for spec in registry.specs():
        print(f"  {spec.name:<16} [{spec.origin}, {registry.policy(spec.name)}] {spec.description}")
    print(f"  {MAKE_TOOL:<16} [capability] lets an agent write, test and save a new tool")
    print("  ask_<Agent>      [capability] ask another team member a sub-question")
    if args.team:
        _team_tools(Path(args.team), registry)
    servers = load_settings().tools.mcp_servers
    if servers:
        print("MCP servers in the settings (their tools are listed when a run uses them):")
        for server in servers:
            where = server.url or " ".join([server.command or "", *server.args])
            print(f"  {server.name:<16} [{server.policy}] {where}")
    return EXIT_OK


def _team_tools(team_file: Path, registry: ToolRegistry) -> None:
    data = migrate(json.loads(team_file.read_text(encoding="utf-8")))
    agents = [a for a in data.get("agents", []) if isinstance(a, dict)]
    known = known_tool_names([str(a.get("name", "")) for a in agents], registry.names())
    print(f"Team {team_file.name}:")
    for agent in agents:
        tools = list(agent.get("tools", []))
        unknown = [t for t in tools if t not in known]
        status = f"; unknown: {', '.join(unknown)}" if unknown else ""
        print(f"  {agent.get('name')}: {', '.join(tools) or '(no tools)'}{status}")
    library = ToolLibrary(library_path(team_file))
    entries = library.latest()
    print(
        f"Tool library {library.path.name}: "
        + (", ".join(f"{n} v{e.version} by {e.author}" for n, e in entries.items()) or "empty")
    )


async def _run(args: argparse.Namespace, registry: ToolRegistry) -> int:
    try:
        arguments = json.loads(args.args)
    except json.JSONDecodeError as exc:
        print(f"error: --args is not valid JSON: {exc.msg} (column {exc.colno})", file=sys.stderr)
        return EXIT_USAGE
    tool = registry.get(args.name)
    if tool is None:
        print(f"error: no tool named {args.name!r}; tools: {', '.join(registry.names())}", file=sys.stderr)
        return EXIT_USAGE
    result = await invoke(tool, arguments)
    if not result.ok:
        print(f"error ({result.kind}): {result.message}", file=sys.stderr)
        return EXIT_FAILED
    print(result.output)
    print(f"({result.duration_s * 1000:.0f} ms{', output truncated' if result.truncated else ''})", file=sys.stderr)
    return EXIT_OK


async def terminal_approver(request: ToolApprovalRequested) -> Approval:
    """Ask on the terminal (stderr; stdout carries the transcript) whether a call set to "ask me"
    may run: y(es), n(o), or e(dit) the arguments as JSON."""
    print(
        f"\n[{request.agent}] run {request.tool}({json.dumps(request.arguments)})? [y/n/e(dit)] ",
        end="",
        file=sys.stderr,
        flush=True,
    )
    answer = (await asyncio.to_thread(sys.stdin.readline)).strip().lower()
    if answer.startswith("e"):
        print("arguments as JSON: ", end="", file=sys.stderr, flush=True)
        try:
            arguments = json.loads(await asyncio.to_thread(sys.stdin.readline))
        except json.JSONDecodeError:
            return Approval(approved=False, reason="the edited arguments were not valid JSON")
        if not isinstance(arguments, dict):
            return Approval(approved=False, reason="the edited arguments must be a JSON object")
        return Approval(approved=True, arguments=arguments)
    if answer.startswith("y"):
        return Approval(approved=True)
    return Approval(approved=False, reason="rejected on the terminal" if answer else "no input available")
