"""Which inputs drove an output: occlusion (remove a part, measure log p(target) again) and
gradient x input, rolled up by speaker with the spans ``context.message_input`` records.

The target is the inspected message (its tokens from ``focus_start``), or for a plain text
its last token. Occlusion deletes the unit's tokens (positions close up, as if the part had
never been said) and scores every occluded copy in padded batches, projecting only the
target positions onto the vocabulary.

Cost: copy i recomputes only what follows its removed part (the whole input's KV cache is
computed once and shared), so all copies of an n-token input cost about n²/2 token
positions, half of n plain passes; fused attention saves eager's softmax copies on top.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import numpy as np

from agents.interp.findings import AttributionReady, MethodProgress
from agents.interp.hooks import fused_attention
from agents.interp.jobs import CACHE, ResultCache, check_cancel, method_stream, torch_pass
from agents.interp.neurons import check_ids
from agents.interp.readout import first_real, padded, unembed
from agents.interp.records import InspectInput
from agents.llm.base import CancelToken

# Occluded copies per pass: rows x input length at most ROW_TOKENS (Gemma 3 270M keeps
# 36 KB of KV cache a token, so 8192 is about 300 MB), and at most MAX_ROWS.
ROW_TOKENS = 8192
MAX_ROWS = 16
UNITS = ("tokens", "spans", "speakers")
METHODS = ("occlusion", "gradient x input")

Unit = tuple[str, list[int]]  # label, positions removed together


def target_start(inp: InspectInput) -> int:
    n = len(inp.token_ids)
    start = inp.focus_start if 0 < inp.focus_start < n else n - 1
    if start < 1:
        raise ValueError("attribution needs a context before the target: the input has one token")
    return start


def units_of(loaded: Any, inp: InspectInput, unit: str, target: int) -> list[Unit]:
    """The parts to remove, all before the target (a BOS is never removed)."""
    if unit == "tokens":
        return [
            (inp.labels[i] if i < len(inp.labels) else str(i), [i])
            for i in range(first_real(loaded, inp.token_ids), target)
        ]
    spans = [s for s in inp.spans if s.start < target]
    if not spans:
        raise ValueError(f"the input has no labelled {unit} before the target; use unit 'tokens'")
    if unit == "spans":
        return [(s.label, list(range(s.start, min(s.end, target)))) for s in spans]
    groups: dict[str, list[int]] = {}
    for s in spans:
        groups.setdefault(s.agent or s.label, []).extend(range(s.start, min(s.end, target)))
    return list(groups.items())


def _target_logprobs(loaded: Any, hidden: Any, first: Sequence[int], targets: Sequence[Sequence[int]]) -> Any:
    """Sum of log p(targets[i]) per row; ``hidden[i, first[i]]`` predicts row i's first target token."""
    import torch

    n = len(targets[0])
    index = torch.tensor([[f + j for j in range(n)] for f in first], device=hidden.device)
    picked = hidden.gather(1, index[..., None].expand(-1, -1, hidden.shape[-1]))
    logp = torch.log_softmax(unembed(loaded.model, picked), -1)  # only the target positions meet the vocabulary
    wanted = torch.tensor([list(t) for t in targets], device=hidden.device)
    return logp.gather(-1, wanted[..., None])[..., 0].sum(-1)


class SharedPrefix:
    """The whole input's forward pass, kept: its KV cache (every layer at full length, sliding
    ones too, so it can be cut anywhere; a batch's sliding layers get their window of it) and
    its last hidden states.

    Occluding a part leaves everything before it unchanged, so a batch of occluded copies
    that agree up to ``cut`` reuses the first ``cut`` cached positions: only what follows is
    recomputed, and the prefix is never run again.
    """

    def __init__(self, loaded: Any, ids: list[int]):
        from transformers import DynamicCache

        self.loaded, self.ids = loaded, ids
        cache = DynamicCache()  # no config: full-length layers, croppable anywhere
        out = loaded.model.base_model(input_ids=padded(loaded, [ids]), cache=cache, use_cache=True)
        self.hidden = out.last_hidden_state
        layers: list[Any] = list(
            cache.layers
        )  # full-attention layers: keys and values (transformers types them loosely)
        self.layers = [(layer.keys, layer.values) for layer in layers]

    def logprob(self, target: int) -> float:
        return float(_target_logprobs(self.loaded, self.hidden, [target - 1], [self.ids[target:]])[0])

    def continued(self, rows: Sequence[list[int]], starts: Sequence[int], n_target: int, cut: int) -> Any:
        """log p(target) per row, each row being what follows ``ids[:cut]`` (starts: within the row)."""
        import torch
        from transformers import DynamicCache

        n = len(rows)
        cache = DynamicCache(config=self.loaded.model.config)  # sliding layers as the model runs them
        layers: list[Any] = list(cache.layers)
        for layer, (k, v) in zip(layers, self.layers):
            lo = max(0, cut - layer.sliding_window + 1) if layer.is_sliding else 0  # what a sliding layer keeps
            layer.update(k[:, :, lo:cut].expand(n, -1, -1, -1), v[:, :, lo:cut].expand(n, -1, -1, -1))
            if layer.is_sliding:
                layer.cumulative_length = cut  # positions count from the start, not from the window
        # Right-padded: no target reads past its row's end, and a causal model's real positions never see the pads.
        out = self.loaded.model.base_model(input_ids=padded(self.loaded, rows), cache=cache, use_cache=True)
        hidden, first = out.last_hidden_state, [s - 1 for s in starts]
        if cut > 0:  # position t then predicts row token t: the prefix's last position predicts token 0
            hidden, first = torch.cat([self.hidden[:, cut - 1 : cut].expand(n, -1, -1), hidden], 1), list(starts)
        return _target_logprobs(self.loaded, hidden, first, [r[s : s + n_target] for r, s in zip(rows, starts)])


