"""Quality on the embedded base model: do the shipped templates produce turns a person can read?

Run with `python -m tests.bench quality` (slow: 30 team runs on the embedded model;
`QUALITY_TASKS=N` runs the first N tasks of each template, `QUALITY_FIRST=K` skips the first K,
`QUALITY_TEMPLATES=round_robin,...` only those templates; each run prints its line as it ends;
`QUALITY_LOG=FILE` appends every turn and its marks as JSON lines). Measures, per turn, defined in
code below: the share of turns that echo an instruction or the task, that end with a readable
answer, that repeat an earlier turn of the same run (and, beside it, an earlier turn the speaker
could see: one that had ended before its own began), and the share of judge verdicts read from
the judge's text rather than the scoring fallback. Goals (issue 15): echo < 5%, readable >= 90%, repeats < 10%.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import time
from dataclasses import dataclass, field

from agents.events import MessageCompleted, MessageStarted, VerdictReached
from agents.llm.providers import open_provider
from agents.settings import LocalSettings, Settings
from agents.spec import load_template
from agents.teams import collaboration
from agents.teams.examples import example_lines
from agents.teams.run import TeamRun

# Six short tasks per template, of the kind a 270M base model can answer.
TASKS = {
    "debate_with_judge.json": [
        "Question: Is Sydney the capital of Australia?",
        "Question: Is 9 an even number?",
        "Question: Do fish live in water?",
        "Question: Is the sun a star?",
        "Question: Is ice colder than boiling water?",
        "Question: Does a week have ten days?",
    ],
    "simultaneous_vote.json": [
        "What is 17 + 25?",
        "What is 6 x 7?",
        "What is 100 - 37?",
        "What is 9 + 8?",
        "What is 12 / 4?",
        "What is 5 x 5?",
    ],
    "round_robin.json": [
        "Why is the sky blue? Answer in two sentences.",
        "Why do we have seasons? Answer in two sentences.",
        "What does a bee make? Answer in one sentence.",
        "Why does ice float? Answer in two sentences.",
        "What is rain? Answer in one sentence.",
        "Why do cats purr? Answer in two sentences.",
    ],
    "planner_critic.json": [
        "Plan how to boil an egg, in at most four steps.",
        "Plan how to make a cup of tea, in at most four steps.",
        "Plan how to water a plant, in at most three steps.",
        "Plan how to wash your hands, in at most four steps.",
        "Plan how to pack a school bag, in at most four steps.",
        "Plan how to make toast, in at most three steps.",
    ],
    "manager_workers.json": [
        "List three things a class of ten-year-olds needs for a museum trip.",
        "List three fruits that are red.",
        "List three animals that live on a farm.",
        "List three things to take to the beach.",
        "List three colours of the rainbow.",
        "List three tools a gardener uses.",
    ],
}
PLACEHOLDER = re.compile(r"<[^<>]{0,30}>|\[[A-Za-z ]{0,30}\]")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def echoes(text: str, task: str, instructions: list[str]) -> bool:
    """The turn repeats the task or a moderator instruction (8+ consecutive words of it), or a placeholder."""
    words = " ".join(_words(text))
    for source in [task, *instructions]:
        source_words = _words(source)
        for i in range(max(0, len(source_words) - 7)):
            if " ".join(source_words[i : i + 8]) in words:
                return True
        if len(source_words) < 8 and source_words and " ".join(source_words) == words:
            return True
    return bool(PLACEHOLDER.search(text))


ANSWER = re.compile(r"answer\s*(?:is|:|=)\s*\w", re.IGNORECASE)
BARE_ANSWER = re.compile(r"^\s*(?:-?\d+(?:[.,]\d+)?|yes|no)\s*[.!]?\s*$", re.IGNORECASE)
VERDICT = re.compile(r"\b(?:winner|decision)\s*:\s*\w", re.IGNORECASE)


def readable(text: str, needs_answer: bool) -> bool:
    """No placeholder, and: a debater's turn states an answer ("Answer: 42", or the whole turn
    is a bare number, yes or no); any other turn has three or more words or states a verdict
    ("Winner: Negative" is a readable turn).

    A short answer is readable: the debate templates ask for a number or a yes/no, and "42" to
    "What is 6 x 7?" is one a person reads off (the vote reads it too). An earlier version wanted
    three words and an "Answer:" label, so "Answer: 42" and "42" both counted as unreadable.
    """
    if PLACEHOLDER.search(text):
        return False
    if needs_answer:
        return bool(ANSWER.search(text) or BARE_ANSWER.match(text))
    return len(_words(text)) >= 3 or bool(VERDICT.search(text))


def repeats(text: str, earlier: list[str]) -> bool:
    """Four fifths of the turn's distinct words already made up an earlier turn."""
    mine = set(_words(text))
    return bool(mine) and any(len(mine & set(_words(e))) >= 0.8 * len(mine | set(_words(e))) for e in earlier)


