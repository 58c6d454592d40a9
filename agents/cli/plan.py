"""`agora-lab plan`: one planning run, headless, stored as a session like any other."""

from __future__ import annotations

import argparse
import sys

from agents.cli.common import (
    add_model_option,
    add_run_output_options,
    add_seed_option,
    bounded_int,
    export_format,
    run_to_end,
)
from agents.cli.output import EventPrinter, describe_plan
from agents.events import EventBase, PlanFinished, PlanRealStep
from agents.planning.envs import ENVS
from agents.planning.run import ALGORITHMS, PlanConfig
from agents.planning.search.tree import Budget
from agents.session.pipeline import PlanJob, RunPipeline
from agents.settings import Settings, load_settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    plan = sub.add_parser("plan", help="plan in an environment with tree search and a world model")
    plan.add_argument("--env", choices=sorted(ENVS), default="blocksworld")
    add_seed_option(plan, default=0, help="which instance")
    plan.add_argument("--algo", choices=sorted(ALGORITHMS), default="mcts")
    plan.add_argument("--world-model", choices=["exact", "llm"], default="exact")
    plan.add_argument(
        "--policy", choices=["all", "llm"], default="all", help="all legal actions, or the model's proposals"
    )
    plan.add_argument("--value", choices=["heuristic", "llm"], default="heuristic")
    add_model_option(plan, "model reference for the llm parts (default: settings)")
    plan.add_argument("--budget", type=bounded_int(1), default=500, help="most nodes to expand")
    plan.add_argument("--beam-width", type=bounded_int(1), default=5)
    plan.add_argument("--max-depth", type=bounded_int(1), default=24)
    add_run_output_options(plan)
    plan.set_defaults(handler=command_plan)


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
    export_format(args.export)  # a bad export path fails before anything runs
    config = config_from(args)
    # An exact planner asks no model, so it runs even where the settings file is broken.
    settings = load_settings() if config.needs_model else Settings()
    printer = EventPrinter(json_lines=args.json)
    pipeline = RunPipeline(PlanJob(config), settings, model=args.model)
    return await run_to_end(pipeline, lambda event: _show(printer, event, args.json), args.export)


def _show(printer: EventPrinter, event: EventBase, json_lines: bool) -> None:
    """Plan events are many; the terminal gets the start, the real steps, problems and the result."""
    if json_lines or not type(event).__name__.startswith("Plan"):
        printer.show(event)
    elif text := describe_plan(event):
        # The steps and the result are the output; the rest is commentary on stderr.
        print(text, file=sys.stdout if isinstance(event, (PlanRealStep, PlanFinished)) else sys.stderr)
