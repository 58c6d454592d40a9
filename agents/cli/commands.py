"""`agora-lab-cli`: the headless face of Agora Lab. Prints the same event stream the GUI shows.

Exit codes: 0 success · 1 the model failed (error event) · 2 bad usage, reference or settings
· 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Sequence

from agents import __version__
from agents.cli import plan as cli_plan
from agents.cli import team as cli_team
from agents.cli import tools as cli_tools
from agents.cli.output import EventPrinter
from agents.events import ErrorEvent, MessageCompleted
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams, ProviderError
from agents.llm.providers import ProviderLoader
from agents.llm.refs import ACCEPTED_FORMS
from agents.settings import SettingsError, load_settings, settings_path
from agents.spec import TeamFileError

EXIT_OK, EXIT_MODEL_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agora-lab", description="Agora Lab: multi-agent LLM lab")
    parser.add_argument("--version", action="version", version=f"agora-lab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="stream one answer from a model")
    ask.add_argument("prompt", help="the question or instruction")
    _add_generation_options(ask)
    chat = sub.add_parser("chat", help="talk with a model in the terminal")
    _add_generation_options(chat)
    sub.add_parser("models", help="show the model reference syntax and saved endpoints")
    keys = sub.add_parser("keys", help="store or remove an endpoint's API key in the OS keyring")
    keys.add_argument("action", choices=["set", "delete"])
    keys.add_argument("name", help="endpoint name (as in endpoint:NAME)")
    sub.add_parser("settings", help="print the settings file's path and contents")
    schema = sub.add_parser("schema", help="print the JSON Schema of team files or of the event stream")
    schema.add_argument("what", choices=["team", "events"])
    cli_team.add_parsers(sub)
    cli_plan.add_parser(sub)
    cli_tools.add_parser(sub)
    return parser


def _add_generation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", "-m", default=None, help="model reference (default: settings, else 'local')")
    parser.add_argument("--system", default="", help="system prompt / persona")
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--stop", action="append", default=[], help="stop sequence (repeatable)")
    parser.add_argument("--speaker", default="Assistant", help="the answering agent's name")
    parser.add_argument("--json", action="store_true", help="print every event as a JSON line")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(_dispatch(args))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


async def _dispatch(args: argparse.Namespace) -> int:
    try:
        if args.command == "models":
            return _models()
        if args.command == "settings":
            return _show_settings()
        if args.command == "schema":
            from agents.events import event_json_schema
            from agents.spec import team_json_schema

            print(json.dumps(team_json_schema() if args.what == "team" else event_json_schema(), indent=2))
            return EXIT_OK
        if args.command == "keys":
            return _keys(args.action, args.name)
        if args.command == "run":
            return await cli_team.command_run(args)
        if args.command == "sessions":
            return await cli_team.command_sessions(args)
        if args.command == "plan":
            return await cli_plan.command_plan(args)
        if args.command == "tools":
            return await cli_tools.command_tools(args)
        if args.command == "ask":
            if not args.prompt.strip():
                print("error: the prompt is empty", file=sys.stderr)
                return EXIT_USAGE
            return await _ask(args, [ChatMessage(role="user", content=args.prompt)])
        return await _chat(args)
    except (TeamFileError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ProviderError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, SettingsError) or exc.kind in ("invalid_reference",) else EXIT_MODEL_ERROR
    except Exception as exc:  # a bug, not a user error: say so plainly, no traceback wall
        print(f"error (internal): {exc!r}", file=sys.stderr)
        return EXIT_MODEL_ERROR


async def _open(args: argparse.Namespace, printer: EventPrinter):
    settings = load_settings()
    loader = ProviderLoader(args.model or settings.default_model, settings)
    async for event in loader.events():
        printer.show(event)
    return loader.provider


def _request(args: argparse.Namespace, messages: list[ChatMessage]) -> CompletionRequest:
    params = GenerationParams(
        max_tokens=args.max_tokens, temperature=args.temperature, seed=args.seed, stop=tuple(args.stop)
    )
    history = ([ChatMessage(role="system", content=args.system)] if args.system else []) + messages
    return CompletionRequest(messages=tuple(history), params=params, speaker=args.speaker)


async def _ask(args: argparse.Namespace, messages: list[ChatMessage]) -> int:
    printer = EventPrinter(json_lines=args.json)
    provider = await _open(args, printer)
    try:
        failed = False
        async for event in provider.stream(_request(args, messages)):
            printer.show(event)
            failed = failed or isinstance(event, ErrorEvent)
        return EXIT_MODEL_ERROR if failed else EXIT_OK
    finally:
        await provider.aclose()


async def _chat(args: argparse.Namespace) -> int:
    printer = EventPrinter(json_lines=args.json)
    provider = await _open(args, printer)
    history: list[ChatMessage] = []
    print(f"Chatting with {provider.identity.name}. An empty line or Ctrl-D ends.", file=sys.stderr)
    try:
        while True:
            try:
                line = await asyncio.to_thread(input, "You: ")
            except EOFError:
                return EXIT_OK
            if not line.strip():
                return EXIT_OK
            history.append(ChatMessage(role="user", content=line))
            async for event in provider.stream(_request(args, history)):
                printer.show(event)
                if isinstance(event, MessageCompleted) and event.text:
                    history.append(ChatMessage(role="assistant", content=event.text, name=args.speaker))
    finally:
        await provider.aclose()


def _models() -> int:
    print("Model references:")
    for form in ACCEPTED_FORMS:
        print(f"  {form}")
    settings = load_settings()
    print(f"\nDefault: {settings.default_model}")
    for name, endpoint in sorted(settings.endpoints.items()):
        print(f"  endpoint:{name} -> {endpoint.base_url} #{endpoint.model} ({endpoint.api})")
    return EXIT_OK


def _show_settings() -> int:
    print(settings_path())
    print(load_settings().model_dump_json(indent=2))
    return EXIT_OK


def _keys(action: str, name: str) -> int:
    from agents.llm.credentials import delete_api_key, store_api_key

    try:
        if action == "set":
            store_api_key(name, getpass.getpass(f"API key for {name}: "))
        else:
            delete_api_key(name)
    except Exception as exc:
        print(
            f"error: the OS keyring is not available ({exc}); use the endpoint's api_key_env variable", file=sys.stderr
        )
        return EXIT_USAGE
    print(f"{action}: key for {name!r} in the OS keyring")
    return EXIT_OK
