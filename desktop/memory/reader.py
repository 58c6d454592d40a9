"""The Memory dock's reads and edits, off the GUI thread, through the one Qt edge.

Each job is a one-event stream on a :class:`~desktop.runner.StreamRunner`: the store call runs in
a worker thread (``asyncio.to_thread``), so a locked or slow file never blocks the window, and
its answer arrives as the runner's batch. One job runs at a time; what is asked meanwhile is
merged into the next job: every edit, in order, and only the latest view (older ones are stale).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from PySide6.QtCore import QObject, Signal

from agents.memory.store import STORE_TIMEOUT_S
from agents.memory.view import Change, InspectorSession, PanelView, StoreFailure, ViewRequest
from desktop.runner import StreamRunner


class StoreReader(QObject):
    viewed = Signal(object)  # PanelView
    failed = Signal(object)  # StoreFailure
    idle = Signal()  # nothing running and nothing asked: what the window shows is current

    def __init__(self, path: str | None = None, timeout_s: float = STORE_TIMEOUT_S, parent: QObject | None = None):
        super().__init__(parent)
        self.session = InspectorSession(path, timeout_s)
        self.runner = StreamRunner(self)
        self.runner.batch.connect(self._deliver)
        self.runner.finished.connect(lambda _: self._next())
        # A bug in a store call (not a store problem, which is an answer) is said, not hidden.
        self.runner.failed.connect(lambda error: self.failed.emit(StoreFailure(f"memory: {error.message}", "io")))
        self._changes: list[Change] = []
        self._request: ViewRequest | None = None
        self._closing = False

    @property
    def busy(self) -> bool:
        return self.runner.running or bool(self._changes) or self._request is not None

    def ask(self, request: ViewRequest | None = None, change: Change | None = None) -> None:
        """Queue an edit and/or a view; the job starts now, or after the one running."""
        if change is not None:
            self._changes.append(change)
        if request is not None:
            self._request = request
        if not self.runner.running:
            self._next()

    def _next(self) -> None:
        if self.runner.running:
            return
        if self._closing:
            self.runner.start(self._close())
            self._closing = False
            return
        if not self._changes and self._request is None:
            self.idle.emit()
            return
        changes, self._changes = self._changes, []
        request, self._request = self._request, None
        self.runner.start(self._job(changes, request))

    async def _job(self, changes: list[Change], request: ViewRequest | None) -> AsyncIterator[object]:
        answer = await asyncio.to_thread(self.session.answer, changes, request)
        if answer is not None:
            yield answer

    async def _close(self) -> AsyncIterator[object]:
        await asyncio.to_thread(self.session.close)
        return
        yield  # an async generator that yields nothing

    def _deliver(self, batch: list) -> None:
        for answer in batch:
            if isinstance(answer, PanelView):
                self.viewed.emit(answer)
            elif isinstance(answer, StoreFailure):
                self.failed.emit(answer)

    def close(self) -> None:
        """Close the connection now, or once the running job is done (never under a worker's
        feet). Closing does not wait on another program's lock, so it may run here."""
        self._changes, self._request = [], None
        if self.runner.running:
            self._closing = True
        else:
            self.session.close()
