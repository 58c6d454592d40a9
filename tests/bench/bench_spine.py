"""Spine benchmarks: model load to the first token, sampling cost, local vs llama.cpp tokens/s, prefix caching, fidelity, cancel.

Run with `make bench` (or `python -m tests.bench spine`). Prints numbers and ratios measured
in one run on this machine, the engines interleaved run by run (the machine may be shared, so
side by side is the only fair comparison); nothing here passes or fails.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from agents.events import MessageCompleted, TokenDelta
from agents.llm.base import CancelToken, ChatMessage, CompletionRequest, GenerationParams
from agents.llm.local import LocalProvider
from agents.llm.providers import open_provider
from agents.settings import LocalSettings, Settings
from tests.bench.ready_proof import READY

PROMPT = "Write a long, detailed essay about the history of sailing ships."
# About 300 tokens, so that prefill is measured on more than a handful of tokens.
LONG_CONTEXT = " ".join(
    f"Ship {n} sailed from port {n * 7 % 13} carrying {n * 3} barrels of oil and {n + 4} sailors." for n in range(20)
)
FIDELITY_TEXT = (
    "The history of sailing ships begins with reed boats on the Nile. Over centuries, shipwrights "
    "learned to build larger hulls, and sails grew from single squares to complex rigs that could "
    "sail against the wind. Trade, exploration and war all depended on them."
)


def timed_ready(cache_dir: str | None, pythonpath: str | None = None) -> dict[str, float]:
    """Seconds from process start to a ready provider, its first token and its transformers copy
    loaded, and the longest GIL holds (tests/bench/ready_proof.py)."""
    env = dict(os.environ)
    if cache_dir:
        env["AGORA_LAB_CACHE_DIR"] = cache_dir
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    out = subprocess.run([sys.executable, "-c", READY], env=env, capture_output=True, text=True, check=True)
    marks = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"    ready {marks['ready']:.1f} s, first token {marks['first_token']:.1f} s, weights in {marks['weights']:.1f} s;"
        f" longest GIL hold {marks['gil_ms_to_ready']:.0f} ms to ready, {marks['gil_ms_after_ready']:.0f} ms after"
    )
    return marks


RUNS = 3


def request(max_tokens: int, seed: int = 0, context: str = "") -> CompletionRequest:
    # A different first line per run: no engine may serve the prompt from its cache.
    text = f"Run {seed}. {context}\n{PROMPT}" if context else f"Run {seed}. {PROMPT}"
    return CompletionRequest(
        messages=(ChatMessage(role="user", content=text),),
        params=GenerationParams(max_tokens=max_tokens, temperature=0.8, seed=seed),
        speaker="Writer",
    )


@dataclasses.dataclass
class Rates:
    decode_tokens: int = 0
    decode_s: float = 0.0
    prompt_tokens: int = 0
    prefill_s: float = 0.0

    def add_decode(self, done: MessageCompleted) -> None:
        self.decode_tokens += max(0, done.usage.completion_tokens - 1)
        self.decode_s += done.latency_s - (done.first_token_s or 0.0)

    def add_prefill(self, done: MessageCompleted) -> None:
        self.prompt_tokens += done.usage.prompt_tokens
        self.prefill_s += done.first_token_s or done.latency_s

    @property
    def decode(self) -> float:
        return self.decode_tokens / max(self.decode_s, 1e-9)

    @property
    def prefill(self) -> float:
        return self.prompt_tokens / max(self.prefill_s, 1e-9)


async def one_run(provider, rates: Rates, seed: int) -> None:
    done = [e async for e in provider.stream(request(128, seed))][-1]
    assert isinstance(done, MessageCompleted) and done.finish_reason != "error", done
    rates.add_decode(done)
    done = [e async for e in provider.stream(request(1, seed + 100, LONG_CONTEXT))][-1]
    assert isinstance(done, MessageCompleted) and done.finish_reason != "error", done
    rates.add_prefill(done)


async def throughput(engines: dict[str, object]) -> dict[str, Rates]:
    rates = {name: Rates() for name in engines}
    for seed in range(RUNS):  # interleaved: a burst of load hits every engine alike
        for name, provider in engines.items():
            await one_run(provider, rates[name], seed)
    return rates


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
            if isinstance(event, MessageCompleted) and asked:  # a reply over before its 5th token times nothing
                latencies.append((time.perf_counter() - asked) * 1000)
    return latencies


def debate_turn(history: int, speaker: str) -> CompletionRequest:
    """A round-3-like turn: persona, task, ``history`` earlier turns, the speaker's cue."""
    turns = [
        ChatMessage(
            role="assistant", name=("Affirmative", "Negative")[i % 2], content=f"Turn {i}: " + LONG_CONTEXT[:240]
        )
        for i in range(history)
    ]
    messages = (
        ChatMessage(role="system", content="A debate between two debaters, refereed by a judge."),
        ChatMessage(role="user", content="Is 17 a prime number?"),
        *turns,
    )
    return CompletionRequest(
        messages=messages, params=GenerationParams(max_tokens=32, temperature=0.0), speaker=speaker
    )


