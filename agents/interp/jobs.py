"""One way to run an interpretability method: on the model's worker thread, streamed,
cancellable, and cached by (model identity, token ids, settings).

A method is a blocking ``work(emit, cancel)`` that emits its records as they are made and
checks ``cancel`` between steps (and, through ``abort_between_layers``, between layers).
``method_stream`` wraps it with MethodStarted / MethodFinished, turns a cancel or a bad
input into one MethodError, and replays a complete result from the cache.
"""

from __future__ import annotations

import dataclasses
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from agents.interp.findings import MethodError, MethodFinished, MethodStarted
from agents.llm.base import CancelToken
from agents.llm.local_generate import Aborted, abort_between_layers
from agents.llm.worker import ThreadJob

Work = Callable[[Callable[[Any], None], CancelToken], None]


def model_key(loaded: Any) -> tuple:
    ident = loaded.identity
    return (ident.ref, ident.sha256, ident.device, ident.dtype)


class ResultCache:
    """The last few complete results, as their record lists (arrays shared, not copied)."""

    def __init__(self, size: int = 8):
        self.size = size
        self._items: OrderedDict[tuple, list[Any]] = OrderedDict()

    def get(self, key: tuple) -> list[Any] | None:
        if key in self._items:
            self._items.move_to_end(key)
        return self._items.get(key)

    def put(self, key: tuple, records: list[Any]) -> None:
        self._items[key] = records
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


CACHE = ResultCache()


def check_cancel(cancel: CancelToken) -> None:
    if cancel.cancelled:
        raise Aborted()


@contextmanager
def torch_pass(model: Any, cancel: CancelToken, grad: bool = False) -> Iterator[None]:
    """Inference mode (or gradients, for gradient x input) with a per-layer cancel check."""
    import torch

    mode = torch.enable_grad() if grad else torch.inference_mode()
    with mode, abort_between_layers(model, lambda: cancel.cancelled):
        yield


async def method_stream(
    loaded: Any,
    method: str,
    settings: dict,
    key: tuple | None,
    work: Work,
    cancel: CancelToken | None = None,
    cache: ResultCache | None = CACHE,
) -> AsyncIterator[Any]:
    """Yield MethodStarted, whatever ``work`` emits, then MethodFinished or one MethodError.

    ``key`` (None: never cached) is completed with the model's identity and the method.
    """
    full_key = None if key is None or cache is None else (model_key(loaded), method) + key
    hit = cache.get(full_key) if full_key is not None and cache is not None else None
    if hit is not None:
        for record in hit:
            yield dataclasses.replace(record, cached=True) if hasattr(record, "cached") else record
        return
    cancel = cancel.child() if cancel is not None else CancelToken()
    started = time.perf_counter()
    records: list[Any] = [MethodStarted(method=method, model=loaded.identity.ref, settings=dict(settings))]
    yield records[0]
    job = ThreadJob(lambda emit: work(emit, cancel), loaded.executor)
    try:
        async for record in job:
            records.append(record)
            yield record
        records.append(MethodFinished(method=method, elapsed_s=time.perf_counter() - started))
        yield records[-1]
    except Aborted:
        yield MethodError(method=method, message="cancelled", cancelled=True)
    except Exception as exc:  # bad input or a torch failure: a clear message, never a crash
        yield MethodError(
            method=method, message=str(exc) if isinstance(exc, ValueError) else f"{method} failed: {exc!r}"
        )
    finally:
        cancel.cancel()  # also on aclose(): the worker must stop before the model is reused
        await job.wait()
    if full_key is not None and cache is not None and isinstance(records[-1], MethodFinished):
        cache.put(full_key, records)


async def collect(stream: AsyncIterator[Any]) -> list[Any]:
    return [record async for record in stream]


def raise_on_error(records: list[Any]) -> list[Any]:
    """The records, or a ValueError carrying the method's own message (for the CLI and tests)."""
    for record in records:
        if isinstance(record, MethodError):
            raise ValueError(record.message)
    return records


def first(records: list[Any], kind: type) -> Any:
    return next((r for r in records if isinstance(r, kind)), None)
