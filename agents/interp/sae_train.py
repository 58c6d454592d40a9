"""Training a small JumpReLU SAE offline, on one layer's residuals over the shipped corpus (or a user's).

Following Rajamanoharan et al. (2024): loss = ||x - x_hat||^2 + lambda * L0, where the
step function's and the JumpReLU's gradients with respect to each threshold come from a
straight-through estimator with a rectangle kernel of width ``bandwidth``. Inputs are
scaled to unit mean squared norm while training and the scale is folded into the saved
weights, so the file encodes raw residuals. Decoder rows are kept at unit norm.

Cancelling discards the run: nothing is written until training has finished (and the file
itself is written under a temporary name, then renamed).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from agents.interp.contrasts import load_contrast, shipped_names
from agents.interp.findings import MethodProgress, SaeSaved, SaeTrainingProgress
from agents.interp.hooks import check_layer
from agents.interp.jobs import check_cancel, method_stream
from agents.interp.readout import encode_text
from agents.interp.sae import JumpReluSae, quality, residuals
from agents.llm.base import CancelToken


@dataclass(frozen=True)
class SaeTrainSettings:
    layer: int
    n_features: int = 2048
    steps: int = 600
    batch: int = 512
    lr: float = 1e-3
    sparsity: float = 1e-3  # lambda, per active feature, against a unit-norm input's error
    bandwidth: float = 1e-3
    initial_threshold: float = 1e-3
    chunk_tokens: int = 128
    holdout: float = 0.1
    seed: int = 0


CORPUS_SUFFIXES = (".txt", ".md")


def corpus_texts(path: Path | str | None = None) -> list[str]:
    """The corpus at ``path`` (see read_corpus); by default the shipped corpus files, then
    every shipped contrast prompt (varied short texts)."""
    if path is not None:
        return read_corpus(Path(path))
    folder = resources.files("assets") / "corpus"
    texts = [
        p.read_text(encoding="utf-8") for p in sorted(folder.iterdir(), key=lambda p: p.name) if p.name.endswith(".txt")
    ]
    for name in shipped_names():
        contrast = load_contrast(name)
        texts += list(contrast.positive + contrast.negative)
    return texts


def read_corpus(path: Path) -> list[str]:
    """A user's corpus: one .txt/.md file, or every such file under a folder (sorted, so a run
    is reproducible), read as UTF-8. ValueError naming the path when there is nothing to read."""
    if not path.exists():
        raise ValueError(f"no corpus at {path}")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in CORPUS_SUFFIXES)
        if not files:
            raise ValueError(f"corpus folder {path} has no {' or '.join(CORPUS_SUFFIXES)} files")
    elif path.suffix.lower() not in CORPUS_SUFFIXES:
        raise ValueError(f"corpus {path} is not a {' or '.join(CORPUS_SUFFIXES)} file (nor a folder of them)")
    else:
        files = [path]
    texts = [_read_text(file) for file in files]
    if not any(text.strip() for text in texts):
        raise ValueError(f"corpus {path} has no text in it")
    return [text for text in texts if text.strip()]


def _read_text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"corpus file {file} is not UTF-8 text (byte {exc.start}: {exc.reason})") from exc
    except OSError as exc:
        raise ValueError(f"corpus file {file} cannot be read: {exc.strerror or exc}") from exc


def corpus_rows(loaded: Any, texts: Sequence[str], chunk_tokens: int = 128) -> list[list[int]]:
    """Each text as BOS-led rows of at most ``chunk_tokens`` tokens."""
    rows = []
    for text in texts:
        ids = encode_text(loaded, text)
        bos, body = ids[:1], ids[1:]
        for lo in range(0, len(body), chunk_tokens - 1):
            rows.append(bos + body[lo : lo + chunk_tokens - 1])
    return [r for r in rows if len(r) > 1]


def _estimators() -> tuple[Any, Any]:
    import torch

    def kernel(u: Any) -> Any:
        return ((u > -0.5) & (u < 0.5)).to(u.dtype)

    class JumpRelu(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any, theta: Any, eps: float) -> Any:
            ctx.save_for_backward(x, theta)
            ctx.eps = eps
            return x * (x > theta)

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            x, theta = ctx.saved_tensors
            d_theta = -(theta / ctx.eps) * kernel((x - theta) / ctx.eps) * grad
            return grad * (x > theta), d_theta.sum(0), None

    class Step(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any, theta: Any, eps: float) -> Any:
            ctx.save_for_backward(x, theta)
            ctx.eps = eps
            return (x > theta).to(x.dtype)

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            x, theta = ctx.saved_tensors
            d_theta = -(1.0 / ctx.eps) * kernel((x - theta) / ctx.eps) * grad
            return torch.zeros_like(x), d_theta.sum(0), None

    return JumpRelu.apply, Step.apply


def train_sae(x: Any, settings: SaeTrainSettings, cancel: CancelToken, emit: Callable) -> tuple[dict[str, Any], float]:
    """Trained weights for inputs ``x`` (tokens, d), already folded back to raw scale."""
    import torch

    jump, step_fn = _estimators()
    gen = torch.Generator().manual_seed(settings.seed)
    scale = float(x.pow(2).sum(-1).mean().sqrt())
    x = x.clone() / scale  # a normal tensor: the residuals were read in inference mode
    d, m, device = x.shape[1], settings.n_features, x.device
    w_dec = torch.randn(m, d, generator=gen).to(device)
    w_dec = torch.nn.Parameter(w_dec / w_dec.norm(dim=-1, keepdim=True))
    w_enc = torch.nn.Parameter(w_dec.detach().T.clone())
    b_enc = torch.nn.Parameter(torch.zeros(m, device=device))
    b_dec = torch.nn.Parameter(x.mean(0).clone())
    theta = torch.nn.Parameter(torch.full((m,), settings.initial_threshold, device=device))
    params = [w_enc, b_enc, w_dec, b_dec, theta]
    opt = torch.optim.Adam(params, lr=settings.lr)
    report = max(1, settings.steps // 50)
    with torch.enable_grad():
        for step in range(1, settings.steps + 1):
            check_cancel(cancel)
            batch = x[torch.randint(0, x.shape[0], (min(settings.batch, x.shape[0]),), generator=gen)]
            pre = batch @ w_enc + b_enc
            acts = jump(pre, theta, settings.bandwidth)
            err = (batch - (acts @ w_dec + b_dec)).pow(2).sum(-1).mean()
            l0 = step_fn(pre, theta, settings.bandwidth).sum(-1).mean()
            # The sparsity weight warms up, so features form before they are pruned.
            loss = err + settings.sparsity * min(1.0, step / (0.2 * settings.steps)) * l0
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                w_dec.div_(w_dec.norm(dim=-1, keepdim=True).clamp(min=1e-8))
                theta.clamp_(min=1e-6)
            if step % report == 0 or step == settings.steps:
                err, l0 = err.detach(), l0.detach()
                fvu = float(err / (batch - batch.mean(0)).pow(2).sum(-1).mean().clamp(min=1e-12))
                emit(
                    SaeTrainingProgress(
                        step=step, steps=settings.steps, loss=float(loss.detach()), fvu=fvu, mean_l0=float(l0)
                    )
                )
    with torch.no_grad():
        weights = {
            "W_enc": w_enc / scale,
            "b_enc": b_enc,
            "W_dec": w_dec * scale,
            "b_dec": b_dec * scale,
            "threshold": theta,
        }
        return {k: v.detach().float().clone() for k, v in weights.items()}, scale


def run_training(
    loaded: Any,
    settings: SaeTrainSettings,
    path: Path,
    texts: Sequence[str] | None,
    cancel: CancelToken,
    emit: Callable,
) -> None:
    started = time.perf_counter()
    check_layer(loaded.model, settings.layer)
    rows = corpus_rows(loaded, corpus_texts() if texts is None else texts, settings.chunk_tokens)
    if not rows:
        raise ValueError("the training corpus is empty")
    order = np.random.default_rng(settings.seed).permutation(len(rows))
    held = max(1, int(len(rows) * settings.holdout)) if len(rows) > 1 else 0
    test_rows, train_rows = [rows[i] for i in order[:held]], [rows[i] for i in order[held:]]
    x, _ = residuals(
        loaded,
        train_rows,
        settings.layer,
        cancel,
        lambda f: emit(MethodProgress(f, f"reading {len(train_rows)} corpus chunks at layer {settings.layer}")),
    )
    weights, scale = train_sae(x, settings, cancel, emit)
    held_x = residuals(loaded, test_rows, settings.layer, cancel)[0] if test_rows else x
    emit(quality(weights, held_x.to(weights["W_enc"].device), settings.layer))
    check_cancel(cancel)
    sae = JumpReluSae(
        **{k: v.cpu().numpy() for k, v in weights.items()},
        layer=settings.layer,
        meta={
            "model": loaded.identity.ref,
            "tokens": str(int(x.shape[0])),
            "input_scale": f"{scale:.6g}",
            "trained": "agora-lab sae_train",
        },
    ).check()
    sae.save(path)
    emit(
        SaeSaved(
            path=str(path),
            layer=settings.layer,
            n_features=settings.n_features,
            n_tokens=int(x.shape[0]),
            elapsed_s=time.perf_counter() - started,
        )
    )


def train_stream(
    loaded: Any,
    settings: SaeTrainSettings,
    path: Path | str,
    texts: Sequence[str] | None = None,
    cancel: CancelToken | None = None,
) -> AsyncIterator[Any]:
    """MethodProgress while reading the corpus, SaeTrainingProgress, SaeQuality (held out), SaeSaved.

    Never cached: it writes a file.
    """
    meta = {"layer": settings.layer, "n_features": settings.n_features, "steps": settings.steps}
    return method_stream(
        loaded,
        "sae training",
        meta,
        None,
        lambda emit, c: run_training(loaded, settings, Path(path), texts, c, emit),
        cancel,
        None,
    )
