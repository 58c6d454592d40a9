"""`agora-lab-cli`: the headless face of Agora Lab. Prints the same event stream the GUI shows.

The parser and the dispatch; each command group lives in its own module (model: ask, chat ·
config: models, keys, settings, schema · team: run, sessions · plan · interp). Exit codes: see
:mod:`agents.cli.common`.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import sys
from collections.abc import Sequence

from agents import __version__
from agents.cli import config as cli_config
from agents.cli import experiment as cli_experiment
from agents.cli import interp as cli_interp
from agents.cli import memory as cli_memory
from agents.cli import model as cli_model
from agents.cli import plan as cli_plan
from agents.cli import team as cli_team
from agents.cli import tools as cli_tools
from agents.cli.common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE
from agents.llm.base import ProviderError
from agents.settings import SettingsError
from agents.spec import TeamFileError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agora-lab", description="Agora Lab: multi-agent LLM lab")
    parser.add_argument("--version", action="version", version=f"agora-lab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    cli_model.add_parsers(sub)
    cli_config.add_parsers(sub)
    cli_team.add_parsers(sub)
    cli_plan.add_parser(sub)
    cli_experiment.add_parser(sub)
    cli_interp.add_parser(sub)
    cli_tools.add_parsers(sub)
    cli_memory.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(_dispatch(args))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


async def _dispatch(args: argparse.Namespace) -> int:
    """Run the command's handler; user errors become one line and an exit code, not a traceback."""
    try:
        result = args.handler(args)
        return await result if inspect.isawaitable(result) else result
    except (TeamFileError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ProviderError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, SettingsError) or exc.kind in ("invalid_reference",) else EXIT_FAILED
    except Exception as exc:  # a bug, not a user error: say so plainly, no traceback wall
        print(f"error (internal): {exc!r}", file=sys.stderr)
        return EXIT_FAILED
