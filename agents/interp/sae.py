"""Sparse autoencoders (JumpReLU) on the residual stream of one layer: load, encode, read.

The format is Gemma Scope's: ``W_enc`` (d, m), ``b_enc`` (m,), ``W_dec`` (m, d), ``b_dec``
(d,), ``threshold`` (m,), in ``params.npz`` or ``params.safetensors``. A feature fires when
its pre-activation ``x W_enc + b_enc`` exceeds its threshold, and then keeps that value.
The layer is the residual after that block (``hooks``); files trained here record it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.interp.findings import FeatureReport, SaeQuality, TokenFeatures
from agents.interp.hooks import capture_residuals, check_layer, hidden_size
from agents.interp.jobs import CACHE, ResultCache, check_cancel, method_stream, torch_pass
from agents.interp.neurons import check_ids
from agents.interp.readout import digest, first_real, padded, read_vector
from agents.interp.tokens import token_label
from agents.llm.base import CancelToken

NAMES = ("W_enc", "b_enc", "W_dec", "b_dec", "threshold")


@dataclass(frozen=True)
class JumpReluSae:
    W_enc: np.ndarray  # float32 (d, m)
    b_enc: np.ndarray  # (m,)
    W_dec: np.ndarray  # (m, d)
    b_dec: np.ndarray  # (d,)
    threshold: np.ndarray  # (m,)
    layer: int | None = None
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def d_model(self) -> int:
        return int(self.W_enc.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.W_enc.shape[1])

    def check(self) -> JumpReluSae:
        d, m = self.W_enc.shape if self.W_enc.ndim == 2 else (None, None)
        want = {"W_enc": (d, m), "b_enc": (m,), "W_dec": (m, d), "b_dec": (d,), "threshold": (m,)}
        if d is None:
            raise ValueError(f"W_enc must be a matrix (d_model, n_features); it has shape {self.W_enc.shape}")
        for name, shape in want.items():
            if getattr(self, name).shape != shape:
                raise ValueError(
                    f"{name} has shape {getattr(self, name).shape}, but W_enc {self.W_enc.shape} needs {shape}"
                )
        return self

    def fits(self, model: Any, layer: int) -> JumpReluSae:
        """This SAE, or a ValueError naming the file's shape and the model's."""
        check_layer(model, layer)
        width = hidden_size(model)
        if self.d_model != width:
            raise ValueError(
                f"the SAE's W_enc has shape {tuple(self.W_enc.shape)}, but the model's residual at layer {layer} "
                f"is {width} wide: it needs W_enc of shape ({width}, n_features)"
            )
        return self

    def torch(self, device: Any) -> dict[str, Any]:
        import torch

        return {name: torch.as_tensor(np.asarray(getattr(self, name), np.float32), device=device) for name in NAMES}

    def save(self, path: Path) -> Path:
        """Written to a temporary name first, so an interrupted save leaves no half file."""
        path = Path(path)
        partial = path.with_name(path.name + ".partial")
        arrays = {name: np.ascontiguousarray(getattr(self, name), np.float32) for name in NAMES}
        meta = dict(self.meta, layer=str(self.layer if self.layer is not None else ""))
        if path.suffix == ".safetensors":
            from safetensors.numpy import save_file

            save_file(arrays, str(partial), metadata=meta)
        else:
            with open(partial, "wb") as handle:
                stored: dict[str, Any] = dict(arrays, **{f"meta_{k}": np.array(v) for k, v in meta.items()})
                np.savez(handle, **stored)
        os.replace(partial, path)
        return path


def load_sae(path: Path | str, layer: int | None = None) -> JumpReluSae:
    """Read a JumpReLU SAE (.npz or .safetensors); ``layer`` overrides the file's own."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no SAE file at {path}")
    meta: dict[str, str] = {}
    if path.suffix == ".safetensors":
        from safetensors import safe_open

        with safe_open(str(path), framework="numpy") as handle:
            arrays = {k: handle.get_tensor(k) for k in handle.keys()}
            meta = dict(handle.metadata() or {})
    else:
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files if not k.startswith("meta_")}
            meta = {k.removeprefix("meta_"): str(data[k]) for k in data.files if k.startswith("meta_")}
    missing = [n for n in NAMES if n not in arrays]
    if missing:
        raise ValueError(
            f"{path.name} is not a JumpReLU SAE: it lacks {', '.join(missing)} (has {', '.join(sorted(arrays))})"
        )
    own = meta.pop("layer", "")
    chosen = layer if layer is not None else (int(own) if own.lstrip("-").isdigit() else None)
    values = {n: np.asarray(arrays[n], dtype=np.float32) for n in NAMES}
    return JumpReluSae(**values, layer=chosen, meta=meta).check()