async def prefix_cache_turns(provider: LocalProvider) -> tuple[float, float]:
    """Seconds for round 3's turns (5 and 6 earlier turns), cache warm from the earlier turns vs cold."""
    engine = provider.loaded.engine
    warm, cold = [], []
    for history in (5, 6):
        speaker = ("Affirmative", "Negative")[history % 2]
        for earlier in range(history):  # the debate so far, as it would have run
            [e async for e in provider.stream(debate_turn(earlier, ("Affirmative", "Negative")[earlier % 2]))]
        warm.append([e async for e in provider.stream(debate_turn(history, speaker))][-1].latency_s)
        engine.forget()
        cold.append([e async for e in provider.stream(debate_turn(history, speaker))][-1].latency_s)
    return statistics.mean(warm), statistics.mean(cold)


def fidelity(provider: LocalProvider) -> tuple[float, float]:
    """Mean and max next-token KL(float32 transformers || llama.cpp) over a fixed text."""
    import torch

    loaded = provider.loaded
    ids = provider.encode(FIDELITY_TEXT)
    with torch.inference_mode():
        reference = loaded.model(input_ids=torch.tensor([ids])).logits[0].float()
    fast = torch.from_numpy(loaded.engine.all_logits(ids)).float()
    logp, logq = torch.log_softmax(reference, -1), torch.log_softmax(fast, -1)
    kl = (logp.exp() * (logp - logq)).sum(-1)
    return float(kl.mean()), float(kl.max())


async def local_providers() -> dict[str, LocalProvider]:
    settings = Settings(local=LocalSettings(device="cpu", dtype="float32", context_tokens=2048))
    engine = await open_provider("local", settings)
    assert isinstance(engine, LocalProvider)
    if engine.loaded.engine is None:
        print("    (llama-cpp-python is not installed: the local provider generates with transformers)")
        return {"local transformers": engine}
    torch_only = LocalProvider(dataclasses.replace(engine.loaded, engine=None))
    return {"local (llama.cpp)": engine, "local transformers": torch_only}


def main(skip_cold: bool = False) -> None:
    print("== Spine: model load (fresh process, to the first token) ==")
    if not skip_cold:
        with tempfile.TemporaryDirectory() as cold_cache:
            cold = timed_ready(cold_cache)["first_token"]
        print(f"cold start (assemble + convert + cache): {cold:.1f} s")
    warm = statistics.median(timed_ready(None)["first_token"] for _ in range(RUNS))
    print(f"warm start (cached weights), median of {RUNS}: {warm:.1f} s (goal: under 5 s)")
    if not skip_cold:
        print(f"cold / warm: {cold / warm:.1f}x")
    sampling_cost()
    asyncio.run(_generation())


