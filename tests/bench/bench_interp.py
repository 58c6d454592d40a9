"""Interpretability engine against its physical limit, on the embedded Gemma 3 270M.

The limit is what no logit lens can avoid: the plain forward pass plus the raw
unembedding matrix products for every layer and position (timed alone, the faster of two
shapes: one product per layer over all positions, and the engine's own blocks). The engine
computes all attention and the full lens (top-10, target probability and rank, entropy, KL)
for the same input in the same run. Peak extra memory is the process's resident high-water
mark (VmHWM, reset through /proc/self/clear_refs) above its resident size before the run:
it counts numpy and torch CPU allocations alike, which tracemalloc would not.
"""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path

from agents.interp.engine import InspectCache, inspect_stream
from agents.interp.lens import POSITIONS_PER_CHUNK, VOCAB_BLOCK
from agents.interp.records import AttentionReady, InspectFinished, InspectInput, LensChunkReady
from agents.llm.local_model import load_local_model
from agents.llm.refs import LocalRef

TEXT = (
    "Alice: The strongest argument for renewable energy is cost: solar and wind are now the cheapest "
    "new electricity in most countries. Bob: Cost is not the only question; reliability matters when "
    "the sun sets and the wind drops, and storage is still expensive. "
)


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:  # not Linux, or not allowed: the peak then includes earlier work
        pass


def input_of(loaded, n_tokens: int) -> InspectInput:
    ids = loaded.tokenizer(TEXT * 40)["input_ids"][:n_tokens]
    return InspectInput(token_ids=tuple(ids), labels=tuple(str(i) for i in ids))


def limit_seconds(loaded, inp: InspectInput) -> tuple[float, float]:
    """(forward, unembedding) seconds: best of two runs, best of two product shapes."""
    import torch

    model = loaded.model
    ids = torch.tensor([list(inp.token_ids)], device=model.device)
    weight = model.get_output_embeddings().weight
    with torch.inference_mode():
        hidden = model(input_ids=ids, output_hidden_states=True, use_cache=False).hidden_states
        rows = len(hidden)

        def plain() -> None:
            model(input_ids=ids, use_cache=False, logits_to_keep=1)

        def per_layer() -> None:
            for h in hidden:
                h[0] @ weight.T

        def blocked() -> None:
            n = ids.shape[1]
            for start in range(0, n, POSITIONS_PER_CHUNK):
                x = torch.stack([h[0, start:start + POSITIONS_PER_CHUNK] for h in hidden], 1).reshape(-1, weight.shape[1])
                for lo in range(0, weight.shape[0], VOCAB_BLOCK):
                    x @ weight[lo:lo + VOCAB_BLOCK].T

        fwd = min(_timed(plain) for _ in range(2))
        unembed = min(_timed(f) for f in (per_layer, blocked, per_layer, blocked))
    print(f"  lens rows {rows}, positions {ids.shape[1]}, vocab {weight.shape[0]}")
    return fwd, unembed


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


async def engine_run(loaded, inp: InspectInput) -> dict[str, float]:
    gc.collect()
    base = _status("VmRSS")
    _reset_peak()
    started = time.perf_counter()
    marks: dict[str, float] = {}
    async for event in inspect_stream(loaded, inp, cache=InspectCache()):
        now = time.perf_counter() - started
        if isinstance(event, AttentionReady):
            marks.setdefault("first_attention", now)
        elif isinstance(event, LensChunkReady):
            marks.setdefault("first_lens", now)
        elif isinstance(event, InspectFinished):
            marks["parity"] = event.parity_max_abs_diff
        else:
            marks.setdefault(type(event).__name__, now)
    marks["total"] = time.perf_counter() - started
    marks["peak_extra_mb"] = (_status("VmHWM") - base) / 2**20
    return marks


def measure(loaded, n_tokens: int) -> None:
    inp = input_of(loaded, n_tokens)
    print(f"{n_tokens} tokens on {loaded.identity.device} ({loaded.identity.dtype}):")
    asyncio.run(engine_run(loaded, input_of(loaded, 32)))  # warm-up: first-call allocations
    fwd, unembed = limit_seconds(loaded, inp)
    marks = asyncio.run(engine_run(loaded, inp))
    limit = fwd + unembed
    print(f"  limit: forward {fwd:.2f} s + unembedding {unembed:.2f} s = {limit:.2f} s")
    print(f"  engine: {marks['total']:.2f} s  -> ratio {marks['total'] / limit:.3f} (goal <= 1.10)")
    print(f"  first attention layer {marks.get('first_attention', float('nan')):.2f} s, "
          f"first lens columns {marks.get('first_lens', float('nan')):.2f} s")
    print(f"  peak extra memory {marks['peak_extra_mb']:.0f} MB, parity max |dlogp| {marks.get('parity', float('nan')):.2e}")


def main(skip_cold: bool = False) -> None:
    loaded = load_local_model(LocalRef(), "auto", "auto", 2048, lambda e: None)
    measure(loaded, 256)


if __name__ == "__main__":
    main()
