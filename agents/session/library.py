"""Listing, opening and deleting stored sessions."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from agents.agent import REFUSED_NAME_CATEGORIES
from agents.events import Event, Finished, MessageCompleted, RunStarted, event_from_json
from agents.session.store import session_path, sessions_dir

Status = Literal["completed", "failed", "cancelled", "interrupted", "running"]


@dataclass
class SessionLog:
    session_id: str
    path: Path
    events: list[Event]
    skipped_lines: int = 0
    status: Status = "interrupted"
    header: RunStarted | None = None
    messages: list[MessageCompleted] = field(default_factory=list)

    @property
    def team_name(self) -> str:
        return str(self.header.team.get("name", "?")) if self.header else "?"

    @property
    def task(self) -> str:
        return self.header.task if self.header else ""

    @property
    def started(self) -> float:
        return self.header.ts if self.header else self.path.stat().st_mtime


def read_session(session_id_or_path: str | Path) -> SessionLog:
    """Parse a log; a torn last line (the process was killed mid-write) is skipped."""
    path = Path(session_id_or_path)
    if path.suffix != ".jsonl":
        path = session_path(str(session_id_or_path))
    if not path.exists():
        raise FileNotFoundError(f"no session {path.stem!r} (looked in {path.parent})")
    events, skipped = [], 0
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                events.append(event_from_json(line))
            except (ValidationError, ValueError):
                skipped += 1
    log = SessionLog(path.stem, path, events, skipped)
    log.header = next((e for e in events if isinstance(e, RunStarted)), None)
    log.messages = [e for e in events if isinstance(e, MessageCompleted) and e.finish_reason != "error"]
    log.status = session_status(path, events)
    return log


def session_status(path: Path, events: list[Event]) -> Status:
    """How a log ended, or whether a live process is still writing it."""
    finished = next((e for e in reversed(events) if isinstance(e, Finished)), None)
    if finished is not None:
        ends: dict[str, Status] = {"completed": "completed", "cancelled": "cancelled", "error": "failed"}
        return ends[finished.reason]
    return "running" if _writer_alive(path.with_suffix(".lock")) else "interrupted"


def _writer_alive(lock: Path) -> bool:
    try:
        pid = int(lock.read_text())
    except (OSError, ValueError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def list_sessions() -> list[SessionLog]:
    """Every stored session, newest first."""
    logs = [read_session(path) for path in sessions_dir().glob("*.jsonl")]
    return sorted(logs, key=lambda log: log.started, reverse=True)


def delete_session(session_id: str) -> None:
    path = session_path(session_id)
    if not path.exists():
        raise FileNotFoundError(f"no session {session_id!r}")
    path.unlink()
    path.with_suffix(".lock").unlink(missing_ok=True)


def one_line(text: str, width: int) -> str:
    """``text`` as one line of at most ``width`` visible characters, for lists and tables.

    Names and tasks come from files anyone can write: line breaks (CR, NEL, U+2028/9),
    terminal escapes, zero-width and bidi characters and lone surrogates become spaces."""
    flat = "".join(" " if ch.isspace() or unicodedata.category(ch) in REFUSED_NAME_CATEGORIES else ch for ch in text)
    flat = " ".join(flat.split())
    return flat if len(flat) <= width else flat[: max(0, width - 1)] + "…"
