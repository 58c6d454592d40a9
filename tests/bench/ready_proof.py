"""Ready fast: the embedded model in a fresh process, this tree against another, interleaved.

Used by `python -m tests.bench desktop` (bench_desktop.model_load). Each run is a new Python
process started in the tree it measures (its own ``agents`` and ``desktop`` shadow the
installed ones), with the converted cache warm. Set AGORA_BENCH_BEFORE to a checkout of the
code to compare against (e.g. `git archive <commit> | tar -x -C /tmp/before`); without it
only this tree is measured.

Two measures:
- ``ready``: process start to a ready provider, to its first token, and to the transformers
  copy being in memory; the longest GIL hold seen by a 5 ms ticker thread before ready and
  from ready until the weights are in (a window would freeze as long).
- ``window``: the real window on a qasync loop with the desktop benchmark's StallMeter: the
  longest Qt-loop stall while the model loads to ready, then while a 24-token turn generates
  as the weights load behind it (and, where the window registers it, the lens compiles),
  then during the first inspection of a text (the logit lens's torch.compile).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]

READY = """
import asyncio, json, sys, threading, time
started = time.perf_counter()
ticks = [started]
def tick():
    while True:
        time.sleep(0.005)
        ticks.append(time.perf_counter())
threading.Thread(target=tick, daemon=True).start()
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams
from agents.llm.providers import open_provider
async def main():
    provider = await open_provider("local")
    ready = time.perf_counter()
    request = CompletionRequest(messages=(ChatMessage(role="user", content="Hello"),),
                                params=GenerationParams(max_tokens=1, temperature=0.0), speaker="Writer")
    [e async for e in provider.stream(request)]
    first = time.perf_counter()
    waiting = getattr(provider.loaded, "wait_model", None)
    if waiting is not None:
        await waiting()
    return ready, first, time.perf_counter()
ready, first, weights = asyncio.run(main())
def gap(lo, hi):
    inside = [t for t in ticks if lo <= t <= hi]
    return max((b - a for a, b in zip(inside, inside[1:])), default=0.0) * 1000 - 5
print(json.dumps({"ready": ready - started, "first_token": first - started, "weights": weights - started,
                  "gil_ms_to_ready": gap(started, ready), "gil_ms_after_ready": gap(ready, weights)}))
"""

WINDOW = """
import asyncio, json, threading, time
import qasync
from PySide6.QtWidgets import QApplication
from tests.bench.bench_desktop import StallMeter
app = QApplication([])
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)
try:
    from desktop.app import configure_domain
    configure_domain()
except ImportError:  # a tree from before it
    pass
from desktop.main_window import MainWindow
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams
from agents.llm.providers import open_provider
window = MainWindow()
window.show()
marks = {}
async def probe():
    await asyncio.sleep(0.2)  # the window is up and idle
    with StallMeter() as meter:
        started = time.perf_counter()
        provider = await open_provider("local", window.settings)
        marks["ready_s"] = time.perf_counter() - started
    marks["stall_ms_loading"] = meter.longest()
    request = CompletionRequest(messages=(ChatMessage(role="user", content="Name three rivers."),),
                                params=GenerationParams(max_tokens=24, temperature=0.0), speaker="Writer")
    with StallMeter() as meter:
        [e async for e in provider.stream(request)]
        waiting = getattr(provider.loaded, "wait_model", None)
        if waiting is not None:
            await waiting()
        for thread in threading.enumerate():  # the weights' thread ends after its warm-ups
            if thread.name == "model-weights":
                await asyncio.to_thread(thread.join)
        await asyncio.sleep(0.05)
    marks["stall_ms_generating_while_weights_load"] = meter.longest()
    from agents.interp.context import text_input
    from agents.interp.engine import InspectCache, inspect_stream
    loaded = provider.loaded
    with StallMeter() as meter:
        started = time.perf_counter()
        inp = text_input(loaded, "The capital of France is Paris, and the capital of Italy is Rome.")
        [e async for e in inspect_stream(loaded, inp, cache=InspectCache())]
        marks["first_inspection_s"] = time.perf_counter() - started
        await asyncio.sleep(0.05)
    marks["stall_ms_first_inspection"] = meter.longest()
with loop:
    loop.run_until_complete(probe())
print(json.dumps(marks), flush=True)
window.close()
"""


def run_in(tree: Path, snippet: str) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", snippet], cwd=tree, env=env, capture_output=True, text=True, timeout=600
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"{tree}: {out.stderr[-2000:]}")
    return json.loads(lines[-1])


def trees() -> dict[str, Path]:
    before = os.environ.get("AGORA_BENCH_BEFORE")
    return {"before": Path(before), "after": HERE} if before else {"this tree": HERE}


def compare(snippet: str, runs: int) -> dict[str, list[dict[str, float]]]:
    """Each tree ``runs`` times, alternating, so both see the same machine load."""
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees()}
    for run in range(runs):
        for name, tree in trees().items():
            marks = run_in(tree, snippet)
            results[name].append(marks)
            shown = ", ".join(
                f"{k} {v:.2f}" if k.endswith("_s") or "ms" not in k else f"{k} {v:.0f}" for k, v in marks.items()
            )
            print(f"  run {run + 1} {name}: {shown}", flush=True)
    return results


def report(results: dict[str, list[dict[str, float]]]) -> None:
    for name, marks in results.items():
        keys = marks[0].keys()
        medians = ", ".join(f"{k} {statistics.median(m[k] for m in marks):.2f}" for k in keys)
        print(f"  {name}, median of {len(marks)}: {medians}")


def main(runs: int = 3) -> None:
    print(f"== Ready fast: fresh process, warm cache, {runs} runs interleaved; load {os.getloadavg()[0]:.1f} ==")
    report(compare(READY, runs))
    print("== Ready fast: Qt-loop stalls in the window while the model loads, generates and is first inspected ==")
    report(compare(WINDOW, runs))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
