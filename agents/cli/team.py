"""`agora-lab run` and `agora-lab sessions`: teams and their stored sessions, headless."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from agents.agent import Agent
from agents.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    add_model_option,
    add_run_output_options,
    add_seed_option,
    bounded_int,
    export,
    export_format,
    run_to_end,
)
from agents.cli.output import EventPrinter
from agents.events import MessageCompleted
from agents.session.export import FORMATS
from agents.session.fork import kept_messages, team_of
from agents.session.library import delete_session, list_sessions, one_line, read_session
from agents.session.pipeline import RunPipeline, TeamJob
from agents.session.replay import replay
from agents.settings import load_settings
from agents.spec import (
    TeamFileError,
    TeamSpec,
    load_team,
    load_template,
    template_names,
)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run a team file (or a template name) on a task")
    run.add_argument("team", help=f"path to a team .json, or a template: {', '.join(template_names())}")
    run.add_argument("--task", "-t", default=None, help="the task (default: the team's sample task)")
    _run_options(run)
    run.set_defaults(handler=command_run)
    sessions = sub.add_parser("sessions", help="list, show, export, replay, fork, resume or delete sessions")
    sessions.set_defaults(handler=command_sessions)
    actions = sessions.add_subparsers(dest="action", required=True)
    actions.add_parser("list")
    for name in ("show", "delete"):
        actions.add_parser(name).add_argument("session")
    export = actions.add_parser("export")
    export.add_argument("session")
    export.add_argument("--format", "-f", choices=FORMATS, default=None, help="default: from the output's suffix")
    export.add_argument("--output", "-o", required=True)
    rep = actions.add_parser("replay")
    rep.add_argument("session")
    rep.add_argument("--speed", type=float, default=1.0, help="2 = twice as fast, 0 = instant")
    fork = actions.add_parser("fork", help="a new session keeping the first K messages")
    fork.add_argument("session")
    fork.add_argument("--at", type=int, required=True, help="keep this many messages")
    fork.add_argument("--temperature", type=_temperature, default=None)
    _run_options(fork)
    resume = actions.add_parser("resume", help="continue a failed or interrupted session")
    resume.add_argument("session")
    _run_options(resume)


def _run_options(parser: argparse.ArgumentParser) -> None:
    add_model_option(parser, "use this model reference for every agent")
    add_seed_option(parser)
    parser.add_argument("--max-tokens", type=bounded_int(1, 32768), default=None, help="cap every agent's reply length")
    add_run_output_options(parser)


def _temperature(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 2.0:
        raise argparse.ArgumentTypeError("must be between 0 and 2")
    return value


def resolve_team(name_or_path: str) -> TeamSpec:
    path = Path(name_or_path)
    if path.suffix == ".json" or path.exists():
        return load_team(path)
    if name_or_path in template_names():
        return load_template(name_or_path)
    raise TeamFileError(f"{name_or_path}: no such team file or template (templates: {', '.join(template_names())})")


async def command_run(args: argparse.Namespace) -> int:
    spec = resolve_team(args.team)
    task = args.task or spec.sample_task
    if not task.strip():
        print("error: no task given (--task) and the team has no sample task", file=sys.stderr)
        return EXIT_USAGE
    return await _execute(spec, task, args)


async def _execute(
    spec: TeamSpec,
    task: str,
    args: argparse.Namespace,
    prior: Sequence[MessageCompleted] = (),
    parent: str | None = None,
) -> int:
    export_format(args.export)  # a bad export path fails before any model runs
    if args.max_tokens:
        agents = tuple(a.model_copy(update={"max_tokens": min(a.max_tokens, args.max_tokens)}) for a in spec.agents)
        spec = spec.model_copy(update={"agents": agents})
    job = TeamJob(spec, task, prior=prior, parent=parent, seed=args.seed, human=_ask_human)
    pipeline = RunPipeline(job, load_settings(), model=args.model)
    return await run_to_end(pipeline, EventPrinter(json_lines=args.json).show, args.export)


async def _ask_human(agent: Agent, prompt: str) -> str:
    # The question goes to stderr: stdout carries the transcript (or JSON lines).
    print(f"\n[{agent.name}] {prompt}\n> ", end="", file=sys.stderr, flush=True)
    line = await asyncio.to_thread(sys.stdin.readline)
    if not line:
        print(f"[{agent.name}] no input available; the turn is left empty", file=sys.stderr)
    return line.rstrip("\n")


async def command_sessions(args: argparse.Namespace) -> int:
    if args.action == "list":
        for log in list_sessions():
            when = dt.datetime.fromtimestamp(log.started).strftime("%Y-%m-%d %H:%M")
            print(
                f"{log.session_id}  {when}  {log.status:11s}  {len(log.messages):3d} msgs  {one_line(log.team_name, 28):28s}  {one_line(log.task, 50)}"
            )
        return EXIT_OK
    if args.action == "show":
        from agents.session.export import to_markdown

        print(to_markdown(read_session(args.session)))
        return EXIT_OK
    if args.action == "delete":
        delete_session(args.session)
        print(f"deleted {args.session}", file=sys.stderr)
        return EXIT_OK
    if args.action == "export":
        export(args.session, args.output, args.format)
        return EXIT_OK
    if args.action == "replay":
        printer = EventPrinter()
        async for event in replay(read_session(args.session), args.speed):
            printer.show(event)
        return EXIT_OK
    log = read_session(args.session)
    at = args.at if args.action == "fork" else len(log.messages)
    spec = team_of(log, args.model, getattr(args, "temperature", None))
    return await _execute(spec, log.task, args, prior=kept_messages(log, at), parent=log.session_id)