COUNTS = ("turns", "echo", "readable", "repeat", "repeat_seen", "verdicts", "from_text")


@dataclass
class Tally:
    turns: int = 0
    echo: int = 0
    readable: int = 0
    repeat: int = 0
    repeat_seen: int = 0
    verdicts: int = 0
    from_text: int = 0
    samples: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        t, v = max(self.turns, 1), max(self.verdicts, 1)
        verdicts = (
            f"  verdicts from text {self.from_text}/{self.verdicts} ({self.from_text / v:.0%})" if self.verdicts else ""
        )
        return (
            f"{name:24s} turns {self.turns:3d}  echo {self.echo / t:5.0%}  readable {self.readable / t:5.0%}"
            f"  repeats {self.repeat / t:5.0%} (of a turn seen {self.repeat_seen / t:4.0%}){verdicts}"
        )


def instructions(spec, task: str) -> list[str]:
    """Every text a turn could copy instead of answering: the moderator's lines, and each turn
    of the worked example shown before the task (a copied example turn is an echo too)."""
    names = [a.name for a in spec.agents]
    lines = [collaboration.LAST_CALL]
    lines += [collaboration.WHOLE_TASK.format(manager=m, worker=w) for m in names for w in names]
    return lines + [text for _, text in example_lines(spec, task)]


def _log_turn(record: dict) -> None:
    """Every measured turn with its marks, one JSON line each, when QUALITY_LOG names a file."""
    path = os.environ.get("QUALITY_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")


async def run_template(template: str, tasks: list[str], provider, tally: Tally, first: int = 0) -> None:
    spec = load_template(template.removesuffix(".json"))
    debaters = {a.name for a in spec.by_role("debater")}
    for seed, task in enumerate(tasks[first:], start=first):  # the seed is the task's index
        started, before = time.perf_counter(), dataclasses.replace(tally, samples=[])
        earlier: list[str] = []
        seen: dict[str, int] = {}  # message id -> how many earlier turns had ended when it started
        providers = {a.name: provider for a in spec.agents}
        async for event in TeamRun(spec, providers, seed=seed).run_stream(task):
            if isinstance(event, MessageStarted):
                seen[event.message_id] = len(earlier)
            elif isinstance(event, MessageCompleted) and event.finish_reason != "error":
                text = event.text.strip()
                marks = {
                    "echo": echoes(text, task, instructions(spec, task)),
                    "readable": readable(text, event.agent in debaters),
                    "repeat": repeats(text, earlier),
                    # Simultaneous turns never see each other: three debaters who each wrote
                    # "5 x 5 = 25. Answer: 25" count as repeats above, not here.
                    "repeat_seen": repeats(text, earlier[: seen.get(event.message_id, len(earlier))]),
                }
                tally.turns += 1
                tally.echo, tally.readable = tally.echo + marks["echo"], tally.readable + marks["readable"]
                tally.repeat += marks["repeat"]
                tally.repeat_seen += marks["repeat_seen"]
                earlier.append(text)
                _log_turn({"template": template, "seed": seed, "agent": event.agent, "text": text, **marks})
                if len(tally.samples) < 4:
                    tally.samples.append(f"{event.agent}: {' '.join(text.split())[:100]}")
            elif isinstance(event, VerdictReached):
                tally.verdicts += 1
                tally.from_text += event.method in ("json", "tolerant")
        run = Tally(**{k: getattr(tally, k) - getattr(before, k) for k in COUNTS})
        print(f"  {run.line(f'{template[:14]} #{seed}')}  ({time.perf_counter() - started:.0f} s)", flush=True)


async def _quality() -> dict[str, Tally]:
    limit = int(os.environ.get("QUALITY_TASKS", "6"))
    first = int(os.environ.get("QUALITY_FIRST", "0"))  # resume a set: skip the first tasks
    only = [t for t in os.environ.get("QUALITY_TEMPLATES", "").split(",") if t]
    provider = await open_provider("local", Settings(local=LocalSettings(device="auto", context_tokens=2048)))
    tallies = {}
    for template, tasks in TASKS.items():
        if only and template.removesuffix(".json") not in only:
            continue
        tallies[template] = Tally()
        await run_template(template, tasks[:limit], provider, tallies[template], first)
    return tallies


def main(skip_cold: bool = False) -> None:
    print("== Quality: the shipped templates on the embedded model ==")
    tallies = asyncio.run(_quality())
    total = Tally()
    for name, tally in tallies.items():
        print(tally.line(name.removesuffix(".json")))
        for sample in tally.samples[:2]:
            print(f"    {sample}")
        for key in COUNTS:
            setattr(total, key, getattr(total, key) + getattr(tally, key))
    print(total.line("all"))
