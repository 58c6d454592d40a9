"""Memory benchmarks: read latency at 1k / 10k / 100k memories (goal: < 10 ms at 10k with BM25),
write throughput, and the share of a turn spent in memory with an instant provider.

Run with `python -m tests.bench memory` (`--skip-cold` skips the 100k store).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from agents.llm.base import ChatMessage, CompletionRequest
from agents.llm.scripted import ScriptedProvider
from agents.memory.agent_memory import AgentMemory
from agents.memory.read import OwnerIndex, retrieve
from agents.memory.records import Memory, MemoryConfig
from agents.memory.store import MemoryStore
from agents.spec import parse_team
from agents.teams.run import TeamRun

NOW = time.time()
NAMES = ["Canberra", "Alice", "Bob", "Python", "Rust", "Paris", "Game of 24", "Blocksworld", "Carol", "Dave"]


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    return [
        "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 4)))
        for _ in range(size)
    ]


def _sentence(rng: random.Random, words: list[str]) -> str:
    # Zipf-like word choice: a few common words, a long tail, as in real notes.
    body = [words[min(int(rng.paretovariate(1.1)) - 1, len(words) - 1)] for _ in range(rng.randint(8, 20))]
    body.insert(rng.randrange(len(body)), rng.choice(NAMES))
    return " ".join(body).capitalize() + "."


def _store(folder: Path, n: int, rng: random.Random, words: list[str]) -> MemoryStore:
    store = MemoryStore(folder / f"m{n}.db")
    memories = [
        Memory(
            agent="A",
            text=_sentence(rng, words),
            importance=rng.randint(1, 10),
            created=NOW - rng.uniform(0, 30 * 24 * 3600),
        )
        for _ in range(n)
    ]
    store.add_many(memories)
    return store


def read_latency(sizes: tuple[int, ...]) -> None:
    print("== Memory: read latency (retrieve k=5 within 400 tokens, touch included) ==")
    rng = random.Random(0)
    words = _vocabulary(rng)
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            store = _store(Path(folder), n, rng, words)
            started = time.perf_counter()
            index = OwnerIndex(store, "A")
            load_s = time.perf_counter() - started
            queries = [_sentence(rng, words) for _ in range(60)]
            for use_graph in (False, True):
                times = []
                for query in queries:
                    started = time.perf_counter()
                    retrieve(index, query, k=5, token_budget=400, now=NOW, use_graph=use_graph)
                    times.append((time.perf_counter() - started) * 1000)
                times.sort()
                label = "BM25 + graph" if use_graph else "BM25        "
                print(
                    f"{n:>7,} memories  {label}  p50 {statistics.median(times):7.2f} ms  p95 {times[int(len(times) * 0.95)]:7.2f} ms"
                    f"  (index load {load_s:.2f} s)"
                )
            store.close()


async def _writes(memory: AgentMemory, turns: list[str]) -> tuple[float, int]:
    started, added = time.perf_counter(), 0
    for turn in turns:
        async for event in memory.write(turn, "m"):
            added += getattr(event, "op", "") == "ADD"
    return time.perf_counter() - started, added


def write_throughput(n: int = 300) -> None:
    print(f"== Memory: write throughput ({n} turns) ==")
    rng = random.Random(1)
    words = _vocabulary(rng)
    turns = [" ".join(_sentence(rng, words) for _ in range(3)) for _ in range(n)]
    with tempfile.TemporaryDirectory() as folder:
        store = MemoryStore(Path(folder) / "w.db")
        started = time.perf_counter()
        for turn in turns:
            store.add(Memory(agent="raw", text=turn))
        raw = time.perf_counter() - started
        rules, rules_added = asyncio.run(
            _writes(AgentMemory(store, "rules", MemoryConfig(write_policy="rules", reflect_every=0)), turns)
        )
        provider = ScriptedProvider(
            lambda request: "ADD 6 | " + request.messages[1].content.split("Conversation:\n")[1][:120]
        )
        model, model_added = asyncio.run(
            _writes(AgentMemory(store, "model", MemoryConfig(reflect_every=0), provider=provider), turns)
        )
        store.close()
    print(
        f"store.add: {n / raw:7.0f} memories/s · write step, rules: {n / rules:6.0f} turns/s ({rules_added} ADDs) · "
        f"write step, instant model: {n / model:6.0f} turns/s ({model_added} ADDs)"
    )


async def _turns(
    memory: AgentMemory | None, provider: ScriptedProvider, n: int, rng: random.Random, words: list[str]
) -> tuple[float, float]:
    in_memory = 0.0
    started = time.perf_counter()
    for _ in range(n):
        task = _sentence(rng, words)
        if memory is not None:
            t0 = time.perf_counter()
            memory.read(task)
            in_memory += time.perf_counter() - t0
        request = CompletionRequest(messages=(ChatMessage(role="user", content=task),))
        text = ""
        async for event in provider.stream(request):
            text = getattr(event, "text", text)
        if memory is not None:
            t0 = time.perf_counter()
            async for _event in memory.write(text, request.message_id):
                pass
            in_memory += time.perf_counter() - t0
    return time.perf_counter() - started, in_memory


def turn_share(n: int = 200, stored: int = 10_000) -> None:
    print(
        f"== Memory: share of a turn spent in memory ({n} turns, instant provider, {stored:,} memories, rules writes) =="
    )
    rng = random.Random(2)
    words = _vocabulary(rng)
    reply = " ".join(["word"] * 40) + ". The answer is 42 because it always is."
    with tempfile.TemporaryDirectory() as folder:
        store = _store(Path(folder), stored, rng, words)
        memory = AgentMemory(store, "A", MemoryConfig(write_policy="rules", reflect_every=0))
        total, spent = asyncio.run(_turns(memory, ScriptedProvider(lambda r: reply), n, rng, words))
        bare, _ = asyncio.run(_turns(None, ScriptedProvider(lambda r: reply), n, rng, words))
        store.close()
    print(
        f"turn with memory {total / n * 1000:.2f} ms, without {bare / n * 1000:.2f} ms; "
        f"memory share {spent / total:.0%} ({spent / n * 1000:.2f} ms/turn)"
    )


async def _team_run_s(memory: dict | None, messages: int) -> float:
    agent = {"name": "A", **({"memory": memory} if memory else {})}
    spec = parse_team(
        {
            "name": "bench",
            "agents": [agent, {"name": "B"}],
            "protocol": {"kind": "round_robin", "max_rounds": messages // 2},
        }
    )
    reply = " ".join(["word"] * 40) + ". The answer is 42 because it always is."
    providers = {name: ScriptedProvider(lambda request: reply, name=name) for name in ("A", "B")}
    started = time.perf_counter()
    async for _event in TeamRun(spec, providers).run_stream("Share what you know about Canberra."):
        pass
    return time.perf_counter() - started


def team_share(messages: int = 200) -> None:
    print(f"== Memory: a team's time in memory ({messages} messages, instant provider, memory on one of two agents) ==")
    saved = os.environ.get("AGORA_LAB_DATA_DIR")
    try:
        with tempfile.TemporaryDirectory() as folder:
            os.environ["AGORA_LAB_DATA_DIR"] = folder  # a fresh store, never the user's
            bare = asyncio.run(_team_run_s(None, messages))
            rules = asyncio.run(_team_run_s({"enabled": True, "write_policy": "rules", "reflect_every": 10}, messages))
    finally:
        if saved is None:
            os.environ.pop("AGORA_LAB_DATA_DIR", None)
        else:
            os.environ["AGORA_LAB_DATA_DIR"] = saved
    print(
        f"without memory {bare / messages * 1000:.2f} ms/message · with memory (rules writes, reflect every 10) "
        f"{rules / messages * 1000:.2f} ms/message · memory's share {(rules - bare) / rules:.0%}"
    )


def main(skip_cold: bool = False) -> None:
    read_latency((1_000, 10_000) if skip_cold else (1_000, 10_000, 100_000))
    write_throughput()
    turn_share()
    team_share()


if __name__ == "__main__":
    main()
