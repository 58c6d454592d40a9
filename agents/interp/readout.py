"""Small shared pieces: text to ids, batched padded passes, and vectors read as tokens."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from agents.interp.lens import final_norm
from agents.interp.tokens import token_label
from agents.llm.prompt import clean_text


def encode_text(loaded: Any, text: str) -> list[int]:
    """A plain text as the model reads a document: BOS first (Gemma's residual needs it)."""
    ids = loaded.tokenizer(clean_text(text), add_special_tokens=True)["input_ids"]
    bos = loaded.tokenizer.bos_token_id
    if bos is not None and (not ids or ids[0] != bos):
        ids = [bos] + ids
    return list(ids)


def continuation_ids(loaded: Any, text: str) -> list[int]:
    return list(loaded.tokenizer(clean_text(text), add_special_tokens=False)["input_ids"])


def first_real(loaded: Any, ids: Sequence[int]) -> int:
    """0, or 1 when the first token is BOS (its residual is huge and says nothing of the text)."""
    return 1 if len(ids) > 1 and ids[0] == loaded.tokenizer.bos_token_id else 0


def padded(loaded: Any, rows: Sequence[Sequence[int]]) -> Any:
    """Right-padded ids: a causal model's real positions never see the padding after them."""
    import torch

    pad = loaded.tokenizer.pad_token_id or 0
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(list(row), dtype=torch.long)
    return ids.to(loaded.model.device)


def unembed(model: Any, hidden: Any) -> Any:
    """Final-layer hidden states (already normed) to fp32 logits, soft-capped as configured."""
    import torch

    logits = model.lm_head(hidden).float()
    cap = getattr(model.config.get_text_config(), "final_logit_softcapping", None)
    return torch.tanh(logits / cap) * cap if cap else logits


def read_vector(loaded: Any, vector: Any, k: int, pre_norm: Any = None) -> tuple[tuple, tuple]:
    """The tokens a residual direction promotes and suppresses most, through the final norm.

    ``pre_norm`` (a block's post-MLP norm) is applied first when the vector is an output
    that passes through one before joining the residual stream.
    """
    import torch

    model = loaded.model
    with torch.inference_mode():
        x = torch.as_tensor(vector, dtype=model.lm_head.weight.dtype, device=model.device)[None]
        if pre_norm is not None:
            x = pre_norm(x)
        logits = unembed(model, final_norm(model)(x))[0]
        k = min(k, logits.shape[0])
        top, bottom = logits.topk(k), (-logits).topk(k)
    promoted = tuple((token_label(loaded.tokenizer, int(i)), float(v)) for v, i in zip(top.values, top.indices))
    suppressed = tuple(
        (token_label(loaded.tokenizer, int(i)), float(-v)) for v, i in zip(bottom.values, bottom.indices)
    )
    return promoted, suppressed


def top_tokens(loaded: Any, logp: Any, k: int) -> tuple[tuple[str, float], ...]:
    """The ``k`` likeliest tokens of a log-probability row, as (text, probability)."""
    values, ids = logp.topk(min(k, logp.shape[-1]))
    return tuple((token_label(loaded.tokenizer, int(i)), float(np.exp(float(v)))) for v, i in zip(values, ids))


def digest(*arrays: Any) -> str:
    """A short content hash of numpy arrays, for cache keys."""
    h = hashlib.sha1()
    for array in arrays:
        a = np.ascontiguousarray(array)
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def numpy32(tensor: Any) -> np.ndarray:
    return np.ascontiguousarray(tensor.detach().float().cpu().numpy(), dtype=np.float32)
