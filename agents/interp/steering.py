"""Steering vectors: a behaviour's direction as the difference of mean residuals of two
contrastive prompt sets, found at every layer, then added (or subtracted) at one layer while
the model generates; a prompting baseline asks for the same behaviour in words.

Every generation is scored by the *unsteered* model, so steering cannot grade itself: the
generated tokens' mean projection on the unit direction (relative to the two sets'
midpoint), the log-odds of marker tokens after a probe, and the mean surprisal of the
generated tokens (high when a strength has broken the model: shown, not hidden).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.interp.contrasts import ContrastSet
from agents.interp.findings import DirectionsReady, MethodProgress, SteeredGeneration
from agents.interp.hooks import add_to_residual, capture_residuals, check_layer, n_layers
from agents.interp.jobs import CACHE, ResultCache, check_cancel, method_stream, torch_pass
from agents.interp.readout import continuation_ids, digest, encode_text, first_real, numpy32, padded, unembed
from agents.llm.base import CancelToken
from agents.llm.local_batch import GenerationJob
from agents.llm.local_generate import GenerationSpec, generate_batch

BATCH = 8
MODES = ("unsteered", "steered (+)", "steered (-)", "prompted")


@dataclass(frozen=True)
class SteeringVector:
    """One layer's direction, with the midpoint that scores projections (saved as .npz)."""

    name: str
    layer: int
    vector: np.ndarray  # float32 (d,): the raw difference of means, strength 1 adds it once
    positive_mean: float = 0.0
    negative_mean: float = 0.0

    @property
    def unit(self) -> np.ndarray:
        return self.vector / max(float(np.linalg.norm(self.vector)), 1e-12)

    @property
    def midpoint(self) -> float:
        return (self.positive_mean + self.negative_mean) / 2

    @classmethod
    def from_directions(cls, found: DirectionsReady, layer: int) -> SteeringVector:
        if layer not in set(found.layers.tolist()):
            raise ValueError(
                f"layer {layer} is out of range: directions exist for layers {found.layers[0]}..{found.layers[-1]}"
            )
        row = found.row(layer)
        return cls(
            found.name,
            layer,
            found.directions[row].copy(),
            float(found.positive_mean[row]),
            float(found.negative_mean[row]),
        )

    def save(self, path: Path) -> Path:
        np.savez(
            path,
            vector=self.vector,
            layer=self.layer,
            name=self.name,
            positive_mean=self.positive_mean,
            negative_mean=self.negative_mean,
        )
        return path

    @classmethod
    def load(cls, path: Path) -> SteeringVector:
        with np.load(path) as data:
            return cls(
                str(data["name"]),
                int(data["layer"]),
                data["vector"].astype(np.float32),
                float(data["positive_mean"]),
                float(data["negative_mean"]),
            )


# --- finding directions -----------------------------------------------------------------


def representations(
    loaded: Any,
    texts: Sequence[str],
    layers: Sequence[int],
    position: str,
    cancel: CancelToken,
    progress: Callable[[int], None] = lambda n: None,
) -> Any:
    """(layers, texts, d) float32 torch: each text's residual, mean over its tokens or its last."""
    import torch

    model, out = loaded.model, []
    for start in range(0, len(texts), BATCH):
        check_cancel(cancel)
        rows = [encode_text(loaded, t) for t in texts[start : start + BATCH]]
        with torch_pass(model, cancel), capture_residuals(model, layers) as store:
            model.base_model(input_ids=padded(loaded, rows), use_cache=False)
        for i, ids in enumerate(rows):
            lo = len(ids) - 1 if position == "last" else first_real(loaded, ids)
            out.append(torch.stack([store[layer][0][i, lo : len(ids)].float().mean(0) for layer in layers]))
        progress(start + len(rows))
    return torch.stack(out, dim=1)


