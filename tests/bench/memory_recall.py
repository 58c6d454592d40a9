"""The recall proof: 20 generated "remember this fact, later answer a question about it" tasks.

Session 1 hears each fact among distractors and writes memory through the model's extraction
step (rules when the output cannot be read); session 2, a new session on the same store, is
asked each question, once with the memories section in the prompt and once without.

    python -m tests.bench.memory_recall --model local            # the embedded model
    python -m tests.bench.memory_recall --model openai-compatible:http://127.0.0.1:8080/v1#m
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from agents.llm.base import Provider
from agents.llm.providers import open_provider
from agents.memory.agent_memory import AgentMemory
from agents.memory.events import MemoryWriteUnreadable, MemoryWritten
from agents.memory.prompting import complete
from agents.memory.records import MemoryConfig
from agents.memory.store import MemoryStore

PEOPLE = ["Zara", "Milo", "Ines", "Otto", "Priya", "Lars", "Keiko", "Tomas", "Amara", "Felix"]
THINGS = [
    ("locker code", lambda r: str(r.randint(1000, 9999))),
    ("favourite colour", lambda r: r.choice(["teal", "crimson", "amber", "violet", "olive", "indigo"])),
    ("home town", lambda r: r.choice(["Lisbon", "Oslo", "Kyoto", "Quito", "Dakar", "Perth", "Tromso", "Hanoi"])),
]
DISTRACTORS = [
    "The weather was grey all morning.",
    "Lunch is served in the main hall.",
    "Someone left an umbrella by the door.",
    "The printer on floor two is slow again.",
    "Next week's meeting may move to Tuesday.",
    "The coffee machine was cleaned.",
]
# One worked example, as base models need; it is the same with and without memory.
ANSWER_SYSTEM = """Answer the question with the exact word or number only.

Example.
Notes: Memories:
- [fact] Tom's car colour is red.

Question: What is Tom's car colour?
Answer: red"""


@dataclass(frozen=True)
class RecallTask:
    fact: str
    turn: str  # what session 1 hears: the fact among distractors
    question: str
    answer: str


def make_tasks(n: int = 20, seed: int = 0) -> list[RecallTask]:
    rng = random.Random(seed)
    pairs = [(p, t) for p in PEOPLE for t in THINGS]
    rng.shuffle(pairs)
    tasks = []
    for person, (thing, value) in pairs[:n]:
        answer = value(rng)
        fact = f"{person}'s {thing} is {answer}."
        noise = rng.sample(DISTRACTORS, 2)
        turn = " ".join([noise[0], fact, noise[1]])
        tasks.append(RecallTask(fact, turn, f"What is {person}'s {thing}?", answer))
    return tasks


async def _answer(provider: Provider, question: str, section: str) -> str:
    user = f"{section}\n\nQuestion: {question}" if section else f"Question: {question}"
    reply = await complete(provider, ANSWER_SYSTEM, user, "Answer", max_tokens=12, stop=("\n",))
    return reply.text


async def recall(provider: Provider, tasks: list[RecallTask], folder: Path, policy: str = "model") -> dict:
    """Both sessions; returns accuracies, how often the fact was retrieved, and write counts."""
    config = MemoryConfig(enabled=True, read_k=3, write_policy=policy, reflect_every=0)  # type: ignore[arg-type]
    counts = {"ADD": 0, "UPDATE": 0, "DELETE": 0, "NOOP": 0, "unreadable": 0}
    with MemoryStore(folder / "recall.db") as store:
        first = AgentMemory(store, "Scribe", config, provider=provider, session_id="session-1")
        for i, task in enumerate(tasks):
            async for event in first.write(task.turn, f"m{i}"):
                if isinstance(event, MemoryWritten):
                    counts[event.op] += 1
                elif isinstance(event, MemoryWriteUnreadable):
                    counts["unreadable"] += 1
    with MemoryStore(folder / "recall.db") as store:  # a new session, a new connection
        second = AgentMemory(store, "Scribe", config, provider=provider, session_id="session-2")
        with_memory = without = retrieved = 0
        for task in tasks:
            second.read(task.question)
            section = second.last_read.section
            retrieved += task.answer.lower() in section.lower()
            with_memory += task.answer.lower() in (await _answer(provider, task.question, section)).lower()
            without += task.answer.lower() in (await _answer(provider, task.question, "")).lower()
    n = len(tasks)
    return {"with_memory": with_memory / n, "without_memory": without / n, "retrieved": retrieved / n, "writes": counts}


async def _main(model: str, n: int, policy: str) -> None:
    provider = await open_provider(model)
    try:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            result = await recall(provider, make_tasks(n), Path(folder), policy)
        print(f"== Memory recall across sessions: {n} tasks, {model}, write policy {policy} ==")
        print(
            f"accuracy with memory {result['with_memory']:.0%} · without {result['without_memory']:.0%} · "
            f"fact in the memories section {result['retrieved']:.0%} · writes {result['writes']} · "
            f"{time.perf_counter() - started:.0f} s"
        )
    finally:
        await provider.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.memory_recall")
    parser.add_argument("--model", default="local")
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--policy", choices=["model", "rules", "every_turn"], default="model")
    args = parser.parse_args()
    asyncio.run(_main(args.model, args.tasks, args.policy))


if __name__ == "__main__":
    main()
