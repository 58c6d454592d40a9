"""Steering vectors: a behaviour's direction as the difference of mean residuals of two
contrastive prompt sets, found at every layer with how well it separates them. Adding it
while generating (and scoring that) is ``steer_generate``; the vector saves to .npz for a
team file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.interp.contrasts import ContrastSet
from agents.interp.findings import DirectionsReady, MethodProgress
from agents.interp.hooks import capture_residuals, check_layer, hidden_size, n_layers
from agents.interp.jobs import CACHE, ResultCache, check_cancel, method_stream, torch_pass
from agents.interp.readout import encode_text, first_real, numpy32, padded
from agents.llm.base import CancelToken

BATCH = 8


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


async def steered_provider(provider: Any, spec: Any, cancel: CancelToken | None = None) -> Any:
    """``provider`` (a local one) with the agent's SteeringSpec resolved and applied."""
    from agents.llm.base import ProviderError, Steering
    from agents.llm.local_steering import SteeredProvider

    loaded = getattr(provider, "loaded", None)
    if loaded is None:
        raise ProviderError("invalid_reference", f"steering needs a local model; {provider.identity.ref} is not one")
    await loaded.wait_model()  # the vector is checked against it here, on the loop
    vector = await resolve_vector(loaded, spec.vector, spec.layer, cancel)
    delta = tuple(float(v) for v in vector.vector * spec.strength)
    label = f"{Path(spec.vector).name} {spec.strength:+g} at layer {vector.layer}"  # a file by its name
    return SteeredProvider(provider, Steering(layer=vector.layer, vector=delta, label=label))


async def resolve_vector(
    loaded: Any, source: str, layer: int | None = None, cancel: CancelToken | None = None
) -> SteeringVector:
    """A team file's ``vector``: a saved .npz (its own layer), or a contrast set (a shipped
    name or a .json path) whose direction is found here, at ``layer`` or its steering layer."""
    from agents.interp.contrasts import load_contrast
    from agents.interp.findings import MethodError

    if source.endswith(".npz"):
        path = Path(source).expanduser()
        if not path.exists():
            raise ValueError(f"no steering vector file at {path}")
        vector = SteeringVector.load(path)
        if layer is not None and layer != vector.layer:
            raise ValueError(
                f"{path.name} was found at layer {vector.layer}, not {layer}: leave the layer out or recompute it"
            )
        if vector.vector.shape[0] != hidden_size(loaded.model):
            raise ValueError(
                f"{path.name} has {vector.vector.shape[0]} values; this model's residual has {hidden_size(loaded.model)}"
            )
        return vector
    contrast = load_contrast(source)
    found = None
    async for record in directions_stream(loaded, contrast, cancel=cancel):
        if isinstance(record, MethodError):
            raise ValueError(record.message)
        found = record if isinstance(record, DirectionsReady) else found
    assert found is not None
    return SteeringVector.from_directions(
        found, found.steering_layer() if layer is None else check_layer(loaded.model, layer)
    )


def vector_source_problem(source: str) -> str | None:
    """Why a team file's ``vector`` cannot be used, found without a model (the builder asks
    this as the user types): an unknown set, a missing or unreadable file."""
    from agents.interp.contrasts import load_contrast

    source = source.strip()
    if not source:
        return "choose a contrast set or a vector file"
    if source.endswith(".npz"):
        path = Path(source).expanduser()
        try:
            SteeringVector.load(path)
        except FileNotFoundError:
            return f"no steering vector file at {path}"
        except (OSError, KeyError, ValueError) as exc:
            return f"{path.name} is not a saved steering vector ({exc})"
        return None
    try:
        load_contrast(source)
    except (OSError, ValueError) as exc:
        return str(exc)
    return None
