"""Loading a local causal LM once per process: device, dtype, cache, identity."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.events import ModelLoadProgress, Notice
from agents.llm import local_cache, local_weights
from agents.llm.base import ModelIdentity
from agents.llm.local_batch import BatchingExecutor
from agents.llm.refs import LocalRef

Emit = Callable[[object], None]


RECENT_PROMPTS_MAX = 256


class RecentPrompts:
    """The exact prompt (text, ids) of the last messages generated, by message id.

    The interpretability panel re-reads a message in the very context the model saw (a
    Moderator's instruction included). In memory only: in the session file it would repeat
    the whole context for every message. Bounded: the oldest entries are forgotten.
    """

    def __init__(self, limit: int = RECENT_PROMPTS_MAX):
        self.limit = limit
        self._prompts: OrderedDict[str, tuple[str, tuple[int, ...]]] = OrderedDict()

    def remember(self, message_id: str, text: str, ids: Sequence[int]) -> None:
        self._prompts[message_id] = (text, tuple(ids))
        self._prompts.move_to_end(message_id)
        while len(self._prompts) > self.limit:
            self._prompts.popitem(last=False)

    def get(self, message_id: str) -> tuple[str, tuple[int, ...]] | None:
        return self._prompts.get(message_id)

    def __len__(self) -> int:
        return len(self._prompts)


@dataclass
class LoadedModel:
    """A model and tokenizer in memory, with the one worker thread that may run them.

    Behind a llama.cpp engine the provider is ready as soon as the engine is: it generates
    and tokenizes without transformers, whose float32 copy (scoring, interpretability) keeps
    loading on a thread of its own. ``model`` waits for it; on the event loop, await
    ``wait_model()`` instead.
    """

    tokenizer: Any
    identity: ModelIdentity
    context_tokens: int
    # The transformers model: resolved at once, or while a ready engine already generates.
    model_future: Future = field(default_factory=Future)
    # The one thread that runs this model; it batches concurrent generations.
    executor: BatchingExecutor = field(default_factory=BatchingExecutor)
    # Prompts of this model's recent messages, for inspection in their exact context.
    recent_prompts: RecentPrompts = field(default_factory=RecentPrompts)
    # A bfloat16 copy of the unembedding for sampling only (see local_generate.decode_head);
    # built on the worker thread at the first generation.
    head_bf16: Any = None
    # llama.cpp generating from the GGUF itself (local_llama), or None: transformers generates.
    engine: Any = None
    # Which token ids end a copied run (local_repeats.BreakerTable), filled in as ids are met.
    breakers: Any = None

    @classmethod
    def of(cls, model: Any, tokenizer: Any, identity: ModelIdentity, context_tokens: int, **more: Any) -> LoadedModel:
        """A model whose transformers part is in memory already."""
        return cls(tokenizer, identity, context_tokens, model_future=resolved(model), **more)

    @property
    def model(self) -> Any:
        """The transformers model, waiting while it loads; a failed load is a ProviderError."""
        return self.model_future.result()

    async def wait_model(self) -> Any:
        """``model`` without blocking the event loop."""
        return await asyncio.wrap_future(self.model_future)

    @property
    def device(self) -> str:
        return str(self.identity.device)


def resolved(value: Any) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


_LOADED: dict[tuple, LoadedModel] = {}
_LOAD_LOCK = threading.Lock()


def choose_device(preference: str) -> str:
    if preference in ("auto", "cuda") and _cuda_possible():
        import torch

        if torch.cuda.is_available():
            return "cuda"
    return "cpu"


def _cuda_possible() -> bool:
    """False where CUDA cannot be there, found without importing torch (seconds here)."""
    import importlib.metadata
    import sys

    if "torch" in sys.modules:
        return True
    try:
        if "+cpu" in importlib.metadata.version("torch"):
            return False
    except importlib.metadata.PackageNotFoundError:
        return False
    return not (sys.platform.startswith("linux") and not any(Path(p).exists() for p in ("/dev/nvidiactl", "/dev/kfd")))


def choose_dtype(device: str, preference: str) -> str:
    """Fastest dtype that keeps output sane, by torch's name for it.

    CPU: float32 (bf16 matmuls are emulated and slower on CPUs without AMX/AVX512-BF16).
    CUDA: bfloat16 where supported; never float16 by default (Gemma's activations overflow it).
    """
    if preference != "auto":
        return preference
    if device == "cuda":
        import torch

        if torch.cuda.is_bf16_supported():
            return "bfloat16"
    return "float32"


def load_local_model(
    ref: LocalRef, device_pref: str, dtype_pref: str, context_tokens: int, emit: Emit, wait_for_model: bool = True
) -> LoadedModel:
    """Blocking: load (converting and caching first if needed). Run it on a worker thread.

    ``wait_for_model=False``: return once the model can generate, which behind a llama.cpp
    engine is before transformers has loaded (``LoadedModel.model`` then waits).
    """
    device = choose_device(device_pref)
    if device_pref == "cuda" and device != "cuda":
        emit(Notice(level="warning", text="CUDA was requested but is not available; using the CPU"))
    dtype = choose_dtype(device, dtype_pref)
    key = (ref.path, device, dtype, context_tokens)
    with _LOAD_LOCK:
        failed = key in _LOADED and _LOADED[key].model_future.done() and _LOADED[key].model_future.exception()
        if key not in _LOADED or failed:
            _LOADED[key] = _load(ref, device, dtype, context_tokens, emit)
        loaded = _LOADED[key]
    if wait_for_model and not loaded.model_future.done():
        emit(ModelLoadProgress(model=loaded.identity.ref, stage="loading weights", fraction=0.96))
    if wait_for_model:
        loaded.model_future.result()  # raises the load's ProviderError
    identity = loaded.identity
    engine = ", llama.cpp generation" if loaded.engine is not None else ""
    emit(
        ModelLoadProgress(
            model=identity.ref, stage="ready", fraction=1.0, detail=f"{identity.device}, {identity.dtype}{engine}"
        )
    )
    return loaded


def _load(ref: LocalRef, device: str, dtype: str, context_tokens: int, emit: Emit) -> LoadedModel:
    label = "local" if ref.path is None else f"local:{ref.path}"
    sha256, name, folder = None, Path(ref.path or "").name, Path(ref.path or "")
    gguf: Path | None = None
    if ref.path is None or folder.suffix == ".gguf":
        gguf, sha256 = local_cache.embedded_gguf(emit) if ref.path is None else (folder, _hash(folder, label, emit))
        name = local_cache.EMBEDDED_NAME if ref.path is None else gguf.name
        folder = _checkpoint_for(gguf, sha256, label, emit)
        if not gguf.exists() and ref.path is None:  # converted already, GGUF removed since
            gguf, _ = local_cache.embedded_gguf(emit, need_file=True)
    emit(ModelLoadProgress(model=label, stage="loading", fraction=0.96))
    source = local_weights.Checkpoint(ref, gguf, folder, sha256, label)
    with local_weights.collector_paused():
        engine = _engine_for(gguf, context_tokens, emit) if gguf is not None and device == "cpu" else None
    # The model's worker thread starts before libtorch loads: while the dynamic linker loads
    # it, starting a thread waits for the linker's lock (up to 100 ms measured) with the GIL
    # held, and so would every thread of the window.
    executor = BatchingExecutor()
    # Only now, not beside llama.cpp's load: the dynamic linker takes one library at a time,
    # and a library loaded with the GIL held (ggml's backends, an import) waits for libtorch.
    model = local_weights.in_background(lambda: local_weights.load_weights(source, device, dtype, emit))
    tokenizer = engine.tokenizer() if engine is not None else None
    if engine is not None and tokenizer is not None:
        window = engine.context_tokens
    else:  # transformers tokenizes (no GGUF, or a chat template): ready once all is loaded
        tokenizer = local_weights.hf_tokenizer(source, model)
        window = getattr(model.result().config.get_text_config(), "max_position_embeddings", None)
    identity = ModelIdentity(ref=label, name=name, backend="local", sha256=sha256, device=device, dtype=dtype)
    context = min(context_tokens, window or context_tokens)
    return LoadedModel(tokenizer, identity, context, model_future=model, executor=executor, engine=engine)


def _engine_for(gguf: Path, context: int, emit: Emit) -> Any:
    """llama.cpp for generating from a GGUF on the CPU (about 3x transformers' speed there)."""
    from agents.llm import local_llama

    if not local_llama.available():
        return None
    try:
        return local_llama.open_engine(gguf, context)
    except RuntimeError as exc:
        emit(Notice(level="warning", text=f"llama.cpp could not load the model ({exc}); generating with transformers"))
        return None


def _hash(path: Path, label: str, emit: Emit) -> str:
    emit(ModelLoadProgress(model=label, stage="hashing GGUF", fraction=0.0))
    return local_cache.file_sha256(path)


def _checkpoint_for(gguf: Path, sha256: str, label: str, emit: Emit) -> Path:
    cached = local_cache.cached_checkpoint(sha256)
    if cached is not None:
        return cached
    if local_cache.lacks_tokenizer(sha256):
        if not gguf.exists():
            gguf, _ = local_cache.embedded_gguf(emit, need_file=True)
        return local_cache.add_tokenizer(gguf, sha256, emit)
    if local_cache.converted_dir(sha256).exists():
        emit(Notice(level="warning", text="the converted-model cache is incomplete; rebuilding it"))
        local_cache.discard_checkpoint(sha256)
    if not gguf.exists():
        gguf, _ = local_cache.embedded_gguf(emit, need_file=True)
    emit(Notice(text=f"first start: converting {gguf.name} once (about two minutes), then cached"))
    return local_cache.convert_gguf(gguf, sha256, label, emit)
