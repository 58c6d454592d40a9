"""Spine benchmarks: model load (cold and warm), local vs llama.cpp tokens/s, cancel latency.

Run with `make bench` (or `python -m tests.bench spine`). Prints numbers and ratios measured
in one run on this machine; nothing here passes or fails.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time

from agents.events import MessageCompleted, TokenDelta
from agents.llm.base import CancelToken, ChatMessage, CompletionRequest, GenerationParams
from agents.llm.providers import open_provider
from agents.settings import LocalSettings, Settings

PROMPT = "Write a long, detailed essay about the history of sailing ships."
LOAD_SNIPPET = (
    "import asyncio, time; t=time.perf_counter();"
    "from agents.llm.providers import open_provider;"
    "asyncio.run(open_provider('local')); print(time.perf_counter()-t)"
)


def timed_load(cache_dir: str | None) -> float:
    """Seconds from process start of the load (imports included) to a ready provider."""
    env = dict(os.environ)
    if cache_dir:
        env["AGORA_LAB_CACHE_DIR"] = cache_dir
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", LOAD_SNIPPET], env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    print(f"    (in-process load {float(out.stdout.strip().splitlines()[-1]):.1f} s, whole process {wall:.1f} s)")
    return wall


def request(max_tokens: int, seed: int = 0) -> CompletionRequest:
    return CompletionRequest(
        messages=(ChatMessage(role="user", content=PROMPT),),
        params=GenerationParams(max_tokens=max_tokens, temperature=0.8, seed=seed),
        speaker="Writer",
    )


async def tokens_per_second(provider, runs: int = 3, max_tokens: int = 128) -> tuple[float, float]:
    """(decode tokens/s after the first token, end-to-end tokens/s) over several runs."""
    tokens, total, decode = 0, 0.0, 0.0
    for seed in range(runs):
        done = [e async for e in provider.stream(request(max_tokens, seed))][-1]
        assert isinstance(done, MessageCompleted), done
        tokens += done.usage.completion_tokens
        total += done.latency_s
        decode += done.latency_s - (done.first_token_s or 0.0)
    return tokens / max(decode, 1e-9), tokens / max(total, 1e-9)


async def cancel_latency_ms(provider, trials: int = 5) -> list[float]:
    latencies = []
    for seed in range(trials):
        cancel = CancelToken()
        count, asked = 0, 0.0
        async for event in provider.stream(request(400, seed), cancel):
            if isinstance(event, TokenDelta):
                count += 1
                if count == 5:
                    asked = time.perf_counter()
                    cancel.cancel()
            if isinstance(event, MessageCompleted):
                latencies.append((time.perf_counter() - asked) * 1000)
    return latencies


async def local_numbers(dtype: str) -> tuple[float, float]:
    settings = Settings(local=LocalSettings(device="auto", dtype=dtype, context_tokens=2048))
    provider = await open_provider("local", settings)
    return await tokens_per_second(provider)


async def server_numbers(base_url: str) -> tuple[float, float]:
    ref = f"openai-compatible:{base_url}#gemma?api=completions&timeout=120"
    provider = await open_provider(ref, Settings())
    try:
        return await tokens_per_second(provider)
    finally:
        await provider.aclose()


def main(skip_cold: bool = False) -> None:
    from tests.integration.conftest import LlamaServer

    print("== Spine: model load ==")
    if not skip_cold:
        with tempfile.TemporaryDirectory() as cold_cache:
            cold = timed_load(cold_cache)
        print(f"cold start (assemble + convert + cache): {cold:.1f} s")
    warm = timed_load(None)
    print(f"warm start (cached weights):             {warm:.1f} s")
    if not skip_cold:
        print(f"cold / warm: {cold / warm:.1f}x")

    print("== Spine: generation throughput (same GGUF, same prompt, 3 x 128 tokens) ==")
    fp32 = asyncio.run(local_numbers("float32"))
    bf16 = asyncio.run(local_numbers("bfloat16"))
    from agents.llm.local_cache import embedded_gguf

    gguf = embedded_gguf(lambda e: None, need_file=True)[0]
    server = LlamaServer(gguf, api_key=None)
    try:
        llama = asyncio.run(server_numbers(server.base_url))
    finally:
        server.stop()
    for name, (decode, overall) in (("local float32", fp32), ("local bfloat16", bf16), ("llama.cpp server", llama)):
        print(f"{name:18s} decode {decode:6.1f} tok/s   end-to-end {overall:6.1f} tok/s")
    print(f"local float32 / llama.cpp (decode): {fp32[0] / llama[0]:.2f}")
    print(f"local bfloat16 / local float32 (decode): {bf16[0] / fp32[0]:.2f}")

    print("== Spine: cancel latency (local, cancel after 5 tokens) ==")
    latencies = asyncio.run(_cancel())
    print(f"cancel -> message closed: median {statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms")


async def _cancel() -> list[float]:
    settings = Settings(local=LocalSettings(device="auto", context_tokens=2048))
    return await cancel_latency_ms(await open_provider("local", settings))
