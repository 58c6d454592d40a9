"""The transformers copy of a local model (float32 weights for scoring and interpretability),
loaded on a thread of its own, without freezing the window beside it.

Behind a llama.cpp engine this load is no longer what makes a model ready, but it runs while
the window is live, and two things in it held the GIL for far longer than a frame (measured
with a 2 ms ticker on this 2-core machine): the dynamic linker loading libtorch inside
``import torch`` (0.7-0.8 s) and the cyclic garbage collector, whose full passes over the
hundreds of thousands of objects torch and transformers create took 90-360 ms each.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.events import Notice
from agents.llm import local_cache
from agents.llm.base import ProviderError
from agents.llm.refs import LocalRef

Emit = Callable[[object], None]


@dataclass(frozen=True)
class Checkpoint:
    """Where a model's transformers checkpoint is, and the GGUF it was converted from."""

    ref: LocalRef
    gguf: Path | None
    folder: Path
    sha256: str | None
    label: str


# Work to do with every model once its weights are in memory (registered by the window: the
# interpretability engine's compilation), run on the loading thread, never the model's worker.
_WARM_UPS: list[Callable[[Any], None]] = []


def warm_up_with_weights(prepare: Callable[[Any], None]) -> None:
    """Run ``prepare(model)`` after each transformers model loads, on its loading thread, with
    the collector paused; a failure there is ignored (the work simply happens later, when used)."""
    if prepare not in _WARM_UPS:
        _WARM_UPS.append(prepare)


def in_background(load: Callable[[], Any]) -> Future:
    """``load()`` on a thread of its own, then the warm-ups; a failed load arrives as a ProviderError."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(load())
        except ProviderError as exc:
            future.set_exception(exc)
            return
        except BaseException as exc:  # whatever it is, the waiter must hear of it
            future.set_exception(ProviderError("internal", f"the model's weights could not load: {exc!r}"))
            return
        for prepare in list(_WARM_UPS):
            try:
                with collector_paused():
                    prepare(future.result())
            except Exception:  # an optimisation only: the real call will do it
                continue

    # Not a daemon: the interpreter must not finalize while torch or transformers is half
    # imported on this thread (it aborted or crashed there, 2 exits in 3 of a one-token ask).
    # At exit the load then fails at once, once the import under way is done (_shutting_down).
    threading.Thread(target=run, name="model-weights", daemon=False).start()
    return future


def load_weights(source: Checkpoint, device: str, dtype: str, emit: Emit) -> Any:
    """The transformers model; a GGUF's unreadable converted cache is rebuilt once."""
    try:
        with collector_paused():
            preload_libtorch()
            return _from_pretrained(source.folder, device, dtype)
    except Exception as exc:
        # A failed import (torch or transformers broken), or a load cut short because the
        # process is exiting, says nothing about the cache: rebuilding it would cost minutes.
        if source.sha256 is None or isinstance(exc, ImportError) or _shutting_down():
            raise ProviderError("internal", f"cannot load the model in {source.folder}: {exc}") from exc
        emit(Notice(level="warning", text=f"the converted-model cache was unreadable ({exc}); rebuilding it"))
        local_cache.discard_checkpoint(source.sha256)
        gguf = source.gguf
        if source.ref.path is None:
            gguf, _ = local_cache.embedded_gguf(emit, need_file=True)
        assert gguf is not None  # a GGUF reference, or the embedded file just asked for
        folder = local_cache.convert_gguf(gguf, source.sha256, source.label, emit)
        return _from_pretrained(folder, device, dtype)


def _shutting_down() -> bool:
    """The process is exiting: the main thread has ended (transformers' loading pool then
    refuses work, "cannot schedule new futures after interpreter shutdown") or Python finalizes."""
    return not threading.main_thread().is_alive() or sys.is_finalizing()


def hf_tokenizer(source: Checkpoint, model: Future) -> Any:
    """transformers' tokenizer, read beside the weights; again after they rebuilt the cache."""
    try:
        return local_cache.load_tokenizer(source.folder)
    except Exception as exc:
        model.result()  # raises if the cache could not be rebuilt either
        if source.sha256 is None:
            raise ProviderError("internal", f"cannot load the tokenizer in {source.folder}: {exc}") from exc
        return local_cache.load_tokenizer(local_cache.converted_dir(source.sha256))


def _from_pretrained(folder: Path, device: str, dtype: str) -> Any:
    import torch
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # progress is reported as events, not terminal bars
    # Eager attention: the interpretability engine needs real attention weights, and at
    # these sizes on CPU it costs little against SDPA.
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=getattr(torch, dtype), attn_implementation="eager")
    model.to(device).eval()  # type: ignore[arg-type]  # transformers' to() stub wants a model, takes a device
    return model


def preload_libtorch() -> None:
    """Have the dynamic linker load libtorch through a ctypes call, which releases the GIL.

    ``import torch`` then finds the library loaded: inside the import the same relocations
    and static constructors ran with the GIL held (0.7-0.8 s). Linux only; elsewhere, or if
    anything is unexpected, the import simply does it.
    """
    import ctypes
    import importlib.util
    import os

    if "torch" in sys.modules or not sys.platform.startswith("linux"):
        return
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return
    library = Path(next(iter(spec.submodule_search_locations))) / "lib" / "libtorch_python.so"
    if not library.is_file():
        return
    dlopen = ctypes.CDLL(None).dlopen
    dlopen.restype, dlopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_int]
    # Local, as the import itself loads it: no symbol is exported to later libraries.
    dlopen(str(library).encode(), os.RTLD_NOW | os.RTLD_LOCAL)


_PAUSES = 0
_PAUSE_LOCK = threading.Lock()
_COLLECTING = [True]  # whether the collector ran before the first pause


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while this block imports and builds a model.

    Each full collection walks every tracked object with the GIL held, and imports of torch
    and transformers trigger several as the heap grows. Afterwards what exists is frozen
    (``gc.freeze``): modules, classes and weights live as long as the process, so later full
    collections skip them instead of stalling the window each time.
    """
    global _PAUSES
    with _PAUSE_LOCK:
        if _PAUSES == 0:
            _COLLECTING[0] = gc.isenabled()
            gc.disable()
        _PAUSES += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _PAUSES -= 1
            if _PAUSES == 0:
                gc.freeze()
                if _COLLECTING[0]:
                    gc.enable()
