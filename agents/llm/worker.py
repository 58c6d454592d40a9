"""Run blocking (torch) work on a worker thread and receive what it emits on the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Emit = Callable[[Any], None]

_DONE = object()


class ThreadJob(Generic[T]):
    """``fn(emit)`` runs on a worker thread; ``async for item in job`` yields what it emits.

    After the iteration ends, ``job.result`` holds fn's return value; an exception raised by
    fn is re-raised from the iteration. The loop thread never blocks on the worker.
    """

    def __init__(self, fn: Callable[[Emit], T], executor: Executor | None = None):
        self._fn = fn
        self._executor = executor
        self._future: asyncio.Future[T] | None = None
        self.result: T | None = None

    async def __aiter__(self) -> AsyncIterator[Any]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()

        def emit(item: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                pass

        self._future = loop.run_in_executor(self._executor, self._fn, emit)
        self._future.add_done_callback(lambda _f: queue.put_nowait(_DONE))
        while True:
            item = await queue.get()
            if item is _DONE:
                break
            yield item
        self.result = self._future.result()

    async def wait(self) -> None:
        """Wait until the worker has returned (after a cancel), whatever its outcome."""
        if self._future is not None:
            await asyncio.gather(asyncio.shield(self._future), return_exceptions=True)