def batch_rows(n_tokens: int) -> int:
    """Occluded copies per pass: as many as ROW_TOKENS allows (the batch's KV cache and
    activations grow with rows x length), at least one."""
    return max(1, min(MAX_ROWS, ROW_TOKENS // max(1, n_tokens)))


def occlusion(
    loaded: Any, ids: list[int], target: int, units: list[Unit], cancel: CancelToken, progress: Callable[[float], None]
) -> tuple[float, np.ndarray]:
    """Scores in the order of ``units``; batches are of neighbouring units, which share a prefix."""
    n_target = len(ids) - target
    order = sorted(range(len(units)), key=lambda u: min(units[u][1], default=0))
    scores = np.zeros(len(units), np.float32)
    size = batch_rows(len(ids))
    with torch_pass(loaded.model, cancel), fused_attention(loaded.model):
        shared = SharedPrefix(loaded, ids)
        full = shared.logprob(target)
        for lo in range(0, len(order), size):
            check_cancel(cancel)
            batch = order[lo : lo + size]
            cut = min(min(units[u][1], default=0) for u in batch)
            rows, starts = [], []
            for u in batch:
                gone = set(units[u][1])
                rows.append([t for i, t in enumerate(ids) if i >= cut and i not in gone])
                starts.append(target - len(gone) - cut)
            scores[batch] = (full - shared.continued(rows, starts, n_target, cut)).cpu().numpy()
            progress(min(1.0, (lo + size) / len(order)))
    return full, scores


def gradient_x_input(loaded: Any, ids: list[int], target: int, cancel: CancelToken) -> tuple[float, np.ndarray]:
    """Per token: d log p(target) / d embedding, dotted with the embedding."""
    import torch

    model = loaded.model
    with torch_pass(model, cancel, grad=True):
        embeds = model.base_model.embed_tokens(padded(loaded, [ids])).detach().requires_grad_(True)
        hidden = model.base_model(inputs_embeds=embeds, use_cache=False).last_hidden_state
        logp = torch.log_softmax(unembed(model, hidden[0, target - 1 : len(ids) - 1]), -1)
        total = logp.gather(-1, torch.tensor(ids[target:], device=hidden.device)[:, None]).sum()
        (grad,) = torch.autograd.grad(total, embeds)
    return float(total.detach()), (grad[0] * embeds[0]).sum(-1).detach().float().cpu().numpy().astype(np.float32)


def by_speaker(inp: InspectInput, units: list[Unit], scores: np.ndarray, unit: str) -> tuple[tuple[str, float], ...]:
    """Each speaker's (or unlabelled part's) total, largest effect first."""
    if unit == "speakers":
        totals = {label: float(s) for (label, _), s in zip(units, scores)}
    else:
        owner: dict[int, str] = {}
        for span in inp.spans:
            for i in range(span.start, span.end):
                owner[i] = span.agent or span.label
        totals = {}
        for (_, positions), score in zip(units, scores):
            # A span unit belongs to its first token's owner; a token to its own.
            who = owner.get(positions[0], "other") if positions else "other"
            totals[who] = totals.get(who, 0.0) + float(score)
    return tuple(sorted(totals.items(), key=lambda kv: -abs(kv[1])))


def run_attribution(
    loaded: Any, inp: InspectInput, method: str, unit: str, cancel: CancelToken, emit: Callable
) -> None:
    if method not in METHODS:
        raise ValueError(f"attribution method must be one of {', '.join(METHODS)}, not {method!r}")
    if unit not in UNITS:
        raise ValueError(f"attribution unit must be one of {', '.join(UNITS)}, not {unit!r}")
    ids = check_ids(loaded, inp.token_ids)
    target = target_start(inp)
    if method == "gradient x input":
        full, per_token = gradient_x_input(loaded, ids, target, cancel)
        units = units_of(loaded, inp, unit, target)
        scores = np.array([per_token[p].sum() for _, p in units], np.float32)
    else:
        units = units_of(loaded, inp, unit, target)
        full, scores = occlusion(loaded, ids, target, units, cancel, lambda f: emit(MethodProgress(f, "occluding")))
    emit(
        AttributionReady(
            method=method,
            unit=unit,
            labels=tuple(label for label, _ in units),
            starts=np.array([min(p) if p else 0 for _, p in units], np.int32),
            ends=np.array([max(p) + 1 if p else 0 for _, p in units], np.int32),
            scores=scores,
            target_logprob=full,
            target_start=target,
            by_speaker=by_speaker(inp, units, scores, unit),
        )
    )


def attribution_stream(
    loaded: Any,
    inp: InspectInput,
    method: str = "occlusion",
    unit: str = "tokens",
    cancel: CancelToken | None = None,
    cache: ResultCache | None = CACHE,
) -> AsyncIterator[Any]:
    """MethodProgress per occlusion batch, then one AttributionReady."""
    key = (inp.token_ids, inp.focus_start, tuple((s.label, s.start, s.end, s.agent) for s in inp.spans), method, unit)
    return method_stream(
        loaded,
        "attribution",
        {"method": method, "unit": unit},
        key,
        lambda emit, c: run_attribution(loaded, inp, method, unit, c, emit),
        cancel,
        cache,
    )
