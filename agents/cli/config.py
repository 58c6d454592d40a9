"""`agora-lab models`, `keys`, `settings` and `schema`: what is configured, and the file formats."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from agents.cli.common import EXIT_OK, EXIT_USAGE
from agents.llm.refs import ACCEPTED_FORMS
from agents.settings import load_settings, settings_path


def add_parsers(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("models", help="show the model reference syntax and saved endpoints").set_defaults(
        handler=command_models
    )
    keys = sub.add_parser("keys", help="store or remove an endpoint's API key in the OS keyring")
    keys.add_argument("action", choices=["set", "delete"])
    keys.add_argument("name", help="endpoint name (as in endpoint:NAME)")
    keys.set_defaults(handler=command_keys)
    sub.add_parser("settings", help="print the settings file's path and contents").set_defaults(
        handler=command_settings
    )
    schema = sub.add_parser("schema", help="print the JSON Schema of team files or of the event stream")
    schema.add_argument("what", choices=["team", "events"])
    schema.set_defaults(handler=command_schema)


def command_models(args: argparse.Namespace) -> int:
    print("Model references:")
    for form in ACCEPTED_FORMS:
        print(f"  {form}")
    settings = load_settings()
    print(f"\nDefault: {settings.default_model}")
    for name, endpoint in sorted(settings.endpoints.items()):
        print(f"  endpoint:{name} -> {endpoint.base_url} #{endpoint.model} ({endpoint.api})")
    return EXIT_OK


def command_settings(args: argparse.Namespace) -> int:
    print(settings_path())
    print(load_settings().model_dump_json(indent=2))
    return EXIT_OK


def command_schema(args: argparse.Namespace) -> int:
    from agents.events import event_json_schema
    from agents.spec import team_json_schema

    print(json.dumps(team_json_schema() if args.what == "team" else event_json_schema(), indent=2))
    return EXIT_OK


def command_keys(args: argparse.Namespace) -> int:
    from agents.llm.credentials import delete_api_key, store_api_key

    try:
        if args.action == "set":
            store_api_key(args.name, getpass.getpass(f"API key for {args.name}: "))
        else:
            delete_api_key(args.name)
    except Exception as exc:
        print(
            f"error: the OS keyring is not available ({exc}); use the endpoint's api_key_env variable", file=sys.stderr
        )
        return EXIT_USAGE
    print(f"{args.action}: key for {args.name!r} in the OS keyring")
    return EXIT_OK