def sae_layer(sae: JumpReluSae) -> int:
    if sae.layer is None:
        raise ValueError("the SAE file does not say which layer it reads: give the layer")
    return sae.layer


def encode(weights: dict[str, Any], x: Any) -> Any:
    import torch

    pre = torch.addmm(weights["b_enc"], x.float(), weights["W_enc"])
    return pre.masked_fill_(pre <= weights["threshold"], 0.0)


def decode(weights: dict[str, Any], acts: Any) -> Any:
    return acts @ weights["W_dec"] + weights["b_dec"]


def quality(weights: dict[str, Any], x: Any, layer: int) -> SaeQuality:
    """Fraction of variance unexplained (against the tokens' own mean) and mean L0."""
    acts = encode(weights, x)
    err = (x.float() - decode(weights, acts)).pow(2).sum()
    var = (x.float() - x.float().mean(0)).pow(2).sum().clamp(min=1e-12)
    return SaeQuality(
        layer=layer, n_tokens=int(x.shape[0]), fvu=float(err / var), mean_l0=float((acts > 0).sum(-1).float().mean())
    )


def residuals(
    loaded: Any,
    rows: Sequence[list[int]],
    layer: int,
    cancel: CancelToken,
    progress: Callable[[float], None] = lambda f: None,
    batch: int = 8,
) -> tuple[Any, list[tuple[int, int]]]:
    """Every row's residual at ``layer`` (BOS dropped), stacked (tokens, d), and (row, position) of each."""
    import torch

    model, out = loaded.model, []
    where: list[tuple[int, int]] = []
    for lo in range(0, len(rows), batch):
        check_cancel(cancel)
        chunk = rows[lo : lo + batch]
        with torch_pass(model, cancel), capture_residuals(model, [layer]) as store:
            model.base_model(input_ids=padded(loaded, chunk), use_cache=False)
        for i, ids in enumerate(chunk):
            start = first_real(loaded, ids)
            out.append(store[layer][0][i, start : len(ids)].float())
            where.extend((lo + i, p) for p in range(start, len(ids)))
        progress(min(1.0, (lo + batch) / len(rows)))
    return torch.cat(out), where


def token_features(
    loaded: Any, sae: JumpReluSae, token_ids: list[int], k: int, cancel: CancelToken, emit: Callable
) -> None:
    import torch

    layer = sae_layer(sae)
    sae.fits(loaded.model, layer)
    check_ids(loaded, token_ids)
    x, _ = residuals(loaded, [token_ids], layer, cancel)
    weights = sae.torch(x.device)
    with torch.inference_mode():
        acts = encode(weights, x)
        values, ids = acts.topk(min(k, sae.n_features), dim=-1)
        emit(
            TokenFeatures(
                layer=layer,
                feature_ids=ids.int().cpu().numpy().astype(np.int32),
                activations=np.ascontiguousarray(values.cpu().numpy(), np.float32),
            )
        )
        emit(quality(weights, x, layer))


def features_stream(
    loaded: Any,
    sae: JumpReluSae,
    token_ids: Sequence[int],
    k: int = 8,
    cancel: CancelToken | None = None,
    cache: ResultCache | None = CACHE,
) -> AsyncIterator[Any]:
    """TokenFeatures (top-k per token, BOS dropped) and SaeQuality on this input."""
    key = (digest(sae.W_enc, sae.threshold), sae.layer, tuple(token_ids), k)
    return method_stream(
        loaded,
        "sae features",
        {"layer": sae.layer, "k": k},
        key,
        lambda emit, c: token_features(loaded, sae, list(token_ids), k, c, emit),
        cancel,
        cache,
    )


