"""Generating with a steering vector, side by side with the unsteered model and with a
prompting baseline, every output scored by the unsteered model.

Rows of several prompts and every mode go through one batched generation (row i steered by
its own delta, zero for the unsteered and prompted rows), and are scored in one pass.
Scores: the generated tokens' mean projection on the unit direction minus the sets'
midpoint (> 0 leans positive), the log-odds of marker tokens after a probe, and the mean
surprisal of the generated tokens (high when a strength has broken the model).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.interp.contrasts import ContrastSet
from agents.interp.findings import MethodProgress, SteeredGeneration
from agents.interp.hooks import capture_residuals, check_layer
from agents.interp.jobs import CACHE, ResultCache, check_cancel, method_stream, torch_pass
from agents.interp.readout import continuation_ids, digest, encode_text, padded, unembed
from agents.interp.steering import SteeringVector
from agents.llm.base import CancelToken, Steering
from agents.llm.local_batch import GenerationJob
from agents.llm.local_generate import GenerationSpec, generate_batch

MODES = ("unsteered", "steered (+)", "steered (-)", "prompted (+)", "prompted (-)")
SIGNS = {"unsteered": 0.0, "steered (+)": 1.0, "steered (-)": -1.0, "prompted (+)": 0.0, "prompted (-)": 0.0}
PROMPTED = {"prompted (+)": "positive", "prompted (-)": "negative"}
PROMPTS_PER_BATCH = 4  # x 5 modes: decoding on a CPU reads the weights once per step for all rows


@dataclass(frozen=True)
class SteerSettings:
    strength: float = 4.0
    max_new_tokens: int = 24
    temperature: float = 0.0
    seed: int | None = 0
    repetition_penalty: float = 1.2
    modes: tuple[str, ...] = MODES


def generate_rows(
    loaded: Any,
    prompts: Sequence[list[int]],
    layer: int | None,
    deltas: Any,
    settings: SteerSettings,
    cancel: CancelToken,
) -> list[list[int]]:
    """Generate every row in one batch, row i steered by ``deltas[i]`` (a zero row is not steered).

    The deltas travel as each row's Steering, the path a steered agent's messages take, so
    the whole batch runs in torch (llama.cpp has no residual stream to add to).
    """
    outputs: list[list[int]] = [[] for _ in prompts]
    jobs = []
    for i, ids in enumerate(prompts):
        steering = None
        if layer is not None and deltas is not None and np.any(deltas[i]):
            steering = Steering(
                layer=check_layer(loaded.model, layer), vector=tuple(float(v) for v in deltas[i]), label="steer"
            )
        spec = GenerationSpec(
            list(ids),
            settings.max_new_tokens,
            settings.temperature,
            1.0,
            settings.seed,
            (),
            settings.repetition_penalty,
            steering,
        )
        jobs.append((GenerationJob(loaded, spec, cancel), lambda item, i=i: outputs[i].append(item[0])))
    generate_batch(loaded, jobs, in_torch=layer is not None)
    check_cancel(cancel)
    return outputs


def score_rows(
    loaded: Any,
    vector: SteeringVector,
    items: Sequence[tuple[list[int], list[int]]],
    probe_ids: list[int],
    markers: tuple[list[int], list[int]],
    cancel: CancelToken,
) -> list[tuple[float, float | None, float]]:
    """Per (prompt ids, generated ids): (projection - midpoint, marker log-odds or None, mean surprisal)."""
    import torch

    model = loaded.model
    rows = [prompt + generated + probe_ids for prompt, generated in items]
    unit = torch.as_tensor(vector.unit, device=model.device)
    scores = []
    with torch_pass(model, cancel), capture_residuals(model, [vector.layer]) as store:
        hidden = model.base_model(input_ids=padded(loaded, rows), use_cache=False).last_hidden_state
        resid = store[vector.layer][0]
        for i, (prompt, generated) in enumerate(items):
            n, g = len(prompt), len(generated)
            projection = float(resid[i, n : n + max(1, g)].float().mean(0) @ unit) - vector.midpoint
            surprisal = 0.0
            if g:
                logp = torch.log_softmax(unembed(model, hidden[i, n - 1 : n - 1 + g]), -1)
                surprisal = float(-logp.gather(1, torch.tensor(generated, device=model.device)[:, None]).mean())
            odds = None
            if probe_ids and markers[0] and markers[1]:
                last = torch.log_softmax(unembed(model, hidden[i, len(rows[i]) - 1]), -1)
                odds = float(last[markers[0]].logsumexp(0) - last[markers[1]].logsumexp(0))
            scores.append((projection, odds, surprisal))
    return scores


def marker_ids(loaded: Any, contrast: ContrastSet | None) -> tuple[list[int], list[int]]:
    """Each side's marker words as their first tokens (a word's first piece carries its sense)."""
    sides: list[list[int]] = []
    for side in ("positive", "negative"):
        words = contrast.markers.get(side, ()) if contrast is not None else ()
        sides.append(sorted({ids[0] for ids in (continuation_ids(loaded, w) for w in words) if ids}))
    return sides[0], sides[1]


def _modes(settings: SteerSettings, contrast: ContrastSet | None) -> list[str]:
    """The requested modes, a prompting one only where the set words that side's instruction."""
    asked = contrast.instructions if contrast is not None else {}
    return [m for m in settings.modes if m not in PROMPTED or asked.get(PROMPTED[m])]


