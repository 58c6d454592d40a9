"""llama.cpp in process: the local provider's generation engine for a GGUF model.

Measured on two CPU cores (tests/bench/bench_spine.py), transformers decodes the dequantised
Gemma 3 270M at about a third of llama.cpp's speed on the same GGUF. So a GGUF model
generates with llama.cpp (the quantised weights, as in the file) while transformers keeps
the float32 copy for scoring and interpretability. Both read the same GGUF vocabulary, so the
token ids llama.cpp samples are exactly the ids the interpretability panel re-reads.

Each of ``n_seq`` sequences keeps its KV cache between calls: a new prompt goes to the
sequence holding its longest common prefix and only the rest is prefilled (prefix caching
across the turns of a debate). Only the model's worker thread calls into an engine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PREFILL_CHUNK = 256  # prompt tokens per llama_decode call: bounds cancel latency
SEQUENCES = 8  # as many as the worker batches at once


def available() -> bool:
    """Whether llama-cpp-python is installed (importing it, and so loading its library)."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class _Sequence:
    """One KV-cache sequence and the tokens it holds, positions 0..len-1."""

    seq_id: int
    tokens: list[int] = field(default_factory=list)
    last_used: int = 0


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


class LlamaEngine:
    """A GGUF model and context in llama.cpp with per-sequence prefix caching."""

    def __init__(self, gguf: Path, context_tokens: int, threads: int, batch_threads: int, sequences: int = SEQUENCES):
        import llama_cpp

        logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)  # its log goes to stderr
        llama_cpp.llama_backend_init()
        self._lib = llama_cpp
        model_params = llama_cpp.llama_model_default_params()
        self._model = llama_cpp.llama_model_load_from_file(str(gguf).encode(), model_params)
        if not self._model:
            raise RuntimeError(f"llama.cpp cannot load {gguf}")
        # The provider's window: never past what the model was trained for.
        context_tokens = min(context_tokens, llama_cpp.llama_model_n_ctx_train(self._model) or context_tokens)
        params = llama_cpp.llama_context_default_params()
        # One shared KV buffer: a debate's agents share most of their prompt, and a unified
        # cache sized for a few full contexts holds all of them.
        params.n_ctx = min(context_tokens * 4, 32768)
        params.n_batch = params.n_ubatch = PREFILL_CHUNK
        params.n_seq_max = sequences
        params.kv_unified = True
        params.swa_full = True  # a sliding-window cache cannot be cut back to a shared prefix
        params.n_threads, params.n_threads_batch = threads, batch_threads
        params.no_perf = True
        self._ctx = llama_cpp.llama_init_from_model(self._model, params)
        if not self._ctx:
            raise RuntimeError("llama.cpp cannot create a context")
        self._memory = llama_cpp.llama_get_memory(self._ctx)
        self.n_vocab = llama_cpp.llama_vocab_n_tokens(llama_cpp.llama_model_get_vocab(self._model))
        self.context_tokens = context_tokens
        self._batch = llama_cpp.llama_batch_init(PREFILL_CHUNK, 0, 1)
        self._sequences = [_Sequence(i) for i in range(sequences)]
        self._clock = 0
        self.reused_tokens = 0  # prompt tokens served from the cache, for the benchmark

    @property
    def sequences(self) -> int:
        return len(self._sequences)

    def start(
        self, prompts: Sequence[list[int]], cancelled: Callable[[], bool]
    ) -> tuple[list[_Sequence], list[Any]] | None:
        """Give each prompt a sequence and prefill what its cache lacks.

        Returns the sequences and each prompt's next-token logits; None if cancelled.
        """
        chosen: list[_Sequence] = []
        for prompt in prompts:
            free = [s for s in self._sequences if s not in chosen]
            best = max(free, key=lambda s: (common_prefix(s.tokens, prompt), -s.last_used))
            if common_prefix(best.tokens, prompt) == 0:
                best = min(free, key=lambda s: s.last_used)
            self._clock += 1
            best.last_used = self._clock
            chosen.append(best)
        logits = []
        for seq, prompt in zip(chosen, prompts):
            # At least the last prompt token is run again: its logits start the generation.
            keep = min(common_prefix(seq.tokens, prompt), len(prompt) - 1)
            if not self._lib.llama_memory_seq_rm(self._memory, seq.seq_id, keep, -1):
                self._lib.llama_memory_seq_rm(self._memory, seq.seq_id, -1, -1)
                keep = 0
            seq.tokens = list(prompt[:keep])
            self.reused_tokens += keep
            for lo in range(keep, len(prompt), PREFILL_CHUNK):
                if cancelled():
                    seq.tokens = []  # its cache holds part of a prompt: reuse only what is known
                    self._lib.llama_memory_seq_rm(self._memory, seq.seq_id, -1, -1)
                    return None
                chunk = prompt[lo : lo + PREFILL_CHUNK]
                self._decode([(seq, t, lo + i == len(prompt) - 1) for i, t in enumerate(chunk)])
            logits.append(self.logits(-1).copy())  # the next prompt's prefill overwrites the buffer
        return chosen, logits

    def logits(self, index: int) -> Any:
        """The logits of the index-th logit-bearing token of the last decode, as a float32 array.

        A view of llama.cpp's own buffer, not a copy: valid until the next decode.
        """
        import numpy as np

        pointer = self._lib.llama_get_logits_ith(self._ctx, index)
        return np.ctypeslib.as_array(pointer, shape=(self.n_vocab,))

    def step(self, rows: Sequence[tuple[_Sequence, int]]) -> None:
        """Append one token to each given sequence, all in one pass."""
        self._decode([(seq, token, True) for seq, token in rows])

    def forget(self) -> None:
        """Empty every sequence's cache (the benchmark's "no prefix caching")."""
        self._evict_idle(set())

    def all_logits(self, ids: Sequence[int]) -> Any:
        """Logits at every position of ``ids`` as a (len, vocab) float32 array (fidelity checks)."""
        import numpy as np

        seq = min(self._sequences, key=lambda s: s.last_used)
        self._evict_idle({id(s) for s in self._sequences if s is not seq})
        rows = []
        for lo in range(0, len(ids), PREFILL_CHUNK):
            chunk = list(ids[lo : lo + PREFILL_CHUNK])
            self._decode([(seq, t, True) for t in chunk])
            rows += [self.logits(i).copy() for i in range(len(chunk))]
        self._evict_idle({id(s) for s in self._sequences if s is not seq})
        return np.stack(rows)

    def _decode(self, items: list[tuple[_Sequence, int, bool]]) -> None:
        batch = self._batch
        for i, (seq, token, wants_logits) in enumerate(items):
            batch.token[i] = token
            batch.pos[i] = len(seq.tokens)
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = seq.seq_id
            batch.logits[i] = wants_logits
            seq.tokens.append(token)
        batch.n_tokens = len(items)
        status = self._lib.llama_decode(self._ctx, batch)
        if status == 1 and self._evict_idle({id(seq) for seq, _, _ in items}):
            status = self._lib.llama_decode(self._ctx, batch)
        if status != 0:
            for seq, _, _ in items:  # what the cache holds is unknown now: forget the sequence
                seq.tokens = []
                self._lib.llama_memory_seq_rm(self._memory, seq.seq_id, -1, -1)
            raise RuntimeError(f"llama.cpp could not decode (status {status}): the KV cache is full")

    def _evict_idle(self, busy: set[int]) -> bool:
        idle = [s for s in self._sequences if id(s) not in busy and s.tokens]
        for seq in idle:
            seq.tokens = []
            self._lib.llama_memory_seq_rm(self._memory, seq.seq_id, -1, -1)
        return bool(idle)

    def tokenizer(self) -> Any:
        """The GGUF's vocabulary as a tokenizer (local_vocab), or None where the GGUF has a chat
        template (rendering it is left to transformers' tokenizer)."""
        from agents.llm.local_vocab import GGUFTokenizer

        if self._lib.llama_model_chat_template(self._model, None):
            return None
        unk = self.metadata("tokenizer.ggml.unknown_token_id")
        return GGUFTokenizer(self._lib, self._lib.llama_model_get_vocab(self._model), int(unk) if unk else None)

    def metadata(self, key: str) -> str | None:
        """One value of the GGUF's metadata, as text."""
        import ctypes

        buffer = ctypes.create_string_buffer(256)
        n = self._lib.llama_model_meta_val_str(self._model, key.encode(), buffer, len(buffer))
        return buffer.value.decode() if n >= 0 else None

    def close(self) -> None:
        if self._ctx:
            self._lib.llama_batch_free(self._batch)
            self._lib.llama_free(self._ctx)
            self._lib.llama_model_free(self._model)
            self._ctx = self._model = None


def open_engine(gguf: Path, context_tokens: int) -> LlamaEngine | None:
    """An engine for this GGUF, or None where llama-cpp-python is not installed."""
    if not available():
        return None
    # One token's pass is a few hundred tiny operations, each ending at a barrier of all
    # threads: on two busy cores, two decode threads were 4x slower than one (8.6-9.7 vs
    # 1.8-2.3 tok/s, measured side by side). llama.cpp's own server also decodes on half
    # the cores; prompts (large matrix products) use them all.
    return LlamaEngine(gguf, context_tokens, threads=max(1, cores() // 2), batch_threads=cores())


def cores() -> int:
    """The cores this process may run on (not torch's count: torch may still be importing)."""
    import os

    affinity = getattr(os, "sched_getaffinity", None)
    return max(1, len(affinity(0)) if affinity is not None else os.cpu_count() or 1)
