"""Steering, occlusion and SAE encoding against their plain counterparts.

- steering overhead per generated token: the same greedy generation in torch with and without
  the residual hook, as a ratio (goal: under 1.05), and beside it the unsteered generation engine
  (llama.cpp), which a steered agent leaves;
- occlusion attribution of a 256-token input, batched, as a ratio of 256 plain forward
  passes of the same input (each occluded copy is one forward pass's worth of work);
- SAE encoding of 256 tokens' residuals (goal: under 50 ms), with a model-width SAE of
  16k features (Gemma Scope's smallest).

On the embedded Gemma 3 270M by default; AGORA_LAB_BENCH_TINY=1 runs it on the tiny random
test model instead (seconds, for a machine that is busy).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

TEXT = (
    "Alice: The strongest argument for renewable energy is cost: solar and wind are now the cheapest "
    "new electricity in most countries. Bob: Cost is not the only question; reliability matters when "
    "the sun sets and the wind drops, and storage is still expensive. "
)


def _load():
    if os.environ.get("AGORA_LAB_BENCH_TINY") == "1":
        from tests.helpers.interp_model import build_interp_model, load_plain

        return load_plain(build_interp_model(Path(tempfile.mkdtemp(prefix="bench-interp2-"))))
    from agents.llm.local_model import load_local_model
    from agents.llm.refs import LocalRef

    return load_local_model(LocalRef(), "auto", "auto", 2048, lambda e: None)


def _best_of(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def steering_overhead(loaded, new_tokens: int = 32) -> None:
    """The hook's own cost: the same greedy generation in torch with and without the residual
    hook (a zero row of deltas runs in torch unsteered). A steered agent also leaves the llama.cpp
    engine, which has no residual stream to add to; that gap is printed separately, since it is
    the engines' difference and not the hook's."""
    from agents.interp.readout import encode_text
    from agents.interp.steer_generate import SteerSettings, generate_rows
    from agents.llm.base import CancelToken

    ids = encode_text(loaded, TEXT)[:64]
    d = loaded.model.config.get_text_config().hidden_size
    vector = np.random.default_rng(0).normal(size=(1, d)).astype(np.float32) * 1e-3  # tiny: same tokens either way
    settings = SteerSettings(max_new_tokens=new_tokens, repetition_penalty=1.0)
    runs = {
        "torch": lambda: generate_rows(loaded, [ids], 1, np.zeros_like(vector), settings, CancelToken()),
        "steered": lambda: generate_rows(loaded, [ids], 1, vector, settings, CancelToken()),
        "engine": lambda: generate_rows(loaded, [ids], None, None, settings, CancelToken()),
    }
    for fn in runs.values():
        fn()  # warm-up
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(3):  # interleaved, so a load change hits all three
        for name, fn in runs.items():
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    per_token = {name: min(t) * 1e3 / new_tokens for name, t in times.items()}
    print(
        f"  steering: {new_tokens} tokens in torch {per_token['torch']:.1f} ms/token, steered {per_token['steered']:.1f} "
        f"ms/token -> hook overhead ratio {per_token['steered'] / per_token['torch']:.3f} (goal < 1.05); "
        f"unsteered on the generation engine {per_token['engine']:.1f} ms/token "
        f"(steered / engine {per_token['steered'] / per_token['engine']:.2f})"
    )


def occlusion_ratio(loaded, n_tokens: int = 256, sample: int | None = None, rows: int | None = None) -> dict:
    """Batched occlusion of every token before the last, against one plain forward pass of the
    whole input per occluded token, interleaved: after each occlusion batch, as many plain
    passes as it had copies (``sample``: only that many, scaled up), so a change in machine
    load hits both sides alike. Also prints the work model: token positions each side computes."""
    import torch

    from agents.interp import attribution
    from agents.interp.attribution import batch_rows, occlusion, units_of
    from agents.interp.readout import encode_text, padded
    from agents.interp.records import InspectInput
    from agents.llm.base import CancelToken

    if rows is not None:
        attribution.MAX_ROWS = rows
    ids = (encode_text(loaded, TEXT * 20))[:n_tokens]
    inp = InspectInput(token_ids=tuple(ids), labels=tuple(map(str, ids)))
    target = n_tokens - 1
    units = units_of(loaded, inp, "tokens", target)
    x = padded(loaded, [ids])
    plain: list[float] = []  # seconds per plain pass
    done = [0]

    def plain_passes(fraction: float) -> None:
        copies = round(fraction * len(units)) - done[0]
        done[0] += copies
        with torch.inference_mode():
            for _ in range(min(copies, sample or copies)):
                started = time.perf_counter()
                loaded.model.base_model(input_ids=x, use_cache=False)
                plain.append(time.perf_counter() - started)

    with torch.inference_mode():
        loaded.model.base_model(input_ids=x, use_cache=False)  # warm-up
    started = time.perf_counter()
    occlusion(loaded, ids, target, units, CancelToken(), plain_passes)
    batched = time.perf_counter() - started - sum(plain)
    plain_total = float(np.mean(plain)) * len(units)
    size = batch_rows(len(ids))
    cuts = [min(units[u][1]) for u in range(0, len(units), size)]
    work = len(ids) + sum(min(size, len(units) - i * size) * (len(ids) - 1 - cut) for i, cut in enumerate(cuts))
    result = {"tokens": n_tokens, "units": len(units), "rows": size, "batched_s": batched, "plain_s": plain_total}
    print(
        f"  occlusion of {len(units)} tokens (of {n_tokens}), {size} copies a pass: batched {batched:.2f} s vs "
        f"{len(units)} plain forward passes {plain_total:.2f} s ({np.mean(plain) * 1e3:.0f} ms each, "
        f"{len(plain)} timed, interleaved) -> ratio {batched / plain_total:.3f}; "
        f"work model {work / (len(units) * len(ids)):.3f} (token positions computed)"
    )
    return result


def sae_encoding(loaded, n_tokens: int = 256, n_features: int = 16384) -> None:
    import torch

    from agents.interp.readout import encode_text
    from agents.interp.sae import JumpReluSae, encode, residuals
    from agents.llm.base import CancelToken

    d = loaded.model.config.get_text_config().hidden_size
    rng = np.random.default_rng(0)
    sae = JumpReluSae(
        W_enc=rng.normal(size=(d, n_features)).astype(np.float32) / np.sqrt(d),
        b_enc=np.zeros(n_features, np.float32),
        W_dec=rng.normal(size=(n_features, d)).astype(np.float32) / np.sqrt(d),
        b_dec=np.zeros(d, np.float32),
        threshold=np.full(n_features, 0.5, np.float32),
        layer=1,
    )
    ids = encode_text(loaded, TEXT * 20)[: n_tokens + 1]
    x, _ = residuals(loaded, [ids], 1, CancelToken())
    weights = sae.torch(x.device)
    with torch.inference_mode():
        encode(weights, x)
        alone = _best_of(lambda: encode(weights, x).topk(8, dim=-1), 5)
    with_forward = _best_of(lambda: residuals(loaded, [ids], 1, CancelToken()), 3)
    print(
        f"  SAE encode of {x.shape[0]} tokens, {d} -> {n_features} features, top-8: {alone * 1e3:.1f} ms "
        f"(goal < 50 ms); the forward pass to layer residuals adds {with_forward * 1e3:.0f} ms"
    )


def main(skip_cold: bool = False) -> None:
    import torch

    loaded = _load()
    print(
        f"interp2 on {loaded.identity.name} ({loaded.identity.device}, {loaded.identity.dtype}), {torch.get_num_threads()} torch threads:"
    )
    steering_overhead(loaded)
    occlusion_ratio(loaded)
    sae_encoding(loaded)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_interp2")
    parser.add_argument("only", nargs="?", choices=["occlusion", "steering", "sae"], help="only that measure")
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--sample", type=int, help="plain passes timed per occlusion batch (default: all)")
    parser.add_argument("--rows", type=int, help="occluded copies per pass at most (default: attribution.MAX_ROWS)")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own choice)")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.only == "occlusion":
        occlusion_ratio(_load(), args.tokens, args.sample, args.rows)
    elif args.only == "steering":
        steering_overhead(_load())
    elif args.only == "sae":
        sae_encoding(_load())
    else:
        main()