def _separation(pos: Any, neg: Any) -> tuple[Any, Any, Any, Any]:
    """Per layer: direction, Cohen's d, held-out accuracy, and both sets' mean projections."""
    import torch

    direction = pos.mean(1) - neg.mean(1)
    unit = direction / direction.norm(dim=-1, keepdim=True).clamp(min=1e-12)
    pp, pn = (pos * unit[:, None]).sum(-1), (neg * unit[:, None]).sum(-1)
    pooled = ((pp.var(1) + pn.var(1)) / 2).clamp(min=1e-12).sqrt()
    d = (pp.mean(1) - pn.mean(1)) / pooled
    correct = torch.zeros(pos.shape[0])
    for fold in (0, 1):  # each half's direction and midpoint classify the other half
        fit_p, test_p, fit_n, test_n = pos[:, fold::2], pos[:, 1 - fold :: 2], neg[:, fold::2], neg[:, 1 - fold :: 2]
        u = fit_p.mean(1) - fit_n.mean(1)
        mid = ((fit_p.mean(1) + fit_n.mean(1)) / 2 * u).sum(-1, keepdim=True)
        correct += ((test_p * u[:, None]).sum(-1) > mid).sum(1) + ((test_n * u[:, None]).sum(-1) <= mid).sum(1)
    return direction, d, correct / (pos.shape[1] + neg.shape[1]), (pp.mean(1), pn.mean(1))


def find_directions(loaded: Any, contrast: ContrastSet, position: str, cancel: CancelToken, emit: Callable) -> None:
    contrast.check()
    layers = list(range(-1, n_layers(loaded.model)))
    texts = [t for t in contrast.positive if t.strip()] + [t for t in contrast.negative if t.strip()]
    n_pos = len([t for t in contrast.positive if t.strip()])
    reps = representations(
        loaded,
        texts,
        layers,
        position,
        cancel,
        lambda n: emit(MethodProgress(n / len(texts), f"{n}/{len(texts)} prompts")),
    )
    direction, d, accuracy, (mean_p, mean_n) = _separation(reps[:, :n_pos], reps[:, n_pos:])
    emit(
        DirectionsReady(
            name=contrast.name,
            layers=np.array(layers, np.int32),
            directions=numpy32(direction),
            separation=numpy32(d),
            accuracy=numpy32(accuracy),
            positive_mean=numpy32(mean_p),
            negative_mean=numpy32(mean_n),
            residual_norm=numpy32(reps.norm(dim=-1).mean(1)),
            n_positive=n_pos,
            n_negative=len(texts) - n_pos,
        )
    )


def directions_stream(
    loaded: Any,
    contrast: ContrastSet,
    position: str = "mean",
    cancel: CancelToken | None = None,
    cache: ResultCache | None = CACHE,
) -> AsyncIterator[Any]:
    """MethodStarted, MethodProgress per batch, one DirectionsReady, MethodFinished."""
    if position not in ("mean", "last"):
        raise ValueError(f"position must be 'mean' or 'last', not {position!r}")
    key = (contrast.positive, contrast.negative, position)
    return method_stream(
        loaded,
        "steering directions",
        {"contrast": contrast.name, "position": position},
        key,
        lambda emit, c: find_directions(loaded, contrast, position, c, emit),
        cancel,
        cache,
    )


# --- generating and scoring -------------------------------------------------------------


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
    """Generate every row in one batch, row i steered by ``deltas[i]`` (hook removed after)."""
    from contextlib import nullcontext

    outputs: list[list[int]] = [[] for _ in prompts]
    jobs = []
    for i, ids in enumerate(prompts):
        spec = GenerationSpec(
            list(ids),
            settings.max_new_tokens,
            settings.temperature,
            1.0,
            settings.seed,
            (),
            settings.repetition_penalty,
        )
        jobs.append((GenerationJob(loaded, spec, cancel), lambda item, i=i: outputs[i].append(item[0])))
    hook = add_to_residual(loaded.model, layer, deltas) if layer is not None else nullcontext()
    with hook:
        generate_batch(loaded, jobs)
    check_cancel(cancel)
    return outputs


