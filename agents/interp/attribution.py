"""Which inputs drove an output: occlusion (remove a part, measure log p(target) again) and
gradient x input, rolled up by speaker with the spans ``context.message_input`` records.

The target is the inspected message (its tokens from ``focus_start``), or for a plain text
its last token. Occlusion deletes the unit's tokens (positions close up, as if the part had
never been said) and scores every occluded copy in padded batches, projecting only the
target positions onto the vocabulary.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import numpy as np

from agents.interp.findings import AttributionReady, MethodProgress
from agents.interp.jobs import CACHE, ResultCache, check_cancel, method_stream, torch_pass
from agents.interp.neurons import check_ids
from agents.interp.readout import first_real, padded, unembed
from agents.interp.records import InspectInput
from agents.llm.base import CancelToken

BATCH = 16
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


def target_logprobs(
    loaded: Any, rows: Sequence[list[int]], starts: Sequence[int], n_target: int, prefix: Sequence[int] = ()
) -> Any:
    """Sum of log p(the last ``n_target`` tokens) per row; row i's target begins at starts[i].

    Every row continues ``prefix``, which is run once and its KV cache shared by the batch:
    occluding a token leaves everything before it unchanged, so only the rest is recomputed.
    """
    import torch

    model, cache, last = loaded.model, None, None
    if prefix:
        out = model.base_model(input_ids=padded(loaded, [list(prefix)]), use_cache=True)
        cache, last = out.past_key_values, out.last_hidden_state[:, -1:]
        cache.batch_repeat_interleave(len(rows))
    out = model.base_model(input_ids=padded(loaded, rows), past_key_values=cache, use_cache=cache is not None)
    hidden = out.last_hidden_state
    if last is not None:  # the prefix's last position predicts a target that starts a row
        hidden = torch.cat([last.expand(len(rows), -1, -1), hidden], 1)
    shift = 0 if last is None else 1
    index = torch.tensor([[s - 1 + shift + j for j in range(n_target)] for s in starts], device=hidden.device)
    picked = hidden.gather(1, index[..., None].expand(-1, -1, hidden.shape[-1]))
    logp = torch.log_softmax(unembed(model, picked), -1)
    targets = torch.tensor([row[s : s + n_target] for row, s in zip(rows, starts)], device=hidden.device)
    return logp.gather(-1, targets[..., None])[..., 0].sum(-1)


def occlusion(
    loaded: Any, ids: list[int], target: int, units: list[Unit], cancel: CancelToken, progress: Callable[[float], None]
) -> tuple[float, np.ndarray]:
    """Scores in the order of ``units``; batches are of neighbouring units, which share a prefix."""
    n_target = len(ids) - target
    order = sorted(range(len(units)), key=lambda u: min(units[u][1], default=0))
    scores = np.zeros(len(units), np.float32)
    with torch_pass(loaded.model, cancel):
        full = float(target_logprobs(loaded, [ids], [target], n_target)[0])
        for lo in range(0, len(order), BATCH):
            check_cancel(cancel)
            batch = order[lo : lo + BATCH]
            cut = min(min(units[u][1], default=0) for u in batch)
            rows, starts = [], []
            for u in batch:
                gone = set(units[u][1])
                rows.append([t for i, t in enumerate(ids) if i >= cut and i not in gone])
                starts.append(target - len(gone) - cut)
            scores[batch] = (full - target_logprobs(loaded, rows, starts, n_target, ids[:cut])).cpu().numpy()
            progress(min(1.0, (lo + BATCH) / len(order)))
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
