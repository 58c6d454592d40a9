"""``inspect_stream``: attention and logit lens for one input, as a stream of events.

The torch work runs on the loaded model's one worker thread (the same one that generates,
so the two never race); events cross back to the loop as they are made, so a panel fills
while the rest computes. Results are cached per (model identity, token ids, top-k).
"""

from __future__ import annotations

import dataclasses
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any

import numpy as np

from agents.interp.lens import POSITIONS_PER_CHUNK, LensReducer, emit_attention, forward
from agents.interp.records import (
    InspectError,
    InspectEvent,
    InspectFinished,
    InspectInput,
    InspectStarted,
    LensChunkReady,
)
from agents.interp.tokens import token_texts
from agents.llm.base import CancelToken
from agents.llm.local_generate import Aborted
from agents.llm.worker import ThreadJob

TOP_K = 10


def run_inspection(
    loaded: Any, inp: InspectInput, cancel: CancelToken, top_k: int, emit: Callable[[Any], None]
) -> None:
    """Blocking: forward once, emit attention per layer, then the lens a chunk at a time."""
    model, started = loaded.model, time.perf_counter()
    _check_input(loaded, inp)
    config = model.config.get_text_config()
    emit(
        InspectStarted(
            input=inp,
            model=loaded.identity.ref,
            n_layers=config.num_hidden_layers,
            n_heads=config.num_attention_heads,
            top_k=top_k,
        )
    )
    ids = list(inp.token_ids)
    out = forward(model, ids, cancel)
    emit_attention(out, emit, cancel)
    lens = LensReducer(model, out.hidden_states, ids, top_k)
    last = None
    for start in range(0, len(ids), POSITIONS_PER_CHUNK):
        if cancel.cancelled:
            raise Aborted()
        end = min(len(ids), start + POSITIONS_PER_CHUNK)
        arrays = lens.chunk(start, end)
        last = LensChunkReady(
            start=start, end=end, token_text=token_texts(loaded.tokenizer, arrays["top_ids"]), **arrays
        )
        emit(last)
    assert last is not None  # _check_input refused an empty input
    emit(InspectFinished(elapsed_s=time.perf_counter() - started, parity_max_abs_diff=parity(out.logits[0, -1], last)))


def parity(model_logits: Any, last_chunk: LensChunkReady) -> float:
    """Largest gap between the lens's last row at the last position and the model's own logits.

    Compared as log-probabilities of the lens's top-k tokens, so it checks the ranking,
    the values and the normaliser at once.
    """
    import torch

    logp = torch.log_softmax(model_logits.float(), dim=-1).cpu().numpy()
    ids = last_chunk.top_ids[-1, -1]
    lens_logp = np.log(last_chunk.top_probs[-1, -1].astype(np.float64))
    return float(np.max(np.abs(lens_logp - logp[ids])))


def _check_input(loaded: Any, inp: InspectInput) -> None:
    if not inp.token_ids:
        raise ValueError("there is nothing to inspect: the input has no tokens")
    vocab = loaded.model.get_output_embeddings().weight.shape[0]
    if min(inp.token_ids) < 0 or max(inp.token_ids) >= vocab:
        raise ValueError(f"a token id is outside the model's vocabulary (0..{vocab - 1})")
    window = getattr(loaded.model.config.get_text_config(), "max_position_embeddings", None)
    if window and len(inp.token_ids) > window:
        raise ValueError(f"the input has {len(inp.token_ids)} tokens; the model reads at most {window}")


class InspectCache:
    """The last few complete results, as their event lists (arrays shared, not copied)."""

    def __init__(self, size: int = 4):
        self.size = size
        self._items: OrderedDict[tuple, list[InspectEvent]] = OrderedDict()

    @staticmethod
    def key(loaded: Any, inp: InspectInput, top_k: int) -> tuple:
        ident = loaded.identity
        return (ident.ref, ident.sha256, ident.device, ident.dtype, tuple(inp.token_ids), top_k)

    def get(self, key: tuple) -> list[InspectEvent] | None:
        if key in self._items:
            self._items.move_to_end(key)
        return self._items.get(key)

    def put(self, key: tuple, events: list[InspectEvent]) -> None:
        self._items[key] = events
        while len(self._items) > self.size:
            self._items.popitem(last=False)


CACHE = InspectCache()


async def inspect_stream(
    loaded: Any, inp: InspectInput, cancel: CancelToken | None = None, top_k: int = TOP_K, cache: InspectCache = CACHE
) -> AsyncIterator[InspectEvent]:
    """Yield InspectStarted, AttentionReady per layer, LensChunkReady per chunk, InspectFinished.

    Failures and cancellation end the stream with an InspectError instead of raising.
    """
    key = cache.key(loaded, inp, top_k)
    hit = cache.get(key)
    if hit is not None:
        for event in hit:
            yield (
                dataclasses.replace(event, cached=True)
                if isinstance(event, (InspectStarted, InspectFinished))
                else event
            )
        return
    cancel = cancel.child() if cancel is not None else CancelToken()
    job = ThreadJob(lambda emit: run_inspection(loaded, inp, cancel, top_k, emit), loaded.executor)
    events: list[InspectEvent] = []
    try:
        async for event in job:
            events.append(event)
            yield event
    except Aborted:
        yield InspectError(message="cancelled", cancelled=True)
    except Exception as exc:  # bad input or a torch failure: a clear message, never a crash
        yield InspectError(message=str(exc) if isinstance(exc, ValueError) else f"inspection failed: {exc!r}")
    finally:
        cancel.cancel()  # also on aclose(): the worker must stop before the model is reused
        await job.wait()
    if events and isinstance(events[-1], InspectFinished):
        cache.put(key, events)
