"""The one place where a domain stream meets Qt.

A StreamRunner consumes one async stream at a time on the qasync loop and hands widgets
lists of events, at most ~30 times a second (``batch``). Widgets connect to its signals and
never await the domain. Token deltas arrive at model speed; within a batch they are coalesced
per message, so three agents streaming at full speed cost the GUI thirty small updates a
second, not hundreds. The consumer also hands the loop back to Qt every few milliseconds, so
even a stream that never waits on anything (an exact-model search, a fast replay) leaves the
window responsive. An exception from the stream becomes ``failed`` (an ErrorEvent); it never
takes the window down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from agents.events import ErrorEvent, Finished, MessageCompleted, TokenDelta
from agents.llm.base import ProviderError

FLUSH_INTERVAL_MS = 33
YIELD_EVERY_S = 0.012  # hand the loop back to Qt at least this often


class StreamRunner(QObject):
    batch = Signal(list)  # the events since the last flush, in order; token deltas coalesced per message
    failed = Signal(object)  # ErrorEvent: the stream raised
    runningChanged = Signal(bool)
    finished = Signal(object)  # the stream's Finished event, or None if it ended without one
    tokensInFlight = Signal(int)  # tokens streamed so far in messages not yet completed

    def __init__(self, parent: QObject | None = None, interval_ms: int = FLUSH_INTERVAL_MS):
        super().__init__(parent)
        self._pending: list[Any] = []
        self._deltas: dict[str, list[TokenDelta]] = {}  # message id -> its deltas since the last flush
        self._in_flight: dict[str, int] = {}
        self._task: asyncio.Task | None = None
        self._running = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)

    @property
    def running(self) -> bool:
        """True from ``start`` until the stream's last batch is delivered."""
        return self._running

    def start(self, stream: AsyncIterator[Any]) -> asyncio.Task:
        """Consume ``stream`` on the running (qasync) loop; one stream at a time."""
        if self._running:
            raise RuntimeError("this runner is already running a stream")
        self._in_flight.clear()
        self._running = True
        self._task = asyncio.ensure_future(self._consume(stream))
        self._timer.start()
        self.runningChanged.emit(True)
        return self._task

    def cancel(self) -> None:
        """Cancel the consuming task (the stream's ``finally`` blocks still run)."""
        if self._task is not None:
            self._task.cancel()

    async def _consume(self, stream: AsyncIterator[Any]) -> None:
        finished = None
        handed_back = time.perf_counter()
        try:
            async for event in stream:
                self.push(event)
                finished = event if isinstance(event, Finished) else finished
                if time.perf_counter() - handed_back > YIELD_EVERY_S:
                    await asyncio.sleep(0.001)
                    handed_back = time.perf_counter()
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # the GUI shows it; it never takes the window down
            self.flush()
            self.failed.emit(error_of(exc))
        finally:
            self._timer.stop()
            self.flush()
            self._running = False
            self.runningChanged.emit(False)
            self.finished.emit(finished)

    def push(self, event: Any) -> None:
        """Queue one event for the next batch (tests call this directly)."""
        if isinstance(event, TokenDelta):
            self._in_flight[event.message_id] = self._in_flight.get(event.message_id, 0) + max(1, len(event.token_ids))
            parts = self._deltas.setdefault(event.message_id, [])
            if not parts:
                self._pending.append(event)  # its place in the batch; the merged delta replaces it
            parts.append(event)
            return
        if isinstance(event, MessageCompleted):
            self._in_flight.pop(event.message_id, None)
        self._pending.append(event)

    def flush(self) -> None:
        """Deliver the queued events now (the timer calls this ~30 times a second)."""
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        deltas, self._deltas = self._deltas, {}
        for index, event in enumerate(batch):
            if isinstance(event, TokenDelta) and len(parts := deltas.get(event.message_id, [])) > 1:
                batch[index] = _merged(parts)
        self.batch.emit(batch)
        self.tokensInFlight.emit(sum(self._in_flight.values()))


def _merged(parts: list[TokenDelta]) -> TokenDelta:
    return parts[0].model_copy(
        update={
            "text": "".join(p.text for p in parts),
            "token_ids": tuple(i for p in parts for i in p.token_ids),
        }
    )


def error_of(exc: BaseException) -> ErrorEvent:
    """An exception from a stream as the ErrorEvent a widget shows."""
    if isinstance(exc, ProviderError):
        return ErrorEvent(kind=exc.kind, message=exc.message, retryable=exc.retryable, detail=exc.detail)
    return ErrorEvent(kind="internal", message=f"{exc!r}")


Handler = Callable[[Any], None] | None
Handlers = Mapping[type, Handler]


def route(batch: Iterable[Any], handlers: Handlers, default: Handler = None) -> None:
    """Call each event's handler by its exact type (``None``: skip it), else ``default``."""
    for event in batch:
        handler = handlers.get(type(event), default)
        if handler is not None:
            handler(event)
