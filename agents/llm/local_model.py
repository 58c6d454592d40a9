"""Loading a local causal LM once per process: device, dtype, cache, identity."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.events import ModelLoadProgress, Notice
from agents.llm import local_cache
from agents.llm.base import ModelIdentity, ProviderError
from agents.llm.local_batch import BatchingExecutor
from agents.llm.refs import LocalRef

Emit = Callable[[object], None]


@dataclass
class LoadedModel:
    """A model and tokenizer in memory, with the one worker thread that may run them."""

    model: Any
    tokenizer: Any
    identity: ModelIdentity
    context_tokens: int
    # The one thread that runs this model; it batches concurrent generations.
    executor: BatchingExecutor = field(default_factory=BatchingExecutor)

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
    emit(
        ModelLoadProgress(
            model=identity.ref, stage="ready", fraction=1.0, detail=f"{identity.device}, {identity.dtype}"
        )
    )
    return loaded


def _load(ref: LocalRef, device: str, dtype: Any, context_tokens: int, emit: Emit) -> LoadedModel:
    label = "local" if ref.path is None else f"local:{ref.path}"
    sha256, name, folder = None, Path(ref.path or "").name, Path(ref.path or "")
    if ref.path is None or folder.suffix == ".gguf":
        gguf, sha256 = local_cache.embedded_gguf(emit) if ref.path is None else (folder, _hash(folder, label, emit))
        name = local_cache.EMBEDDED_NAME if ref.path is None else gguf.name
        folder = _checkpoint_for(gguf, sha256, label, emit)
    try:
        model, tokenizer = _from_pretrained(folder, device, dtype, label, emit)
    except Exception as exc:
        if sha256 is None:
            raise ProviderError("internal", f"cannot load the model in {folder}: {exc}") from exc
        emit(Notice(level="warning", text=f"the converted-model cache was unreadable ({exc}); rebuilding it"))
        local_cache.discard_checkpoint(sha256)
        if ref.path is None:
            gguf, _ = local_cache.embedded_gguf(emit, need_file=True)
        folder = local_cache.convert_gguf(gguf, sha256, label, emit)
        model, tokenizer = _from_pretrained(folder, device, dtype, label, emit)
    window = getattr(model.config.get_text_config(), "max_position_embeddings", None) or context_tokens
    identity = ModelIdentity(
        ref=label, name=name, backend="local", sha256=sha256, device=device, dtype=str(dtype).removeprefix("torch.")
    )
    return LoadedModel(model=model, tokenizer=tokenizer, identity=identity, context_tokens=min(context_tokens, window))


def _hash(path: Path, label: str, emit: Emit) -> str:
    emit(ModelLoadProgress(model=label, stage="hashing GGUF", fraction=0.0))
    return local_cache.file_sha256(path)


def _checkpoint_for(gguf: Path, sha256: str, label: str, emit: Emit) -> Path:
    cached = local_cache.cached_checkpoint(sha256)
    if cached is not None:
        return cached
    if local_cache.converted_dir(sha256).exists():
        emit(Notice(level="warning", text="the converted-model cache is incomplete; rebuilding it"))
        local_cache.discard_checkpoint(sha256)
    if not gguf.exists():
        gguf, _ = local_cache.embedded_gguf(emit, need_file=True)
    emit(Notice(text=f"first start: converting {gguf.name} once (about two minutes), then cached"))
    return local_cache.convert_gguf(gguf, sha256, label, emit)


def _from_pretrained(folder: Path, device: str, dtype: Any, label: str, emit: Emit) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # progress is reported as events, not terminal bars
    emit(ModelLoadProgress(model=label, stage="loading tokenizer", fraction=0.96))
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    emit(ModelLoadProgress(model=label, stage="loading weights", fraction=0.98))
    # Eager attention: the interpretability engine needs real attention weights, and at
    # these sizes on CPU it costs little against SDPA.
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype, attn_implementation="eager")
    model.to(device).eval()
    return model, tokenizer
