"""Sessions: one append-only JSONL event log per run, crash-safe.

Every event is appended as it happens, except token deltas, which are coalesced into larger
deltas (a message's text is also in its MessageCompleted). Keys are redacted across those
records as one stream per message, so a key split between two deltas cannot be rebuilt by
joining them (agents.llm.streaming.SecretRedactor). Every record reaches the OS as it is
written, so killing the process loses at most the message being typed, and the file is
fsync'ed at every completed message, tool result, memory write, verdict, error and the end.
``recorded`` passes such an event on only once it is on disk, but waits for that fsync off the
event loop (agents.session.store_file), so concurrent runs never queue behind the disk.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agents.events import (
    ErrorEvent,
    Event,
    EventBase,
    Finished,
    MemoryReflected,
    MemoryWritten,
    MessageCompleted,
    RunStarted,
    TokenDelta,
    VerdictReached,
    VoteTallied,
    event_to_json,
)
from agents.llm.credentials import KEYS_IN_USE
from agents.llm.streaming import SecretRedactor
from agents.paths import data_dir
from agents.session.redact import redact_secrets, secret_values
from agents.session.store_file import DurableFile
from agents.tools.events import OUTCOME_EVENTS, ToolAuthored

# A tool result is durable too: replay shows it and must never have to run the tool again.
DURABLE = (
    MessageCompleted,
    VerdictReached,
    VoteTallied,
    ErrorEvent,
    Finished,
    RunStarted,
    *OUTCOME_EVENTS,
    ToolAuthored,
    MemoryWritten,
    MemoryReflected,
)
COALESCE_CHARS = 200
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def sessions_dir() -> Path:
    folder = data_dir() / "sessions"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def session_path(session_id: str) -> Path:
    if not SESSION_ID.match(session_id):
        raise ValueError(f"not a session id: {session_id!r}")
    return sessions_dir() / f"{session_id}.jsonl"


class SessionWriter:
    def __init__(self, session_id: str, path: Path | None = None, secrets: list[str] | None = None):
        """``secrets``: what to redact, as ``secret_values()`` gave it (default: read now; a
        caller opening many writers reads it once; a key handed to a client later is added)."""
        self.session_id = session_id
        self.path = path or session_path(session_id)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = DurableFile(self.path)
        self._pending: dict[str, _Pending] = {}
        self._redactors: dict[str, SecretRedactor] = {}
        self._secrets = secret_values() if secrets is None else secrets
        self._keys_known = len(KEYS_IN_USE)
        # Tells the session browser this log is still being written by a live process.
        self.lock = self.path.with_suffix(".lock")
        self.lock.write_text(str(os.getpid()))

    def write(self, event: EventBase) -> None:
        """Append ``event``; a durable one is on disk when this returns (blocking on the fsync)."""
        if self._put(event):
            self._file.sync()

    async def record(self, event: EventBase) -> None:
        """``write`` for a coroutine: the same guarantee, with the fsync awaited off the loop."""
        on_disk = self.append(event)
        if on_disk is not None:
            await on_disk

    def append(self, event: EventBase) -> asyncio.Future[None] | None:
        """Hand ``event`` to the OS now; for a durable one, also begin its fsync and return the
        future that is done once it is on disk, for a caller that reports the event only then
        but need not hold the run up meanwhile."""
        return self._file.on_disk() if self._put(event) else None

    def _put(self, event: EventBase) -> bool:
        """Hand ``event`` to the OS; True when it must also reach the disk before it is reported."""
        if isinstance(event, TokenDelta):
            self._coalesce(event)
            return False
        if isinstance(event, MessageCompleted):
            self._pending.pop(event.message_id, None)  # its text supersedes the deltas
            self._redactors.pop(event.message_id, None)
        self._append(event)
        return isinstance(event, DURABLE)

    def _coalesce(self, delta: TokenDelta) -> None:
        pending = self._pending.get(delta.message_id)
        if pending is None:
            pending = self._pending[delta.message_id] = _Pending()
        pending.deltas.append(delta)
        pending.chars += len(delta.text)
        if pending.chars >= COALESCE_CHARS:
            self._append_deltas(delta.message_id, self._pending.pop(delta.message_id).deltas)

    def _append_deltas(self, message_id: str, deltas: list[TokenDelta], last: bool = False) -> None:
        redactor = self._redactors.setdefault(message_id, SecretRedactor(self._current_secrets()))
        merged = _merge(deltas) if deltas else TokenDelta(message_id=message_id, text="")
        text = redactor.feed(merged.text) + (redactor.flush() if last else "")
        if text or merged.token_ids:
            self._append(merged.model_copy(update={"text": text}))

    def _current_secrets(self) -> list[str]:
        if len(KEYS_IN_USE) != self._keys_known:  # a provider opened after this writer
            self._secrets, self._keys_known = secret_values(), len(KEYS_IN_USE)
        return self._secrets

    def _append(self, event: EventBase) -> None:
        self._file.append(redact_secrets(event_to_json(event), self._current_secrets()))

    def close(self) -> None:
        self._flush_deltas()
        self._file.close()
        self.lock.unlink(missing_ok=True)

    async def aclose(self) -> None:
        """``close`` for a coroutine: the last fsync is awaited off the loop."""
        self._flush_deltas()
        try:
            await self._file.aclose()
        finally:
            self.lock.unlink(missing_ok=True)

    def _flush_deltas(self) -> None:
        for message_id in list(self._pending) + [m for m in self._redactors if m not in self._pending]:
            pending = self._pending.pop(message_id, None)
            self._append_deltas(message_id, pending.deltas if pending is not None else [], last=True)
        self._redactors.clear()


@dataclass(slots=True)
class _Pending:
    """A message's deltas not written yet, and how many characters they hold (counted as they
    come: summing them again at every token made a long message quadratic)."""

    deltas: list[TokenDelta] = field(default_factory=list)
    chars: int = 0


def _merge(deltas: list[TokenDelta]) -> TokenDelta:
    ids = tuple(i for d in deltas for i in d.token_ids)
    return TokenDelta(
        message_id=deltas[0].message_id, text="".join(d.text for d in deltas), token_ids=ids, ts=deltas[-1].ts
    )


async def recorded(stream: AsyncIterator[Event], writer: SessionWriter) -> AsyncIterator[Event]:
    """Pass a run's events through, appending each to the session log first."""
    try:
        async for event in stream:
            await writer.record(event)
            yield event
    finally:
        await writer.aclose()


def write_events(path: Path, events: Iterable[EventBase]) -> None:
    """Write a whole log at once (forks copy their parent's prefix this way)."""
    writer = SessionWriter(path.stem, path)
    try:
        for event in events:
            writer.write(event)
    finally:
        writer.close()