def score_text(
    loaded: Any,
    vector: SteeringVector,
    prompt_ids: list[int],
    generated: list[int],
    probe_ids: list[int],
    markers: tuple[list[int], list[int]],
    cancel: CancelToken,
) -> tuple[float, float | None, float]:
    """(projection - midpoint, marker log-odds or None, mean surprisal) by the unsteered model."""
    import torch

    model = loaded.model
    ids = prompt_ids + generated + probe_ids
    with torch_pass(model, cancel), capture_residuals(model, [vector.layer]) as store:
        hidden = model.base_model(input_ids=padded(loaded, [ids]), use_cache=False).last_hidden_state[0]
        n, g = len(prompt_ids), max(1, len(generated))
        resid = store[vector.layer][0][0, n : n + g].float().mean(0)
        projection = float(resid @ torch.as_tensor(vector.unit, device=resid.device)) - vector.midpoint
        surprisal = 0.0
        if generated:
            logp = torch.log_softmax(unembed(model, hidden[n - 1 : n - 1 + len(generated)]), -1)
            surprisal = float(-logp.gather(1, torch.tensor(generated, device=model.device)[:, None]).mean())
        odds = None
        if probe_ids and markers[0] and markers[1]:
            last = torch.log_softmax(unembed(model, hidden[-1]), -1)
            odds = float(last[markers[0]].logsumexp(0) - last[markers[1]].logsumexp(0))
    return projection, odds, surprisal


def _marker_ids(loaded: Any, contrast: ContrastSet | None) -> tuple[list[int], list[int]]:
    """Each side's marker words as their first tokens (a word's first piece carries its sense)."""
    sides: list[list[int]] = []
    for side in ("positive", "negative"):
        words = contrast.markers.get(side, ()) if contrast is not None else ()
        sides.append(sorted({ids[0] for ids in (continuation_ids(loaded, w) for w in words) if ids}))
    return sides[0], sides[1]


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
    if not [p for p in prompts if p.strip()]:
        raise ValueError("there is nothing to steer: no prompts were given")
    modes = [m for m in settings.modes if m != "prompted" or (contrast and contrast.instructions.get("positive"))]
    signs = {"unsteered": 0.0, "steered (+)": 1.0, "steered (-)": -1.0, "prompted": 0.0}
    probe = continuation_ids(loaded, contrast.probe) if contrast and contrast.probe else []
    markers = _marker_ids(loaded, contrast)
    for index, prompt in enumerate(p for p in prompts if p.strip()):
        own = encode_text(loaded, prompt)
        asked = (
            encode_text(loaded, f"{contrast.instructions['positive']}\n\n{prompt}")
            if "prompted" in modes and contrast
            else own
        )
        rows = [asked if m == "prompted" else own for m in modes]
        deltas = np.stack([vector.vector * settings.strength * signs[m] for m in modes]).astype(np.float32)
        outputs = generate_rows(loaded, rows, vector.layer, deltas, settings, cancel)
        for mode, out in zip(modes, outputs):
            # Scored after the plain prompt for every mode, so the instruction is not scored.
            projection, odds, surprisal = score_text(loaded, vector, own, out, probe, markers, cancel)
            emit(
                SteeredGeneration(
                    mode=mode,
                    prompt=prompt,
                    text=loaded.tokenizer.decode(out, skip_special_tokens=True),
                    token_ids=tuple(out),
                    layer=vector.layer if signs[mode] else None,
                    strength=settings.strength * signs[mode],
                    projection=projection,
                    marker_logodds=odds,
                    prompt_index=index,
                    surprisal=surprisal,
                )
            )
        emit(MethodProgress((index + 1) / len(prompts), f"{index + 1}/{len(prompts)} prompts"))


def steer_stream(
    loaded: Any,
    vector: SteeringVector,
    prompts: Sequence[str],
    contrast: ContrastSet | None = None,
    settings: SteerSettings = SteerSettings(),
    cancel: CancelToken | None = None,
    cache: ResultCache | None = CACHE,
) -> AsyncIterator[Any]:
    """Per prompt: one SteeredGeneration per mode (unsteered, steered +/-, prompted)."""
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
