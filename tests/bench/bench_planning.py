"""Planning benchmarks: exact-model search speed, the embedded model as a world model and as a
policy with and without search, and the tree view's frame rate at 5,000 nodes.

`python -m tests.bench planning`. AGORA_BENCH_PLAN_WM (default 100 transitions),
AGORA_BENCH_PLAN_INSTANCES (default 20) and AGORA_BENCH_PLAN_EXPANSIONS (default 60 per
search) shrink the embedded-model parts on a slow machine; AGORA_BENCH_PLAN_SKIP_GREEDY=1 skips
the no-search baseline when only the search half needs re-measuring.
"""

from __future__ import annotations

import asyncio
import os
import random
import time

from agents.events import PlanFinished, PlanNodeCreated
from agents.planning.envs import make_env
from agents.planning.model_calls import Meter
from agents.planning.run import PlanConfig, PlanRun
from agents.planning.search.tree import Budget
from agents.planning.world_model import LLMWorldModel

BLOCKS = 3  # the smallest PlanBench size keeps the embedded model's prompts and answers short


async def _run(config: PlanConfig, provider=None) -> tuple[PlanFinished, int, float]:
    started, nodes, done = time.perf_counter(), 0, None
    async for event in PlanRun(config, provider).run_stream():
        nodes += isinstance(event, PlanNodeCreated)
        done = event if isinstance(event, PlanFinished) else done
    return done, nodes, time.perf_counter() - started


def exact_speed() -> None:
    for env, algo, seed in (
        ("blocksworld", "mcts", 2),
        ("blocksworld", "beam", 2),
        ("game24", "mcts", 1),
        ("maze", "dfs", 0),
    ):
        options = {"n_blocks": 6} if env == "blocksworld" else {}
        config = PlanConfig(
            env=env, seed=seed, algo=algo, budget=Budget(max_expansions=3000, beam_width=50), env_options=options
        )
        done, nodes, elapsed = asyncio.run(_run(config))
        m = done.metrics
        print(
            f"exact world model  {env:11s} {algo:4s}: {nodes:6d} nodes in {m['elapsed_s']:6.3f} s = {m['nodes_per_s']:8.0f} nodes/s "
            f"(events included; goal >= 10,000/s; {elapsed - m['elapsed_s']:.2f} s more for the exact solver's set-up) · "
            f"solved {done.success}, length {m['plan_length']} / optimal {m['optimal_length']}"
        )


def transitions(count: int) -> list:
    """(env, state, action, true next state) along seeded random walks over 3-block instances."""
    rng, out, seed = random.Random(0), [], 0
    while len(out) < count:
        env = make_env("blocksworld", seed, n_blocks=BLOCKS)
        state = env.initial
        for _ in range(4):
            action, nxt = rng.choice(sorted(env.successors(state).items()))
            out.append((env, state, action, nxt))
            state = nxt
        seed += 1
    return out[:count]


async def world_model_accuracy(provider, count: int) -> None:
    meter, exact, parsed, started = Meter(), 0, 0, time.perf_counter()
    for index, (env, state, action, nxt) in enumerate(transitions(count), 1):
        predicted, info = await LLMWorldModel(env, provider, meter).step(state, action)
        parsed += info.parsed
        exact += predicted == nxt
        if index % 10 == 0:
            print(
                f"  ... {index}/{count}: {exact} right, {parsed} parsed, {time.perf_counter() - started:.0f} s",
                flush=True,
            )
    elapsed = time.perf_counter() - started
    print(
        f"embedded model as world model: {exact}/{count} Blocksworld ({BLOCKS} blocks) next states exactly right = {exact / count:.0%} "
        f"({parsed / count:.0%} parsed) · {elapsed / count:.1f} s per step · reference: GPT-4 28% on PlanBench",
        flush=True,
    )


async def success_with_and_without_search(provider, count: int) -> None:
    # Expansions, not seconds, bound these runs: a busy machine must not change the outcome.
    greedy = Budget(beam_width=1, branching=1, max_depth=12, max_expansions=40, max_real_steps=12, max_seconds=1e9)
    search = Budget(
        beam_width=3,
        branching=3,
        max_depth=12,
        max_expansions=int(os.environ.get("AGORA_BENCH_PLAN_EXPANSIONS", 60)),
        max_real_steps=12,
        max_seconds=1e9,
    )
    runs = (
        ("without search (greedy: the model's top action)", "beam", greedy),
        ("with search (beam 3 over the model's top 3 actions)", "beam", search),
    )
    for label, algo, budget in runs[1:] if os.environ.get("AGORA_BENCH_PLAN_SKIP_GREEDY") else runs:
        solved, calls, started = 0, 0, time.perf_counter()
        for seed in range(count):
            config = PlanConfig(
                env="blocksworld", seed=seed, algo=algo, policy="llm", budget=budget, env_options={"n_blocks": BLOCKS}
            )
            done, _nodes, _elapsed = await _run(config, provider)
            solved += done.success
            calls += done.metrics["model_calls"]
            print(
                f"  ... seed {seed}: {'solved' if done.success else 'not solved'} ({done.reason}) in {done.metrics['plan_length']} steps, "
                f"optimal {done.metrics['optimal_length']}, {done.metrics['model_calls']} model calls",
                flush=True,
            )
        print(
            f"embedded model {label}: solved {solved}/{count} Blocksworld ({BLOCKS} blocks) · {calls} model calls · "
            f"{time.perf_counter() - started:.0f} s (exact world model, heuristic values)",
            flush=True,
        )


def embedded_parts() -> None:
    from agents.llm.providers import open_provider
    from agents.settings import LocalSettings, Settings

    async def go():
        provider = await open_provider("local", Settings(local=LocalSettings(device="auto", context_tokens=2048)))
        await success_with_and_without_search(provider, int(os.environ.get("AGORA_BENCH_PLAN_INSTANCES", 20)))
        await world_model_accuracy(provider, int(os.environ.get("AGORA_BENCH_PLAN_WM", 100)))

    asyncio.run(go())


def tree_frame_rate() -> None:
    from tests.bench.planning_view import frame_rate

    frame_rate()


def main(skip_cold: bool = False) -> None:
    exact_speed()
    tree_frame_rate()
    embedded_parts()
