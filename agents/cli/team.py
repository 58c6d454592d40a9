"""`agora-lab run` and `agora-lab sessions`: teams and their stored sessions, headless."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import signal
import sys
from pathlib import Path

from agents.agent import Agent
from agents.cli.output import EventPrinter
from agents.events import Finished
from agents.session.export import FORMATS, export_session, format_from_path
from agents.session.fork import kept_messages, team_of
from agents.session.library import delete_session, list_sessions, read_session
from agents.session.replay import replay
from agents.session.store import SessionWriter, recorded
from agents.settings import load_settings
from agents.spec import TeamFileError, TeamSpec, load_team, load_template, template_names
from agents.teams.run import TeamRun, load_team_providers
from agents.termination import ExternalStop

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def add_parsers(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run a team file (or a template name) on a task")
    run.add_argument("team", help=f"path to a team .json, or a template: {', '.join(template_names())}")
    run.add_argument("--task", "-t", default=None, help="the task (default: the team's sample task)")
    _run_options(run)
    sessions = sub.add_parser("sessions", help="list, show, export, replay, fork, resume or delete sessions")
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
    parser.add_argument("--model", "-m", default=None, help="use this model reference for every agent")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--max-tokens", type=_positive_int, default=None, help="cap every agent's reply length")
    parser.add_argument("--export", default=None, help="also export the session (.json, .md or .html)")
    parser.add_argument("--json", action="store_true", help="print every event as a JSON line")


def _positive_int(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 32768:
        raise argparse.ArgumentTypeError("must be between 1 and 32768")
    return value


def _temperature(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 2.0:
        raise argparse.ArgumentTypeError("must be between 0 and 2")
    return value


def _export_format(output: str | None) -> str | None:
    return None if output is None else format_from_path(output)


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


async def _execute(spec: TeamSpec, task: str, args: argparse.Namespace, prior=(), parent: str | None = None) -> int:
    export_format = _export_format(args.export)  # a bad export path fails before any model runs
    printer = EventPrinter(json_lines=args.json)
    if args.max_tokens:
        agents = tuple(a.model_copy(update={"max_tokens": min(a.max_tokens, args.max_tokens)}) for a in spec.agents)
        spec = spec.model_copy(update={"agents": agents})
    providers = {}
    async for item in load_team_providers(spec, load_settings(), args.model):
        if isinstance(item, dict):
            providers = item
        else:
            printer.show(item)
    stop = ExternalStop()
    run = TeamRun(spec, providers, human=_ask_human, seed=args.seed, stop=stop, prior=prior, parent_run=parent)
    writer = SessionWriter(run.run_id)
    restore = _on_interrupt(stop)
    finished: Finished | None = None
    try:
        async for event in recorded(run.run_stream(task), writer):
            printer.show(event)
            finished = event if isinstance(event, Finished) else finished
    finally:
        restore()
        for provider in {id(p): p for p in providers.values()}.values():
            await provider.aclose()
    print(f"session {run.run_id} saved: {writer.path}", file=sys.stderr)
    if args.export:
        try:
            _export(run.run_id, args.export, export_format)
        except OSError as exc:  # the run's own outcome stays the exit code
            print(f"error: could not export: {exc}", file=sys.stderr)
    return {"completed": EXIT_OK, "cancelled": EXIT_INTERRUPTED}.get(finished.reason if finished else "", EXIT_FAILED)


def _on_interrupt(stop: ExternalStop):
    """Ctrl-C stops the run cleanly (the session is closed, not torn); returns the undo."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, stop.set)
        return lambda: loop.remove_signal_handler(signal.SIGINT)
    except (NotImplementedError, RuntimeError):  # Windows event loops have no signal handlers
        previous = signal.signal(signal.SIGINT, lambda *_: loop.call_soon_threadsafe(stop.set))
        return lambda: signal.signal(signal.SIGINT, previous)


async def _ask_human(agent: Agent, prompt: str) -> str:
    # The question goes to stderr: stdout carries the transcript (or JSON lines).
    print(f"\n[{agent.name}] {prompt}\n> ", end="", file=sys.stderr, flush=True)
    line = await asyncio.to_thread(sys.stdin.readline)
    if not line:
        print(f"[{agent.name}] no input available; the turn is left empty", file=sys.stderr)
    return line.rstrip("\n")


def _export(session: str, output: str, fmt: str | None) -> None:
    path = Path(output)
    export_session(read_session(session), fmt or format_from_path(path), path)
    print(f"exported {path}", file=sys.stderr)


async def command_sessions(args: argparse.Namespace) -> int:
    if args.action == "list":
        for log in list_sessions():
            when = dt.datetime.fromtimestamp(log.started).strftime("%Y-%m-%d %H:%M")
            print(
                f"{log.session_id}  {when}  {log.status:11s}  {len(log.messages):3d} msgs  {log.team_name[:28]:28s}  {log.task[:50]}"
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
        _export(args.session, args.output, args.format)
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
