"""The one place where the domain's event stream meets Qt.

A RunBridge consumes an async event stream on the qasync loop and re-emits Qt signals.
Widgets connect only to these signals and never await the domain. Token deltas arrive at
model speed; they are coalesced per message and flushed by a ~30 Hz timer, so three agents
streaming at full speed cost the GUI thirty small updates a second, not hundreds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from PySide6.QtCore import QObject, QTimer, Signal

from agents.events import (
    ErrorEvent,
    Event,
    Finished,
    MessageCompleted,
    MessageStarted,
    ModelLoadProgress,
    TokenDelta,
)

FLUSH_INTERVAL_MS = 33


class RunBridge(QObject):
    messageStarted = Signal(object)  # MessageStarted
    textAppended = Signal(str, str)  # message_id, coalesced text
    messageCompleted = Signal(object)  # MessageCompleted
    loadProgress = Signal(object)  # ModelLoadProgress
    errorRaised = Signal(object)  # ErrorEvent
    eventReceived = Signal(object)  # every other event (rounds, verdicts, votes, notices, ...)
    finished = Signal(object)  # Finished, or None if the stream ended without one
    runningChanged = Signal(bool)
    tokensInFlight = Signal(int)  # tokens streamed so far in messages not yet completed

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pending: dict[str, str] = {}
        self._in_flight: dict[str, int] = {}
        self._task: asyncio.Task | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_INTERVAL_MS)
        self._timer.timeout.connect(self.flush)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, stream: AsyncIterator[Event]) -> asyncio.Task:
        """Consume ``stream`` on the running (qasync) loop; one stream per bridge at a time."""
        if self.running:
            raise RuntimeError("this bridge is already running a stream")
        self._in_flight.clear()
        self._task = asyncio.ensure_future(self._consume(stream))
        self._timer.start()
        self.runningChanged.emit(True)
        return self._task

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _consume(self, stream: AsyncIterator[Event]) -> None:
        finished = None
        try:
            async for event in stream:
                self.dispatch(event)
                finished = event if isinstance(event, Finished) else finished
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # the GUI shows it; it never takes the window down
            self.errorRaised.emit(ErrorEvent(kind="internal", message=f"the run failed: {exc!r}"))
        finally:
            self._timer.stop()
            self.flush()
            self.runningChanged.emit(False)
            self.finished.emit(finished)

    def dispatch(self, event: Event) -> None:
        """Route one event to its signal (tests call this directly)."""
        if isinstance(event, TokenDelta):
            self._pending[event.message_id] = self._pending.get(event.message_id, "") + event.text
            self._in_flight[event.message_id] = self._in_flight.get(event.message_id, 0) + max(1, len(event.token_ids))
            return
        if isinstance(event, MessageCompleted):
            self._flush_one(event.message_id)
            self._in_flight.pop(event.message_id, None)
            self.messageCompleted.emit(event)
        elif isinstance(event, MessageStarted):
            self.messageStarted.emit(event)
        elif isinstance(event, ModelLoadProgress):
            self.loadProgress.emit(event)
        elif isinstance(event, ErrorEvent):
            self.errorRaised.emit(event)
        elif not isinstance(event, Finished):
            self.eventReceived.emit(event)

    def flush(self) -> None:
        for message_id in list(self._pending):
            self._flush_one(message_id)
        self.tokensInFlight.emit(sum(self._in_flight.values()))

    def _flush_one(self, message_id: str) -> None:
        text = self._pending.pop(message_id, "")
        if text:
            self.textAppended.emit(message_id, text)
