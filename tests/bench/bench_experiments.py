"""Experiment benchmarks: harness overhead per item with an instant provider (goal < 5 ms),
and items/s against a llama.cpp server at concurrency 1, 4, 8 as a ratio of the server's
own throughput for the same requests sent directly (goal >= 0.9).

Run with `python -m tests.bench experiments`.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from agents.events import MessageCompleted
from agents.experiments.config import ExperimentConfig, TaskSource
from agents.experiments.job import ItemJob, sample_requests
from agents.experiments.methods import parse_method
from agents.experiments.runner import ExperimentRun
from agents.experiments.store import read_rows
from agents.experiments.tasks import generate
from agents.experiments.units import load_items, plan_units
from agents.llm.base import Provider
from agents.llm.scripted import ScriptedProvider
from agents.session.store_file import DurableFile
from agents.settings import Settings

REPLY = "Let me compute it step by step. " * 4 + "Answer: 42"


async def _direct(provider: Provider, config: ExperimentConfig) -> tuple[float, int]:
    """The same requests the experiment sends, straight to the provider, ``concurrency`` at a
    time: (seconds, completion tokens)."""
    items = load_items(config)
    units = plan_units(config, items, [parse_method(config.methods[0])])
    queue = [r for unit in units for r in sample_requests(unit.job(config))]
    tokens = 0

    async def worker() -> None:
        nonlocal tokens
        while queue:
            async for event in provider.stream(queue.pop(0)):
                if isinstance(event, MessageCompleted):
                    tokens += event.usage.completion_tokens

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(config.concurrency)))
    return time.perf_counter() - started, tokens


async def _experiment_s(provider: Provider, config: ExperimentConfig, folder: Path) -> float:
    return (await _experiment(provider, config, folder))[0]


async def _experiment(provider: Provider, config: ExperimentConfig, folder: Path) -> tuple[float, int]:
    """The whole experiment through the harness: (seconds, completion tokens of its rows)."""
    run = ExperimentRun(folder, config, Settings(), providers={config.models[0]: provider})
    started = time.perf_counter()
    async for _event in run.events():
        pass
    elapsed = time.perf_counter() - started
    return elapsed, sum(row.completion_tokens for row in read_rows(folder))


def harness_overhead(n: int = 300) -> None:
    """In memory (tmpfs, where fsync is free: what the orchestration itself costs) and on disk
    (what a user sees: a session and a results row made durable per item), the latter both
    ways side by side: fsync awaited off the loop (the store) and blocking on it (as before)."""
    memory = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    print(f"== Experiments: harness overhead per item ({n} items, instant provider) ==")
    for method, concurrency in (("single", 1), ("single", 8), ("debate3x2", 8)):
        if memory is not None:
            _overhead_line("tmpfs", memory, method, concurrency, n)
        off = _overhead_line("disk", None, method, concurrency, n)
        with _fsync_on_the_loop():
            on = _overhead_line("disk, fsync on the loop", None, method, concurrency, n)
        print(f"   -> fsync off the loop is {on / off:.2f}x the throughput of fsync on it")


def _overhead_line(where: str, base: Path | None, method: str, concurrency: int, n: int) -> float:
    """Print one measurement; return the whole time per item in seconds."""
    config = ExperimentConfig(tasks=TaskSource(n=n), methods=(method,), models=("scripted",), concurrency=concurrency)
    provider = ScriptedProvider(lambda request: REPLY)
    with tempfile.TemporaryDirectory(dir=base) as folder:
        total = asyncio.run(_experiment_s(provider, config, Path(folder) / "exp"))
    calls = len(provider.requests)
    raw = asyncio.run(_raw_calls_s(calls))
    print(
        f"{where:24s} {method:10s} concurrency {concurrency}: {total / n * 1000:6.2f} ms/item in all, provider "
        f"alone {raw / n * 1000:5.2f} -> harness {(total - raw) / n * 1000:5.2f} ms/item ({calls / n:.0f} calls/item)"
    )
    return total / n


@contextmanager
def _fsync_on_the_loop() -> Iterator[None]:
    """The store as it was: every durable write blocks the event loop on its fsync."""
    original = DurableFile.on_disk

    def blocking(self: DurableFile) -> asyncio.Future[None]:
        self.sync()
        return original(self)  # already done

    DurableFile.on_disk = blocking  # type: ignore[method-assign]
    try:
        yield
    finally:
        DurableFile.on_disk = original  # type: ignore[method-assign]


async def _raw_calls_s(calls: int) -> float:
    provider = ScriptedProvider(lambda request: REPLY)
    job = ItemJob(generate("arithmetic", 1)[0], parse_method("cot"), ("scripted",), "", seed=0)
    request = sample_requests(job)[0]
    started = time.perf_counter()
    for _ in range(calls):
        async for _event in provider.stream(request):
            pass
    return time.perf_counter() - started


def server_throughput(n: int = 24, concurrencies: tuple[int, ...] = (1, 4, 8)) -> None:
    """Side by side in one run against one server: at each concurrency, the n items' requests
    sent directly and through the experiment, in the order direct, experiment, experiment,
    direct, so a machine load that drifts during the run weighs on both alike."""
    from agents.llm.local_cache import embedded_gguf
    from tests.integration.conftest import LlamaServer

    print(f"== Experiments: items/s against llama.cpp ({n} arithmetic items, method single), harness vs direct ==")
    server = LlamaServer(
        embedded_gguf(lambda e: None, need_file=True)[0], api_key=None, logits_all=False, interrupt_requests=False
    )
    try:
        ref = f"openai-compatible:{server.base_url}#gemma?api=completions&timeout=300"
        for concurrency in concurrencies:
            config = ExperimentConfig(
                tasks=TaskSource(n=n), methods=("single",), models=(ref,), concurrency=concurrency
            )
            passes = asyncio.run(_side_by_side(ref, config))
            direct, harness = passes["direct"], passes["experiment"]
            print(
                f"concurrency {concurrency}: direct {2 * n / direct.seconds:5.2f} items/s, "
                f"experiment {2 * n / harness.seconds:5.2f} items/s, ratio {direct.seconds / harness.seconds:.2f} "
                f"(goal >= 0.9); client CPU {direct.cpu_s / (2 * n) * 1000:.0f} vs {harness.cpu_s / (2 * n) * 1000:.0f} "
                f"ms/item; completion tokens {direct.tokens} vs {harness.tokens}"
            )
    finally:
        server.stop()


@dataclass
class _Passes:
    """Two passes of one kind added up. The client's CPU time matters on a small machine:
    whatever the harness burns, the server on the same cores does not get."""

    seconds: float = 0.0
    tokens: int = 0
    cpu_s: float = 0.0


async def _side_by_side(ref: str, config: ExperimentConfig) -> dict[str, _Passes]:
    """Two direct and two experiment passes, interleaved; one loop, one client."""
    from agents.llm.openai_compat import OpenAICompatProvider
    from agents.llm.refs import OpenAIRef, parse_model_ref

    parsed = parse_model_ref(ref)
    assert isinstance(parsed, OpenAIRef)
    provider = OpenAICompatProvider(parsed)
    passes = {"direct": _Passes(), "experiment": _Passes()}
    try:
        await _direct(provider, config.model_copy(update={"tasks": TaskSource(n=2)}))  # warm-up
        for kind in ("direct", "experiment", "experiment", "direct"):
            cpu = time.process_time()
            with tempfile.TemporaryDirectory() as folder:
                if kind == "direct":
                    seconds, tokens = await _direct(provider, config)
                else:
                    seconds, tokens = await _experiment(provider, config, Path(folder) / "exp")
            total = passes[kind]
            total.seconds, total.tokens = total.seconds + seconds, total.tokens + tokens
            total.cpu_s += time.process_time() - cpu
    finally:
        await provider.aclose()
    return passes


def main(skip_cold: bool = False) -> None:
    harness_overhead()
    server_throughput()


if __name__ == "__main__":  # one part, another size: python -m tests.bench.bench_experiments server --n 48
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_experiments")
    parser.add_argument("part", choices=("overhead", "server"))
    parser.add_argument("--n", type=int, default=None, help="items per pass")
    parser.add_argument("--concurrency", default="1,4,8", help="server: comma-separated concurrencies")
    args = parser.parse_args()
    if args.part == "overhead":
        harness_overhead(args.n or 300)
    else:
        server_throughput(args.n or 24, tuple(int(c) for c in args.concurrency.split(",")))
