"""The workflow proof: a team solves a Game of 24 instance, keeps the plan as a workflow memory,
and a later run on a similar instance reuses it with fewer model calls.

Three runs of the same team (a Planner with memory, searching with the model as its policy over
the exact simulator, and a Critic), each a new session:

1. instance A, empty memory: the planner searches, reaches 24, keeps the plan as a workflow;
2. instance B, same store: the planner reads the workflow (a ``memory_read`` event says which)
   and its steps lead the search; the model is not asked in a state where one applies;
3. instance B again, without memory: the baseline for run 2.

Model calls are counted from the events: the search's (``plan_finished`` metrics), the other
agents' messages and memory's own (``memory_model_call``).

    python -m tests.bench.workflow_proof --model local
    python -m tests.bench.workflow_proof --model openai-compatible:http://127.0.0.1:8080/v1#m
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from agents.events import Event, MessageCompleted, PlanFinished, PlanStarted
from agents.llm.base import Provider
from agents.llm.providers import open_provider
from agents.memory.events import MemoryModelCall, MemoryRead, MemoryReflected
from agents.spec import TeamSpec, parse_team
from agents.teams.run import TeamRun

PAIRS = (("1 2 3 4", "1 2 3 5"), ("4 7 8 8", "8 4 8 7"), ("2 3 4 6", "2 3 4 8"))
MEMORY = {"enabled": True, "write_policy": "rules", "reflect_every": 0, "read_k": 3}


def team(memory: bool, model: str = "local") -> TeamSpec:
    planner: dict = {"name": "Planner", "role": "planner", "persona": "Search with mcts.", "model": model}
    if memory:
        planner["memory"] = MEMORY
    critic = {"name": "Critic", "role": "critic", "persona": "Check the plan in one line.", "model": model}
    critic["max_tokens"] = 32  # one line; the same in every run
    return parse_team(
        {
            "name": "workflow proof",
            "agents": [planner, critic],
            "protocol": {"kind": "round_robin", "max_rounds": 1},
        }
    )


def task(numbers: str) -> str:
    # A generous time budget: the counts must not depend on how busy the machine is.
    return f"Plan the game of 24 with numbers {numbers}, using the llm policy, within 3600 seconds."


@dataclass(frozen=True)
class Counts:
    numbers: str
    memory: bool
    solved: bool
    plan: tuple[str, ...]
    planning_calls: int
    message_calls: int
    memory_calls: int
    tokens: int
    workflows_read: int
    workflow_kept: bool
    policy: str

    @property
    def model_calls(self) -> int:
        return self.planning_calls + self.message_calls + self.memory_calls


def count(numbers: str, memory: bool, events: Sequence[Event]) -> Counts:
    done = next((e for e in events if isinstance(e, PlanFinished)), None)
    messages = [e for e in events if isinstance(e, MessageCompleted) and e.agent != "Planner"]
    calls = [e for e in events if isinstance(e, MemoryModelCall)]
    reads = [e for e in events if isinstance(e, MemoryRead)]
    started = next((e for e in events if isinstance(e, PlanStarted)), None)
    metrics = done.metrics if done else {}
    tokens = int(metrics.get("tokens", 0)) + sum(
        e.usage.prompt_tokens + e.usage.completion_tokens for e in [*messages, *calls]
    )
    return Counts(
        numbers=numbers,
        memory=memory,
        solved=bool(done and done.success),
        plan=done.plan if done else (),
        planning_calls=int(metrics.get("model_calls", 0)),
        message_calls=len(messages),
        memory_calls=len(calls),
        tokens=tokens,
        workflows_read=sum(len(r.items) for r in reads),
        workflow_kept=any(isinstance(e, MemoryReflected) and e.kind == "workflow" for e in events),
        policy=started.policy if started else "",
    )


@contextmanager
def data_dir(folder: str):
    """Every run of one proof on one fresh store (the memory store lives in the data directory)."""
    before = os.environ.get("AGORA_LAB_DATA_DIR")
    os.environ["AGORA_LAB_DATA_DIR"] = folder
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("AGORA_LAB_DATA_DIR", None)
        else:
            os.environ["AGORA_LAB_DATA_DIR"] = before


async def run_once(provider: Provider, numbers: str, memory: bool) -> Counts:
    providers = {"Planner": provider, "Critic": provider}
    events = [e async for e in TeamRun(team(memory), providers, seed=0).run_stream(task(numbers))]
    return count(numbers, memory, events)


async def prove(
    provider: Provider, first: str, similar: str, folder: str, said: Callable[[Counts], None] = lambda _: None
) -> list[Counts]:
    """The three runs on one fresh store: A with memory, B with memory, B without."""
    rows = []
    with data_dir(folder):
        for numbers, memory in ((first, True), (similar, True), (similar, False)):
            rows.append(await run_once(provider, numbers, memory))
            said(rows[-1])
    return rows


def table(rows: Sequence[Counts]) -> str:
    lines = [
        "| run | numbers | memory | solved | workflows read | planning calls | message calls | memory calls "
        "| model calls | tokens | kept a workflow |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(rows, 1):
        lines.append(
            f"| {i} | {r.numbers} | {'on' if r.memory else 'off'} | {'yes' if r.solved else 'no'} | {r.workflows_read} "
            f"| {r.planning_calls} | {r.message_calls} | {r.memory_calls} | **{r.model_calls}** | {r.tokens} "
            f"| {'yes' if r.workflow_kept else 'no'} |"
        )
    return "\n".join(lines)


async def _main(model: str, pairs: Sequence[tuple[str, str]], opener: Callable = open_provider) -> None:
    provider = await opener(model)
    try:
        for first, similar in pairs:
            started = time.perf_counter()
            with tempfile.TemporaryDirectory() as folder:
                rows = await prove(provider, first, similar, folder, lambda r: print(f"   ... {r}", flush=True))
            print(f"== Workflow memory: {first} then {similar}, {model}, {time.perf_counter() - started:.0f} s ==")
            print(table(rows))
            for r in rows:
                print(f"   run {r.numbers} memory={'on' if r.memory else 'off'}: plan {list(r.plan)} · {r.policy}")
    finally:
        await provider.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.workflow_proof")
    parser.add_argument("--model", default="local")
    parser.add_argument(
        "--pair", nargs=2, action="append", metavar=("FIRST", "SIMILAR"), help='e.g. "1 2 3 4" "1 2 3 5"'
    )
    args = parser.parse_args()
    asyncio.run(_main(args.model, [tuple(p) for p in args.pair] if args.pair else PAIRS))


if __name__ == "__main__":
    main()
