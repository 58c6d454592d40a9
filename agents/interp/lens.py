"""Blocking torch code for the engine: one forward pass, attention, and a fused logit lens.

Runs only on the model's worker thread. The logit lens unembeds every layer's residual
(the final norm applied first; the last hidden state already has it) for every position,
which is (layers + 1) x positions x vocabulary logits: 1.3 G floats for Gemma 3 270M and
256 tokens. Nothing that size is ever held. Positions are taken a few at a time; for those
positions every layer's normed residual is stacked into one matrix, which is multiplied by
the unembedding one vocabulary block at a time, and each block is reduced at once, while it
is still in the CPU cache, to running statistics (online softmax): top-k, log-sum-exp,
E[logit], E_p[final logit], the target's rank. On the CPU that reduction is one C loop
(lens_kernel: one read of each row, a few percent on top of the products); where it cannot be
built, and on a GPU, torch reduces each block (compiled where that works, else eager).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from agents.interp import lens_kernel
from agents.interp.records import AttentionReady
from agents.llm.base import CancelToken
from agents.llm.local_generate import Aborted, abort_between_layers, softcap

POSITIONS_PER_CHUNK = 16
THUMBNAIL = 64  # pixels a side of each head's overview
VOCAB_BLOCK = 4096


def native_block(rows: int) -> int:
    """Vocabulary columns per block for the C loop: the widest power of two (256 to 4096) whose
    ``rows`` float32 logits fit one core's L2 cache, so they stay there between the product that
    writes them and the loop that reads them. For Gemma 3 270M's 304 rows: 1024 with a 2 MB L2
    (a third cheaper than 4096), 256 with 512 KB (about 10% cheaper than 1024 there)."""
    width = 256
    while width < 4096 and rows * width * 2 * 4 <= lens_kernel.l2_bytes():
        width *= 2
    return width


def forward(model: Any, token_ids: list[int], cancel: CancelToken) -> Any:
    """One plain forward pass with every layer's hidden state and attention weights."""
    import torch

    ids = torch.tensor([token_ids], device=model.device)
    with torch.inference_mode(), abort_between_layers(model, lambda: cancel.cancelled):
        return model(
            input_ids=ids, output_hidden_states=True, output_attentions=True, use_cache=False, logits_to_keep=1
        )


def emit_attention(out: Any, emit: Callable[[Any], None], cancel: CancelToken) -> None:
    attentions = list(out.attentions or ())
    if not attentions or any(a is None for a in attentions):
        raise RuntimeError("the model returned no attention weights: load it with attn_implementation='eager'")
    import torch

    for layer, weights in enumerate(attentions):
        if cancel.cancelled:
            raise Aborted()
        # Max-pooled here, on the worker, so the GUI never pools a 2,000 x 2,000 map itself;
        # max (not mean) keeps a one-token-wide diagonal visible.
        side = min(THUMBNAIL, weights.shape[-1])
        thumbnails = torch.nn.functional.adaptive_max_pool2d(weights[0].float(), side)
        emit(AttentionReady(layer=layer, weights=_numpy(weights[0]), thumbnails=_numpy(thumbnails)))


def _numpy(tensor: Any) -> np.ndarray:
    return np.ascontiguousarray(tensor.detach().float().cpu().numpy(), dtype=np.float32)


def final_norm(model: Any) -> Any:
    """The norm the model applies before its head (Gemma/Llama/Qwen ``norm``, GPT-2 ``ln_f``)."""
    base = model.base_model
    for name in ("norm", "final_layernorm", "ln_f", "final_layer_norm"):
        module = getattr(base, name, None)
        if module is not None:
            return module
    raise RuntimeError(f"cannot find the final norm of {type(model).__name__}")


