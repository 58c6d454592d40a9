"""`agora-lab plan`: one planning run, headless, stored as a session like any other."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from agents.cli.output import EventPrinter, describe_plan
from agents.events import EventBase, Finished, PlanFinished, PlanRealStep
from agents.llm.base import CancelToken
from agents.llm.providers import ProviderLoader
from agents.planning.envs import ENVS
from agents.planning.run import ALGORITHMS, PlanConfig, PlanRun
from agents.planning.search.tree import Budget
from agents.session.export import export_session, format_from_path
from agents.session.library import read_session
from agents.session.store import SessionWriter, recorded
from agents.settings import load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def add_parser(sub: argparse._SubParsersAction) -> None:
    plan = sub.add_parser("plan", help="plan in an environment with tree search and a world model")
    plan.add_argument("--env", choices=sorted(ENVS), default="blocksworld")
    plan.add_argument("--seed", type=int, default=0, help="which instance")
    plan.add_argument("--algo", choices=sorted(ALGORITHMS), default="mcts")
    plan.add_argument("--world-model", choices=["exact", "llm"], default="exact")
    plan.add_argument(
        "--policy", choices=["all", "llm"], default="all", help="all legal actions, or the model's proposals"
    )
    plan.add_argument("--value", choices=["heuristic", "llm"], default="heuristic")
    plan.add_argument("--model", "-m", default=None, help="model reference for the llm parts (default: settings)")
    plan.add_argument("--budget", type=_positive, default=500, help="most nodes to expand")
    plan.add_argument("--beam-width", type=_positive, default=5)
    plan.add_argument("--max-depth", type=_positive, default=24)
    plan.add_argument("--export", default=None, help="also export the session (.json, .md or .html)")
    plan.add_argument("--json", action="store_true", help="print every event as a JSON line")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def config_from(args: argparse.Namespace) -> PlanConfig:
    budget = Budget(max_expansions=args.budget, beam_width=args.beam_width, max_depth=args.max_depth)
    return PlanConfig(
        env=args.env,
        seed=args.seed,
        algo=args.algo,
        world_model=args.world_model,
        policy=args.policy,
        value=args.value,
        budget=budget,
    )


async def command_plan(args: argparse.Namespace) -> int:
    if args.export:
        format_from_path(args.export)  # a bad export path fails before anything runs
    config = config_from(args)
    printer = EventPrinter(json_lines=args.json)
    provider = None
    if config.needs_model:
        loader = ProviderLoader(args.model or load_settings().default_model)
        async for event in loader.events():
            printer.show(event)
        provider = loader.provider
    run = PlanRun(config, provider, CancelToken())
    writer = SessionWriter(run.run_id)
    done: PlanFinished | None = None
    finished: Finished | None = None
    try:
        async for event in recorded(run.run_stream(), writer):
            _show(printer, event, args.json)
            done = event if isinstance(event, PlanFinished) else done
            finished = event if isinstance(event, Finished) else finished
    finally:
        if provider is not None:
            await provider.aclose()
    print(f"session {run.run_id} saved: {writer.path}", file=sys.stderr)
    if args.export:
        export_session(read_session(run.run_id), format_from_path(args.export), Path(args.export))
        print(f"exported {args.export}", file=sys.stderr)
    if finished is None or finished.reason == "error":
        return EXIT_FAILED
    return EXIT_INTERRUPTED if finished.reason == "cancelled" else EXIT_OK


def _show(printer: EventPrinter, event: EventBase, json_lines: bool) -> None:
    """Plan events are many; the terminal gets the start, the real steps, problems and the result."""
    if json_lines or not type(event).__name__.startswith("Plan"):
        printer.show(event)
    elif text := describe_plan(event):
        # The steps and the result are the output; the rest is commentary on stderr.
        print(text, file=sys.stdout if isinstance(event, (PlanRealStep, PlanFinished)) else sys.stderr)
