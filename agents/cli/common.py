"""What every command group shares: exit codes, option builders, Ctrl-C, and driving a run.

Exit codes: 0 success · 1 the run or the model failed · 2 bad usage, reference or settings
· 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from agents.events import EventBase, Finished, RunStarted
from agents.session.export import export_session, format_from_path
from agents.session.library import read_session
from agents.session.pipeline import RunPipeline
from agents.termination import ExternalStop

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def add_model_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--model", "-m", default=None, help=help)


def add_seed_option(parser: argparse.ArgumentParser, default: int | None = None, help: str | None = None) -> None:
    parser.add_argument("--seed", type=int, default=default, help=help)


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print every event as a JSON line")


def add_run_output_options(parser: argparse.ArgumentParser) -> None:
    """--export and --json, for every command that runs and records a session."""
    parser.add_argument("--export", default=None, help="also export the session (.json, .md or .html)")
    add_json_option(parser)


def bounded_int(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high] (no upper bound when high is None)."""

    def parse(text: str) -> int:
        value = int(text)
        if value < low or (high is not None and value > high):
            bounds = f"at least {low}" if high is None else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"must be {bounds}")
        return value

    return parse


def export_format(output: str | None) -> str | None:
    """Check an --export path early, so a bad one fails before any model runs."""
    return None if output is None else format_from_path(output)


def export(session: str, output: str, fmt: str | None = None) -> None:
    path = Path(output)
    export_session(read_session(session), fmt or format_from_path(path), path)
    print(f"exported {path}", file=sys.stderr)


def stop_on_interrupt(stop: ExternalStop) -> Callable[[], None]:
    """Ctrl-C stops the run cleanly (the session is closed, not torn); returns the undo."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, stop.set)
    except (NotImplementedError, RuntimeError):  # Windows event loops have no signal handlers
        previous = signal.signal(signal.SIGINT, lambda *_: loop.call_soon_threadsafe(stop.set))

        def restore_previous() -> None:
            signal.signal(signal.SIGINT, previous)

        return restore_previous

    def remove_handler() -> None:
        loop.remove_signal_handler(signal.SIGINT)

    return remove_handler


async def run_to_end(pipeline: RunPipeline, show: Callable[[EventBase], None], output: str | None) -> int:
    """Show every event of a run, say where its session is, export it if asked (``output``,
    checked with :func:`export_format` before anything ran), and return its exit code."""
    await _drive(pipeline, show)
    print(f"session {pipeline.run_id} saved: {pipeline.session_path}", file=sys.stderr)
    if output and pipeline.run_id:
        try:
            export(pipeline.run_id, output)
        except OSError as exc:  # the run's own outcome stays the exit code
            print(f"error: could not export: {exc}", file=sys.stderr)
    return exit_code(pipeline.finished)


async def _drive(pipeline: RunPipeline, show: Callable[[EventBase], None]) -> None:
    # Ctrl-C becomes Stop once the run has started; while models load it still interrupts at
    # once, as before (a load on a worker thread cannot be stopped halfway).
    restore: Callable[[], None] | None = None
    try:
        async for event in pipeline.events():
            if restore is None and isinstance(event, RunStarted):
                restore = stop_on_interrupt(pipeline.stop)
            show(event)
    finally:
        if restore is not None:
            restore()


def exit_code(finished: Finished | None) -> int:
    reason = finished.reason if finished else ""
    return {"completed": EXIT_OK, "cancelled": EXIT_INTERRUPTED}.get(reason, EXIT_FAILED)
