"""Interpretability engine against its physical limit, on the embedded Gemma 3 270M.

The limit is what no logit lens can avoid: the plain forward pass plus the raw
unembedding matrix products for every layer and position (timed alone, the fastest of three
shapes: one product per layer over all positions, and the blocks of each reduction). The
engine computes all attention and the full lens (top-10, target probability and rank,
entropy, KL) for the same input in the same run, with each of its two block reductions
(the C loop, and torch's that it replaced), limit and engines interleaved. Peak extra
memory is the process's resident high-water mark (VmHWM, reset through
/proc/self/clear_refs) above its resident size before the run: it counts numpy and torch
CPU allocations alike, which tracemalloc would not. Torch's thread count is printed: on a
shared two-core machine, set it (torch.set_num_threads) before comparing runs.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import os
import time
from pathlib import Path
from unittest import mock

from agents.interp.engine import InspectCache, inspect_stream
from agents.interp.lens import POSITIONS_PER_CHUNK, VOCAB_BLOCK, native_block
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


def limit_parts(loaded, inp: InspectInput) -> dict:
    """The forward pass and two shapes of the raw unembedding products, as timed callables."""
    import torch

    model = loaded.model
    ids = torch.tensor([list(inp.token_ids)], device=model.device)
    weight = model.get_output_embeddings().weight
    with torch.inference_mode():
        hidden = model(input_ids=ids, output_hidden_states=True, use_cache=False).hidden_states

    def plain() -> None:
        model(input_ids=ids, use_cache=False, logits_to_keep=1)

    def per_layer() -> None:
        for h in hidden:
            h[0] @ weight.T

    def blocked(width: int) -> None:
        for start in range(0, ids.shape[1], POSITIONS_PER_CHUNK):
            x = torch.stack([h[0, start : start + POSITIONS_PER_CHUNK] for h in hidden], 1).reshape(-1, weight.shape[1])
            for lo in range(0, weight.shape[0], width):
                x @ weight[lo : lo + width].T

    parts = {"forward": plain, "unembed per layer": per_layer}
    # The blocks of both reductions, and 1024: the C loop's own before it followed the L2.
    widths = {VOCAB_BLOCK, native_block(POSITIONS_PER_CHUNK * len(hidden)), 1024}
    for width in sorted(widths):
        parts[f"unembed blocked {width}"] = functools.partial(blocked, width)
    return {name: torch.inference_mode()(fn) for name, fn in parts.items()}


def naive_lens(loaded, inp: InspectInput) -> None:
    """A straightforward lens for comparison: full log-softmax per layer, 64 positions at a time."""
    import torch

    model = loaded.model
    ids = torch.tensor([list(inp.token_ids)], device=model.device)
    with torch.inference_mode():
        out = model(input_ids=ids, output_hidden_states=True, output_attentions=True, use_cache=False)
        hidden, norm, targets = out.hidden_states, model.model.norm, ids[0, 1:]
        for start in range(0, ids.shape[1] - 1, 64):
            end = min(ids.shape[1] - 1, start + 64)
            final = torch.log_softmax(model.lm_head(hidden[-1][0, start:end]).float(), -1)
            for h in hidden:
                logp = torch.log_softmax(model.lm_head(norm(h[0, start:end])).float(), -1)
                logp.topk(10, -1)
                target = logp.gather(1, targets[start:end, None])
                (logp > target).sum(-1)
                p = logp.exp()
                (p * logp).sum(-1), (p * (logp - final)).sum(-1)


def _timed(fn) -> tuple[float, float]:
    """(wall, CPU) seconds; CPU time (all threads) moves less when others share the cores."""
    import resource

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    wall, used = time.perf_counter(), cpu()
    fn()
    return time.perf_counter() - wall, cpu() - used


async def engine_run(loaded, inp: InspectInput) -> dict[str, float]:
    import resource

    gc.collect()
    base = _status("VmRSS")
    _reset_peak()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
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
    usage = resource.getrusage(resource.RUSAGE_SELF)
    marks["cpu"] = usage.ru_utime + usage.ru_stime - cpu
    marks["peak_extra_mb"] = (_status("VmHWM") - base) / 2**20
    return marks


# The engine's two block reductions: the C loop (agents/interp/lens_kernel.py) and, for
# comparison in the same run, torch's (compiled where that works), which it replaced.
REDUCTIONS = {"engine": "1", "engine, torch reduction": "0"}


def _native(flag: str):
    return mock.patch.dict(os.environ, {"AGORA_LAB_INTERP_NATIVE": flag})


def measure(loaded, n_tokens: int, repeats: int = 2) -> None:
    """Limit and both engines alternate ``repeats`` times; each keeps its best run."""
    inp = input_of(loaded, n_tokens)
    print(
        f"{n_tokens} tokens on {loaded.identity.device} ({loaded.identity.dtype}), {_threads()} torch threads, "
        f"load average {_load()}:"
    )
    for name, flag in REDUCTIONS.items():
        with _native(flag):  # warm-up: compilation, first allocations
            warm = asyncio.run(engine_run(loaded, input_of(loaded, 32)))
            again = asyncio.run(engine_run(loaded, input_of(loaded, 32)))
        print(
            f"  {name}: first inspection in this process (32 tokens, compilation included): {warm['total']:.2f} s; "
            f"the same again: {again['total']:.2f} s"
        )
    parts, best, marks = limit_parts(loaded, inp), {}, None
    for _ in range(repeats):
        for name, fn in parts.items():
            best[name] = _best(best.get(name), _timed(fn))
        for name, flag in REDUCTIONS.items():
            with _native(flag):
                run = asyncio.run(engine_run(loaded, inp))
            best[name] = _best(best.get(name), (run["total"], run["cpu"]))
            if name == "engine":
                marks = run if marks is None or run["total"] < marks["total"] else marks
    best["naive"] = _timed(lambda: naive_lens(loaded, inp))
    for i, kind in enumerate(("wall", "CPU")):
        unembed = min(seconds[i] for name, seconds in best.items() if name.startswith("unembed"))
        limit = best["forward"][i] + unembed
        engines = "; ".join(f"{name} {best[name][i]:.2f} s -> ratio {best[name][i] / limit:.3f}" for name in REDUCTIONS)
        print(
            f"  {kind}: limit = forward {best['forward'][i]:.2f} s + unembedding {unembed:.2f} s = {limit:.2f} s; "
            f"{engines} (goal <= 1.10); naive lens {best['naive'][i]:.2f} s -> {best['naive'][i] / limit:.3f}"
        )
    print(f"  load average after: {_load()}")
    print(
        f"  first attention layer {marks.get('first_attention', float('nan')):.2f} s, "
        f"first lens columns {marks.get('first_lens', float('nan')):.2f} s (of {marks['total']:.2f} s)"
    )
    print(
        f"  peak extra memory {marks['peak_extra_mb']:.0f} MB, parity max |dlogp| {marks.get('parity', float('nan')):.2e}"
    )


def _best(old, new):
    return new if old is None else (min(old[0], new[0]), min(old[1], new[1]))


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _threads() -> int:
    import torch

    return torch.get_num_threads()


def panel_responsiveness(n_tokens: int = 2048, layers: int = 18, heads: int = 4, k: int = 10) -> None:
    """The panel on a long input (offscreen, synthetic arrays): the longest the GUI thread
    is busy handling one engine event, and redrawing, on a {n_tokens}-token input."""
    import os

    import numpy as np

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from agents.interp.records import InspectStarted
    from agents.settings import Settings
    from desktop.interp.panel import InterpPanel

    app = QApplication.instance() or QApplication([])
    panel = InterpPanel(lambda: Settings())
    panel.resize(1400, 800)
    panel.show()
    rng = np.random.default_rng(0)
    weights = np.tril(rng.random((heads, n_tokens, n_tokens), dtype=np.float32))
    weights /= weights.sum(-1, keepdims=True)
    inp = InspectInput(token_ids=tuple(range(n_tokens)), labels=tuple(f"t{i}" for i in range(n_tokens)))
    events = [InspectStarted(input=inp, model="synthetic", n_layers=layers, n_heads=heads, top_k=k)]
    pooled = weights.reshape(heads, 64, n_tokens // 64, 64, n_tokens // 64).max(axis=(2, 4))
    events += [AttentionReady(layer=i, weights=weights, thumbnails=pooled) for i in range(layers)]
    for start in range(0, n_tokens, POSITIONS_PER_CHUNK):
        shape = (layers + 1, POSITIONS_PER_CHUNK)
        events.append(
            LensChunkReady(
                start=start,
                end=start + POSITIONS_PER_CHUNK,
                top_ids=rng.integers(0, 5000, shape + (k,), dtype=np.int32),
                top_probs=rng.random(shape + (k,), dtype=np.float32),
                target_prob=rng.random(shape, dtype=np.float32),
                target_rank=np.zeros(shape, np.int32),
                entropy=rng.random(shape, dtype=np.float32),
                kl_to_final=rng.random(shape, dtype=np.float32),
                token_text={i: f"w{i}" for i in range(5000)},
            )
        )
    worst: dict[str, float] = {}
    for view in (panel.attention, panel.lens):
        panel.tabs.setCurrentWidget(view)
        for event in events:
            started = time.perf_counter()
            panel.apply(event)
            panel.redraw()
            app.processEvents()
            name = type(event).__name__
            worst[name] = max(worst.get(name, 0.0), time.perf_counter() - started)
    busy = ", ".join(f"{name} {seconds * 1e3:.0f} ms" for name, seconds in worst.items())
    print(f"panel, {n_tokens} tokens: longest GUI-thread stall per event (apply + redraw): {busy}")
    panel.close()
    panel.deleteLater()  # on this thread, now: left to interpreter shutdown, PySide crashes
    app.processEvents()


def main(skip_cold: bool = False) -> None:
    loaded = load_local_model(LocalRef(), "auto", "auto", 2048, lambda e: None)
    measure(loaded, 256)
    panel_responsiveness()


if __name__ == "__main__":
    main()
