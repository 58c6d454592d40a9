"""The model's one worker thread, which batches concurrent generations into shared passes.

It is an ``Executor``: ``loop.run_in_executor(executor, fn, emit)`` works as usual. When
``fn`` is a GenerationJob, jobs submitted at about the same time (simultaneous debate turns)
are decoded together, one forward pass per token for the whole batch; anything else
(scoring, lens work) runs alone, in order. Only this thread ever touches the model.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any, cast

GATHER_WINDOW_S = 0.03  # how long the first job waits for companions
MAX_BATCH = 8


@dataclass(frozen=True)
class GenerationJob:
    """A generation request; calling it alone runs a batch of one."""

    loaded: Any
    spec: Any
    cancel: Any

    def __call__(self, emit: Callable[[Any], None]) -> str:
        from agents.llm.local_generate import generate_batch

        return generate_batch(self.loaded, [(self, emit)])[0]


class BatchingExecutor(Executor):
    def __init__(self, name: str = "agora-torch"):
        self._queue: deque[tuple[Future, Callable, tuple]] = deque()
        self._wakeup = threading.Condition()
        self._shutdown = False
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        with self._wakeup:
            if self._shutdown:
                raise RuntimeError("the model's worker has shut down")
            self._queue.append((future, fn, args))
            self._wakeup.notify()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._wakeup:
            self._shutdown = True
            self._wakeup.notify()
        if wait:
            self._thread.join()

    def _work(self) -> None:
        while True:
            with self._wakeup:
                while not self._queue and not self._shutdown:
                    self._wakeup.wait()
                if self._shutdown and not self._queue:
                    return
                head = self._queue[0]
            if isinstance(head[1], GenerationJob):
                self._run_generations()
            else:
                with self._wakeup:
                    future, fn, args = self._queue.popleft()
                _run(future, fn, args)

    def _run_generations(self) -> None:
        time.sleep(GATHER_WINDOW_S)
        with self._wakeup:
            batch: list[tuple[Future, Callable[..., Any], tuple]] = []
            while self._queue and isinstance(self._queue[0][1], GenerationJob) and len(batch) < MAX_BATCH:
                batch.append(self._queue.popleft())
        runnable = [(f, job, args) for f, job, args in batch if f.set_running_or_notify_cancel()]
        if not runnable:
            return
        from agents.llm.local_generate import generate_batch

        try:
            jobs = [cast(GenerationJob, job) for _, job, _ in runnable]  # the loop above took only these
            reasons = generate_batch(jobs[0].loaded, [(job, args[0]) for job, (_, _, args) in zip(jobs, runnable)])
        except BaseException as exc:  # every waiting caller hears about the failure
            for future, _, _ in runnable:
                future.set_exception(exc)
            return
        for (future, _, _), reason in zip(runnable, reasons):
            future.set_result(reason)


def _run(future: Future, fn: Callable, args: tuple) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(fn(*args))
    except BaseException as exc:
        future.set_exception(exc)
