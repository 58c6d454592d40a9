"""Team benchmarks: orchestration overhead per message; simultaneous vs sequential rounds.

Run with `make bench` (or `python -m tests.bench teams`).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams
from agents.llm.providers import open_provider
from agents.llm.scripted import ScriptedProvider
from agents.session.store import SessionWriter, recorded
from agents.settings import LocalSettings, Settings
from agents.spec import parse_team
from agents.teams.run import TeamRun

REPLY = " ".join(["word"] * 40)
DEBATERS = [{"name": f"D{i}", "role": "debater", "max_tokens": 48, "temperature": 0.7} for i in range(4)]


async def _raw_stream_s(provider: ScriptedProvider, messages: int) -> float:
    started = time.perf_counter()
    for _ in range(messages):
        request = CompletionRequest(messages=(ChatMessage(role="user", content="go"),), params=GenerationParams())
        async for _event in provider.stream(request):
            pass
    return time.perf_counter() - started


async def _team_s(messages: int, folder: Path) -> float:
    spec = parse_team(
        {
            "name": "bench",
            "agents": [{"name": "A"}, {"name": "B"}],
            "protocol": {"kind": "round_robin", "max_rounds": messages // 2},
        }
    )
    providers = {name: ScriptedProvider(lambda request: REPLY, name=name) for name in ("A", "B")}
    run = TeamRun(spec, providers)
    started = time.perf_counter()
    async for _event in recorded(run.run_stream("task"), SessionWriter("bench", folder / "bench.jsonl")):
        pass
    return time.perf_counter() - started


def orchestration_overhead(messages: int = 200) -> None:
    print(f"== Teams: orchestration overhead ({messages} messages of 40 words, instant provider) ==")
    raw = asyncio.run(_raw_stream_s(ScriptedProvider(lambda request: REPLY), messages))
    with tempfile.TemporaryDirectory() as folder:
        team = asyncio.run(_team_s(messages, Path(folder)))
    per_raw, per_team = raw / messages * 1000, team / messages * 1000
    print(
        f"provider alone: {per_raw:.2f} ms/message; team run + session log (fsync each message): {per_team:.2f} ms/message"
    )
    print(f"overhead per message: {per_team - per_raw:.2f} ms; team / provider alone: {team / raw:.1f}x")


async def _round_s(providers: dict, order: str) -> float:
    spec = parse_team(
        {
            "name": "bench",
            "agents": DEBATERS,
            "protocol": {
                "kind": "debate",
                "turn_order": order,
                "aggregate": "majority_vote",
                "max_rounds": 1,
                "stop_on_consensus": False,
            },
        }
    )
    started = time.perf_counter()
    async for _event in TeamRun(spec, providers, seed=0).run_stream("Name a colour and explain your choice."):
        pass
    return time.perf_counter() - started


async def _simultaneous_vs_sequential(ref: str, settings: Settings) -> tuple[float, float]:
    provider = await open_provider(ref, settings)
    providers = {d["name"]: provider for d in DEBATERS}
    await _round_s(providers, "sequential")  # warm-up
    sequential = await _round_s(providers, "sequential")
    simultaneous = await _round_s(providers, "simultaneous")
    await provider.aclose()
    return sequential, simultaneous


def simultaneous_rounds() -> None:
    from tests.integration.conftest import LlamaServer

    print("== Teams: one round of 4 debaters (48 tokens each), simultaneous vs one after another ==")
    settings = Settings(local=LocalSettings(device="auto", context_tokens=2048))
    results = {"local (batched)": asyncio.run(_simultaneous_vs_sequential("local", settings))}
    from agents.llm.local_cache import embedded_gguf

    server = LlamaServer(embedded_gguf(lambda e: None, need_file=True)[0], api_key=None)
    try:
        ref = f"openai-compatible:{server.base_url}#gemma?api=completions&timeout=300"
        results["llama.cpp server"] = asyncio.run(_simultaneous_vs_sequential(ref, Settings()))
    finally:
        server.stop()
    for name, (sequential, simultaneous) in results.items():
        print(
            f"{name:18s} sequential {sequential:6.1f} s  simultaneous {simultaneous:6.1f} s  ratio {simultaneous / sequential:.2f}"
        )


def main(skip_cold: bool = False) -> None:
    orchestration_overhead()
    simultaneous_rounds()