class LensReducer:
    """The logit lens of one forward pass, computed ``positions`` at a time."""

    def __init__(self, model: Any, hidden_states: Any, token_ids: list[int], top_k: int):
        import torch

        head = model.get_output_embeddings()
        self.model = model
        self.weight = head.weight
        self.bias = getattr(head, "bias", None)
        self.norm = final_norm(model)
        self.cap = getattr(model.config.get_text_config(), "final_logit_softcapping", None)
        self.hidden = hidden_states  # tuple of (1, T, d); the last one is already normed
        self.rows = len(hidden_states)
        self.top_k = min(top_k, self.weight.shape[0])
        targets = list(token_ids[1:]) + [token_ids[-1]]  # the last position's is a placeholder
        self.targets = torch.tensor(targets, device=self.weight.device)
        self.n = len(token_ids)

    def stacked(self, start: int, end: int) -> Any:
        """Normed residuals, position-major: (positions * rows, d)."""
        import torch

        layers = [self.norm(h[0, start:end]) for h in self.hidden[:-1]] + [self.hidden[-1][0, start:end]]
        return torch.stack(layers, dim=1).reshape(-1, self.weight.shape[1])

    def chunk(self, start: int, end: int) -> dict[str, np.ndarray]:  # end - start <= POSITIONS_PER_CHUNK
        """Every statistic for positions ``start:end``, arrays shaped (rows, positions[, k])."""
        import torch

        with torch.inference_mode():
            x = self.stacked(start, end)
            target_logit = self._target_logits(x, start, end)
            native = lens_kernel.load() if x.device.type == "cpu" else None
            if native is not None:
                stats = _OnlineStats(end - start, self.rows, self.top_k, target_logit, centred=True)
                self._reduce_natively(native, x, stats)
            else:
                stats = self._reduce_with_torch(x, target_logit, end - start)
            result = {name: np.ascontiguousarray(a[:, : end - start]) for name, a in stats.finish().items()}
        if end == self.n:  # the last position has no next token
            result["target_prob"][:, -1] = np.nan
            result["target_rank"][:, -1] = -1
        return result

    def _reduce_natively(self, native: Any, x: Any, stats: _OnlineStats) -> None:
        """Each block's product into one reused buffer, folded into ``stats`` by the C loop."""
        import torch

        vocab, fold = self.weight.shape[0], lens_kernel.Folder(native, stats, self.rows, torch.get_num_threads())
        step = native_block(POSITIONS_PER_CHUNK * self.rows)  # every chunk alike, the last one too
        buffer = x.new_empty((x.shape[0], min(vocab, step)), dtype=torch.float32)
        for lo in range(0, vocab, step):
            hi = min(vocab, lo + step)
            z = buffer if hi - lo == buffer.shape[1] else buffer.new_empty((x.shape[0], hi - lo))
            if x.dtype == torch.float32:
                torch.matmul(x, self.weight[lo:hi].T, out=z)
            else:  # a bfloat16 model on the CPU: the statistics are still taken in float32
                z.copy_(x @ self.weight[lo:hi].T)
            if self.bias is not None:
                z += self.bias[lo:hi]
            if self.cap:  # as local_generate.softcap, in place
                z.div_(self.cap).tanh_().mul_(self.cap)
            fold(z, lo)

    def _reduce_with_torch(self, x: Any, target_logit: Any, positions: int) -> _OnlineStats:
        import torch

        # Every chunk has the same shape (the last one padded with zero rows), so the
        # compiled reduction is built once per model.
        pad = (POSITIONS_PER_CHUNK - positions) * self.rows
        if pad:
            x = torch.cat([x, x.new_zeros(pad, x.shape[1])])
            target_logit = torch.cat([target_logit, target_logit.new_zeros(pad, 1)])
        stats = _OnlineStats(POSITIONS_PER_CHUNK, self.rows, self.top_k, target_logit)
        vocab, reduce = self.weight.shape[0], block_reducer()
        for lo in range(0, vocab, VOCAB_BLOCK):
            hi = min(vocab, lo + VOCAB_BLOCK)
            bias = None if self.bias is None else self.bias[lo:hi]
            stats.add(reduce(x, self.weight[lo:hi], bias, self.cap, stats.threshold, self.rows, self.top_k), lo)
        return stats

    def _target_logits(self, x: Any, start: int, end: int) -> Any:
        w = self.weight[self.targets[start:end]].repeat_interleave(self.rows, dim=0)
        z = (x * w).sum(-1, keepdim=True)
        if self.bias is not None:
            z = z + self.bias[self.targets[start:end]].repeat_interleave(self.rows)[:, None]
        return softcap(self.model, z).float()


