"""Loading a local causal LM once per process: device, dtype, cache, identity."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.events import ModelLoadProgress, Notice
from agents.llm import local_cache
from agents.llm.base import ModelIdentity, ProviderError
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
    """A model and tokenizer in memory, with the one worker thread that may run them."""

    model: Any
    tokenizer: Any
    identity: ModelIdentity
    context_tokens: int
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

    @property
    def device(self) -> str:
        return str(self.identity.device)


_LOADED: dict[tuple, LoadedModel] = {}
_LOAD_LOCK = threading.Lock()


def choose_device(preference: str) -> str:
    import torch

    if preference in ("auto", "cuda") and torch.cuda.is_available():
        return "cuda"
    return "cpu"


def choose_dtype(device: str, preference: str) -> Any:
    """Fastest dtype that keeps output sane.

    CPU: float32 (bf16 matmuls are emulated and slower on CPUs without AMX/AVX512-BF16).
    CUDA: bfloat16 where supported; never float16 by default (Gemma's activations overflow it).
    """
    import torch

    if preference != "auto":
        return getattr(torch, preference)
    if device == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def load_local_model(ref: LocalRef, device_pref: str, dtype_pref: str, context_tokens: int, emit: Emit) -> LoadedModel:
    """Blocking: load (converting and caching first if needed). Run it on a worker thread."""
    device = choose_device(device_pref)
    if device_pref == "cuda" and device != "cuda":
        emit(Notice(level="warning", text="CUDA was requested but is not available; using the CPU"))
    dtype = choose_dtype(device, dtype_pref)
    key = (ref.path, device, str(dtype), context_tokens)
    with _LOAD_LOCK:
        if key not in _LOADED:
            _LOADED[key] = _load(ref, device, dtype, context_tokens, emit)
        loaded = _LOADED[key]
    identity = loaded.identity
    engine = ", llama.cpp generation" if loaded.engine is not None else ""
    emit(
        ModelLoadProgress(
            model=identity.ref, stage="ready", fraction=1.0, detail=f"{identity.device}, {identity.dtype}{engine}"
        )
    )
    return loaded


def _load(ref: LocalRef, device: str, dtype: Any, context_tokens: int, emit: Emit) -> LoadedModel:
    label = "local" if ref.path is None else f"local:{ref.path}"
    sha256, name, folder = None, Path(ref.path or "").name, Path(ref.path or "")
    gguf: Path | None = None
    if ref.path is None or folder.suffix == ".gguf":
        gguf, sha256 = local_cache.embedded_gguf(emit) if ref.path is None else (folder, _hash(folder, label, emit))
        name = local_cache.EMBEDDED_NAME if ref.path is None else gguf.name
        folder = _checkpoint_for(gguf, sha256, label, emit)
        if not gguf.exists() and ref.path is None:  # converted already, GGUF removed since
            gguf, _ = local_cache.embedded_gguf(emit, need_file=True)
    with ThreadPoolExecutor(2, thread_name_prefix="model-load") as pool:
        # llama.cpp reads its GGUF without the GIL, beside the weights and the tokenizer.
        engine = pool.submit(_engine_for, gguf, device, context_tokens, emit) if gguf is not None else None
        model, tokenizer = _load_checkpoint(ref, gguf, folder, sha256, (device, dtype), label, emit, pool)
        window = getattr(model.config.get_text_config(), "max_position_embeddings", None) or context_tokens
        identity = ModelIdentity(
            ref=label, name=name, backend="local", sha256=sha256, device=device, dtype=str(dtype).removeprefix("torch.")
        )
        context = min(context_tokens, window)
        return LoadedModel(
            model=model,
            tokenizer=tokenizer,
            identity=identity,
            context_tokens=context,
            engine=engine.result() if engine is not None else None,
        )


def _load_checkpoint(
    ref: LocalRef,
    gguf: Path | None,
    folder: Path,
    sha256: str | None,
    placement: tuple[str, Any],
    label: str,
    emit: Emit,
    pool: Executor,
) -> tuple[Any, Any]:
    """The transformers model and tokenizer; a GGUF's unreadable converted cache is rebuilt once."""
    device, dtype = placement
    try:
        return _from_pretrained(folder, device, dtype, label, emit, pool)
    except Exception as exc:
        if sha256 is None:
            raise ProviderError("internal", f"cannot load the model in {folder}: {exc}") from exc
        emit(Notice(level="warning", text=f"the converted-model cache was unreadable ({exc}); rebuilding it"))
        local_cache.discard_checkpoint(sha256)
        if ref.path is None:
            gguf, _ = local_cache.embedded_gguf(emit, need_file=True)
        assert gguf is not None  # a GGUF reference, or the embedded file just asked for
        folder = local_cache.convert_gguf(gguf, sha256, label, emit)
        return _from_pretrained(folder, device, dtype, label, emit, pool)


def _engine_for(gguf: Path, device: str, context: int, emit: Emit) -> Any:
    """llama.cpp for generating from a GGUF on the CPU (about 3x transformers' speed there)."""
    from agents.llm import local_llama

    if device != "cpu" or not local_llama.available():
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


def _from_pretrained(folder: Path, device: str, dtype: Any, label: str, emit: Emit, pool: Executor) -> tuple[Any, Any]:
    """The model and tokenizer, loaded side by side.

    Parsing the tokenizer holds the GIL (1.6 s of CPU) while reading the weights mostly
    releases it (1.7 s), so on two cores the two together take about as long as the longer.
    """
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # progress is reported as events, not terminal bars
    emit(ModelLoadProgress(model=label, stage="loading tokenizer and weights", fraction=0.96))
    tokenizer = pool.submit(local_cache.load_tokenizer, folder)
    # Eager attention: the interpretability engine needs real attention weights, and at
    # these sizes on CPU it costs little against SDPA.
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype, attn_implementation="eager")
    model.to(device).eval()  # type: ignore[arg-type]  # transformers' to() stub wants a model, takes a device
    return model, tokenizer.result()