def context_text(loaded: Any, ids: Sequence[int], position: int, width: int = 6) -> str:
    pieces = [token_label(loaded.tokenizer, t) for t in ids[max(0, position - width) : position + 2]]
    at = min(position, width)
    pieces[at] = f"[{pieces[at]}]"
    return "".join(pieces).replace("␣", " ")


SELECTIVE_BAND = (0.005, 0.2)  # the share of tokens a feature worth reading fires on


def selective_features(acts: Any, n: int = 5, band: tuple[float, float] = SELECTIVE_BAND) -> list[int]:
    """The ``n`` features of (tokens, features) activations worth reading first.

    Those that fire on a share of tokens inside ``band`` come first, strongest mean activation
    when on first: the densest features fire on nearly every token and act like biases, the
    rarest on a token or two. Only when too few fall inside the band do the rare ones, then the
    dense ones, fill the list; a feature that never fires is never chosen.
    """
    import torch

    with torch.inference_mode():
        on = acts > 0
        count = on.sum(0)
        share = (count.float() / max(1, acts.shape[0])).cpu().numpy()
        strength = (acts.sum(0) / count.clamp(min=1)).float().cpu().numpy()
    low, high = band
    tier = np.where((share >= low) & (share <= high), 0, np.where(share < low, 1, 2))
    order = np.lexsort((-strength, tier))  # tier first, then the strongest
    return [int(i) for i in order if share[i] > 0][:n]


def report_features(
    loaded: Any,
    sae: JumpReluSae,
    corpus: Sequence[list[int]],
    features: Sequence[int] | None,
    k: int,
    cancel: CancelToken,
    emit: Callable,
    n_selective: int = 5,
) -> None:
    import torch

    layer = sae_layer(sae)
    sae.fits(loaded.model, layer)
    bad = [f for f in features or () if not 0 <= f < sae.n_features]
    if bad:
        raise ValueError(f"feature {bad[0]} is out of range: the SAE has features 0..{sae.n_features - 1}")
    x, where = residuals(loaded, corpus, layer, cancel)
    weights = sae.torch(x.device)
    with torch.inference_mode():
        every = encode(weights, x)
        chosen = list(features) if features is not None else selective_features(every, n_selective)
        if not chosen:
            raise ValueError(f"no feature of this SAE fires on the corpus ({x.shape[0]} tokens at layer {layer})")
        acts = every[:, chosen]
    for column, feature in enumerate(chosen):
        check_cancel(cancel)
        col = acts[:, column]
        top = col.topk(min(k, col.shape[0]))
        contexts = tuple(
            (context_text(loaded, corpus[where[i][0]], where[i][1]), float(v))
            for v, i in zip(top.values.tolist(), top.indices.tolist())
            if v > 0
        )
        promoted, _ = read_vector(loaded, sae.W_dec[feature], k)
        emit(
            FeatureReport(
                feature=feature, top_contexts=contexts, promoted=promoted, frequency=float((col > 0).float().mean())
            )
        )


def feature_report_stream(
    loaded: Any,
    sae: JumpReluSae,
    corpus: Sequence[list[int]],
    features: Sequence[int] | None = None,
    k: int = 5,
    cancel: CancelToken | None = None,
    cache: ResultCache | None = CACHE,
    n_selective: int = 5,
) -> AsyncIterator[Any]:
    """One FeatureReport per feature: top contexts in ``corpus``, promoted tokens, frequency.

    ``features`` None: the ``n_selective`` features ``selective_features`` picks on this corpus.
    """
    chosen = None if features is None else tuple(features)
    key = (digest(sae.W_enc, sae.threshold), sae.layer, tuple(map(tuple, corpus)), chosen, k, n_selective)
    settings = {"layer": sae.layer, "features": list(chosen) if chosen is not None else f"{n_selective} selective"}
    return method_stream(
        loaded,
        "sae feature report",
        settings,
        key,
        lambda emit, c: report_features(loaded, sae, corpus, chosen, k, c, emit, n_selective),
        cancel,
        cache,
    )