def sampling_cost(vocab: int = 262_144, draws: int = 30) -> None:
    """Milliseconds per token to sample over Gemma 3's vocabulary: the numpy sampler the local
    provider uses against the torch.multinomial it replaced (one row, temperature 0.8)."""
    import numpy as np
    import torch

    from agents.llm.local_sampling import Sampler

    logits = (np.random.default_rng(0).standard_normal(vocab) * 3).astype(np.float32)
    logits[:40] += 12  # a peaked distribution, as a language model's is
    sampler, generator = Sampler(0.8, 1.0, 1.0, seed=0), torch.Generator().manual_seed(0)

    def torch_draw() -> int:
        probs = torch.softmax(torch.from_numpy(logits.copy()) / 0.8, dim=-1)
        return int(torch.multinomial(probs, 1, generator=generator).item())

    def per_token_ms(draw) -> float:
        started = time.perf_counter()
        for _ in range(draws):
            draw()
        return (time.perf_counter() - started) / draws * 1000

    print("== Spine: sampling one token over 262k logits (interleaved) ==")
    numpy_ms, torch_ms = [], []
    for _ in range(3):
        numpy_ms.append(per_token_ms(lambda: sampler(logits, ())))
        torch_ms.append(per_token_ms(torch_draw))
    print(
        f"numpy sampler {statistics.median(numpy_ms):.1f} ms, torch.multinomial {statistics.median(torch_ms):.1f} ms"
        f" ({torch.get_num_threads()} torch threads)"
    )


async def _generation() -> None:
    from agents.llm.local_cache import embedded_gguf

    print(f"== Spine: generation (same GGUF; {RUNS} x 128 tokens decode, {RUNS} x ~300-token prompts) ==")
    engines: dict[str, object] = dict(await local_providers())
    server = FairServer(embedded_gguf(lambda e: None, need_file=True)[0])
    ref = f"openai-compatible:{server.base_url}#gemma?api=completions&timeout=120"
    engines["llama.cpp server"] = await open_provider(ref, Settings())
    try:
        rates = await throughput(engines)
    finally:
        await engines["llama.cpp server"].aclose()
        server.stop()
    for name, r in rates.items():
        print(f"{name:20s} decode {r.decode:6.1f} tok/s   prefill {r.prefill:7.1f} tok/s")
    llama = rates["llama.cpp server"]
    for name, r in rates.items():
        if name != "llama.cpp server":
            print(
                f"{name} / llama.cpp server: decode {r.decode / llama.decode:.2f}, prefill {r.prefill / llama.prefill:.2f}"
            )
    fast = engines.get("local (llama.cpp)")
    if isinstance(fast, LocalProvider):
        print("== Spine: prefix caching (round 3 of a two-debater debate, 32 new tokens per turn) ==")
        warm_s, cold_s = await prefix_cache_turns(fast)
        print(f"time per turn: cache {warm_s:.2f} s, no cache {cold_s:.2f} s ({cold_s / warm_s:.1f}x)")
        print("== Spine: fidelity (next-token KL, float32 transformers || llama.cpp, fixed text) ==")
        mean_kl, max_kl = fidelity(fast)
        print(f"KL mean {mean_kl:.4f} nats, max {max_kl:.4f}")
    print("== Spine: cancel latency (local, cancel after 5 tokens) ==")
    latencies = await cancel_latency_ms(next(iter(engines.values())))
    if latencies:
        print(
            f"cancel -> message closed: median {statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms "
            f"({len(latencies)} of 5 replies reached their 5th token)"
        )
    else:
        print("cancel -> message closed: no reply reached its 5th token")


def _fair_server_class():
    """The integration tests' server without --logits_all (which slows its prefill) and without a key."""
    from functools import partial

    from tests.integration.conftest import LlamaServer

    return partial(LlamaServer, api_key=None, logits_all=False)


def FairServer(gguf):
    return _fair_server_class()(gguf)