def reduce_block(x: Any, weight: Any, bias: Any, cap: float | None, threshold: Any, layers: int, top_k: int) -> tuple:
    """Unembed one vocabulary block for every row and reduce it at once.

    Rows are (position, layer) pairs, position-major, the final layer last. Returns the
    block's own max, sum of exp(z - max), sums of exp(z - max) times z and times the final
    layer's z at the same position, the count of logits above ``threshold``, and the
    block's top-k values and ids (found inside the top-k 64-wide segments by their max,
    which must hold them, so only 1/6 of the block is ever sorted).
    """
    import torch

    z = x @ weight.T
    if bias is not None:
        z = z + bias
    if cap:  # as local_generate.softcap, which reads the model; this takes plain values
        z = torch.tanh(z / cap) * cap
    z = z.float()
    rows, width = z.shape
    segment = SEGMENT if width % SEGMENT == 0 and width >= SEGMENT * top_k else width
    segments = z.view(rows, -1, segment)
    seg_max = segments.amax(-1)
    block_max = seg_max.amax(-1, keepdim=True)
    e = torch.exp(z - block_max)
    final = z.view(-1, layers, width)[:, -1:, :]
    e_final = (e.view(-1, layers, width) * final).sum(-1).view(rows)
    above = (z > threshold).sum(-1)
    top_seg = seg_max.topk(min(top_k, seg_max.shape[1]), dim=1).indices
    picked = segments.gather(1, top_seg[:, :, None].expand(-1, -1, segment)).reshape(rows, -1)
    values, where = picked.topk(min(top_k, picked.shape[1]), dim=1)  # a last block narrower than k
    ids = (top_seg[:, :, None] * segment + torch.arange(segment, device=z.device)).reshape(rows, -1).gather(1, where)
    return block_max[:, 0], e.sum(-1), (e * z).sum(-1), e_final, above, values, ids


SEGMENT = 64
_COMPILED: dict[str, Any] = {}


def warm_up(model: Any, top_k: int = 10) -> None:
    """Prepare the reduction for this model's shapes now (a lens over one position of zeros):
    on the CPU the C loop is built or loaded from its cache (lens_kernel), elsewhere the torch
    reduction is compiled. Either is what the first inspection would otherwise wait for; the
    window has it done on the model's loading thread, beside generation.
    """
    import torch
    import torch._dynamo

    d = model.get_output_embeddings().weight.shape[1]
    rows = model.config.get_text_config().num_hidden_layers + 1
    hidden = tuple(torch.zeros(1, 1, d, dtype=model.dtype, device=model.device) for _ in range(rows))
    # Dynamo collects garbage after each compilation even with the collector paused, and with
    # it paused that pass walks everything the compilation made: 150 ms with the GIL held.
    with torch._dynamo.config.patch(run_gc_after_compile=False):
        LensReducer(model, hidden, [0], top_k).chunk(0, 1)


def block_reducer() -> Any:
    """``reduce_block`` fused into one loop by torch.compile where that works, else eager.

    Eager, the reductions are six passes over each block; fused, exp is computed once
    and the block is read once. Set AGORA_LAB_INTERP_COMPILE=0 to stay eager.
    """
    import os

    if os.environ.get("AGORA_LAB_INTERP_COMPILE", "1") == "0":
        return reduce_block
    if "fn" not in _COMPILED:
        try:
            import torch

            _COMPILED["fn"] = _EagerFallback(torch.compile(reduce_block, dynamic=False))
        except Exception:
            _COMPILED["fn"] = reduce_block
    return _COMPILED["fn"]