def run_steering(
    loaded: Any,
    vector: SteeringVector,
    prompts: Sequence[str],
    contrast: ContrastSet | None,
    settings: SteerSettings,
    cancel: CancelToken,
    emit: Callable,
) -> None:
    check_layer(loaded.model, vector.layer)
    prompts = [p for p in prompts if p.strip()]
    if not prompts:
        raise ValueError("there is nothing to steer: no prompts were given")
    modes, probe, markers = _modes(settings, contrast), [], marker_ids(loaded, contrast)
    if contrast is not None and contrast.probe:
        probe = continuation_ids(loaded, contrast.probe)
    for lo in range(0, len(prompts), PROMPTS_PER_BATCH):
        batch = list(enumerate(prompts))[lo : lo + PROMPTS_PER_BATCH]
        own = {i: encode_text(loaded, p) for i, p in batch}
        rows, meta = [], []
        for i, prompt in batch:
            for mode in modes:
                asked = (
                    f"{contrast.instructions[PROMPTED[mode]]}\n\n{prompt}" if mode in PROMPTED and contrast else None
                )
                rows.append(encode_text(loaded, asked) if asked else own[i])
                meta.append((i, prompt, mode))
        deltas = np.stack([vector.vector * settings.strength * SIGNS[mode] for _, _, mode in meta]).astype(np.float32)
        outputs = generate_rows(loaded, rows, vector.layer, deltas, settings, cancel)
        # Every mode is scored after the plain prompt, so no instruction is ever scored.
        scores = score_rows(
            loaded, vector, [(own[i], out) for (i, _, _), out in zip(meta, outputs)], probe, markers, cancel
        )
        for (i, prompt, mode), out, (projection, odds, surprisal) in zip(meta, outputs, scores):
            emit(
                SteeredGeneration(
                    mode=mode,
                    prompt=prompt,
                    text=loaded.tokenizer.decode(out, skip_special_tokens=True),
                    token_ids=tuple(out),
                    layer=vector.layer if SIGNS[mode] else None,
                    strength=settings.strength * SIGNS[mode],
                    projection=projection,
                    marker_logodds=odds,
                    prompt_index=i,
                    surprisal=surprisal,
                )
            )
        done = min(len(prompts), lo + PROMPTS_PER_BATCH)
        emit(MethodProgress(done / len(prompts), f"{done}/{len(prompts)} prompts"))


def steer_stream(
    loaded: Any,
    vector: SteeringVector,
    prompts: Sequence[str],
    contrast: ContrastSet | None = None,
    settings: SteerSettings = SteerSettings(),
    cancel: CancelToken | None = None,
    cache: ResultCache | None = CACHE,
) -> AsyncIterator[Any]:
    """Per prompt: one SteeredGeneration per mode (unsteered, steered +/-, prompted +/-)."""
    key = (digest(vector.vector), vector.layer, tuple(prompts), contrast.name if contrast else None, settings)
    meta = {"vector": vector.name, "layer": vector.layer, "strength": settings.strength, "prompts": len(prompts)}
    return method_stream(
        loaded,
        "steer",
        meta,
        key,
        lambda emit, c: run_steering(loaded, vector, prompts, contrast, settings, c, emit),
        cancel,
        cache,
    )


def summarise(generations: Sequence[SteeredGeneration]) -> dict[str, dict[str, float]]:
    """Mean scores per mode (the proof's table)."""
    table: dict[str, dict[str, float]] = {}
    for mode in dict.fromkeys(g.mode for g in generations):
        rows = [g for g in generations if g.mode == mode]
        odds = [g.marker_logodds for g in rows if g.marker_logodds is not None]
        table[mode] = {
            "projection": float(np.mean([g.projection for g in rows])),
            "marker_logodds": float(np.mean(odds)) if odds else float("nan"),
            "surprisal": float(np.mean([g.surprisal for g in rows])),
            "n": len(rows),
        }
    return table