class _EagerFallback:
    """torch.compile fails only when first called (no C compiler on a user's machine, a frozen
    app): then, and for good, the eager reduction runs instead; the result is the same."""

    def __init__(self, compiled: Any):
        self.compiled = compiled
        self.working: Callable[..., Any] | None = None

    def __call__(self, *args) -> Any:
        if self.working is not None:
            return self.working(*args)
        try:
            out = self.compiled(*args)
            self.working = self.compiled
        except Exception:
            self.working = reduce_block
            out = reduce_block(*args)
        return out


class _OnlineStats:
    """Running softmax statistics over vocabulary blocks, one row per (position, layer)."""

    def __init__(self, positions: int, layers: int, top_k: int, target_logit: Any, centred: bool = False):
        import torch

        n_rows, device = positions * layers, target_logit.device
        self.shape = (positions, layers)
        self.top_k = top_k
        self.max = torch.full((n_rows,), -torch.inf, device=device)
        self.sum = torch.zeros(n_rows, device=device)
        self.centred = centred  # e_z is sum exp(z - max) * (z - max), as lens_kernel keeps it
        self.e_z = torch.zeros(n_rows, device=device)  # sum exp(z - max) * z
        self.e_final = torch.zeros(n_rows, device=device)  # sum exp(z - max) * z_final
        self.rank = torch.zeros(n_rows, dtype=torch.int64, device=device)
        self.target = target_logit  # (n_rows, 1)
        # The target's own logit, recomputed by another kernel, must not count as "higher".
        self.threshold = target_logit + 1e-5 * target_logit.abs().clamp(min=1.0)
        self.top_values: list[Any] = []  # per block, from torch's reduction
        self.top_ids: list[Any] = []
        self.top_value = torch.full((n_rows, top_k), -torch.inf, device=device)  # kept sorted by lens_kernel
        self.top_id = torch.zeros((n_rows, top_k), dtype=torch.int64, device=device)

    def add(self, block: tuple, offset: int) -> None:
        import torch

        block_max, total, e_z, e_final, above, values, ids = block
        new_max = torch.maximum(self.max, block_max)
        old_scale, new_scale = torch.exp(self.max - new_max), torch.exp(block_max - new_max)
        self.max = new_max
        self.sum = self.sum * old_scale + total * new_scale
        self.e_z = self.e_z * old_scale + e_z * new_scale
        self.e_final = self.e_final * old_scale + e_final * new_scale
        self.rank += above
        self.top_values.append(values)
        self.top_ids.append(ids + offset)

    def finish(self) -> dict[str, np.ndarray]:
        import torch

        positions, layers = self.shape
        log_sum = torch.log(self.sum)
        lse = self.max + log_sum
        # E[z] - lse; lens_kernel keeps e_z about the maximum, so no float32 cancellation near
        # large logits (layer 0's reach 700 on Gemma 3).
        below = self.e_z / self.sum - (log_sum if self.centred else lse)
        lse_final = lse.view(positions, layers)[:, -1:].expand(positions, layers).reshape(-1)
        kl = below - (self.e_final / self.sum - lse_final)
        values, ids = self.top_value, self.top_id
        if self.top_values:
            values, order = torch.cat(self.top_values, 1).topk(self.top_k, dim=1)
            ids = torch.cat(self.top_ids, 1).gather(1, order)

        def out(t: Any, dtype: Any = np.float32) -> np.ndarray:
            t = t.reshape(positions, layers, *t.shape[1:]).transpose(0, 1)
            return np.ascontiguousarray(t.detach().cpu().numpy(), dtype=dtype)

        return {
            "top_ids": out(ids, np.int32),
            "top_probs": out(torch.exp(values - lse[:, None])),
            "target_prob": out(torch.exp(self.target[:, 0] - lse)),
            "target_rank": out(self.rank, np.int32),
            "entropy": out(-below),
            "kl_to_final": out(kl.clamp(min=0.0)),
        }
