"""Reflection: recent memories summarised into insights that cite their sources (stored as
``reflection`` memories), and successful multi-step solutions kept as ``workflow`` memories
(agent workflow memory) that later tasks can reuse.

An insight that cites nothing is refused: a reflection is only as trustworthy as what it rests
on, and the Memory panel draws each one as a tree over the memories it cites.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from agents.memory.graph import extract
from agents.memory.records import Memory, clip_text

RECENT_FOR_REFLECTION = 20
MAX_INSIGHTS = 3
REFLECT_SYSTEM = """You help {agent} learn from experience. Read the numbered memories and write up to three insights: general lessons or rules that will help in later tasks. Each insight cites the memories it rests on.
Answer one insight per line, nothing else:
INSIGHT <importance 1-10> | <insight> (from 1, 2)

Example.

Notes: Memories:
1. Checking the arithmetic before answering caught an error in round 2.
2. The judge preferred answers that showed their working.
3. Alice's first answer to 24 with 4 7 8 8 was wrong.
Insights:

Reflection: INSIGHT 8 | Show the working and check the arithmetic before giving a final answer. (from 1, 2, 3)"""
REFLECT_STOPS = ("\nNotes:", "\nMemories:", "\n\n")
_INSIGHT = re.compile(r"^[\s>*\-•\d.)]*(?:insight|lesson|rule)?\s*[:#]?\s*(?P<body>.+)$", re.I)
_CITES = re.compile(
    r"[(\[]\s*(?:from|sources?|because of|cites?|see)?\s*:?\s*(?P<nums>\d+(?:\s*(?:,|and|&|\s)\s*\d+)*)\s*[)\]]\s*\.?\s*$",
    re.I,
)
_LEAD_IMPORTANCE = re.compile(r"^(\d{1,2})\s*\|\s*")


@dataclass(frozen=True)
class Insight:
    text: str
    cites: tuple[int, ...]  # 1-based numbers of the memories shown
    importance: float = 7.0


def reflect_prompt(agent: str, memories: Sequence[Memory]) -> tuple[str, str]:
    shown = "\n".join(f"{i}. {m.text}" for i, m in enumerate(memories, 1))
    return REFLECT_SYSTEM.format(agent=agent), f"Memories:\n{shown}\nInsights:"


def parse_insights(output: str, n_memories: int) -> tuple[list[Insight], list[str]]:
    """Insights with at least one valid citation, and the lines that were not."""
    insights, rejected = [], []
    for line in output.splitlines():
        if not line.strip():
            continue
        matched = _INSIGHT.match(line.strip())
        body = (matched.group("body") if matched else line).strip()
        importance = 7.0
        if lead := _LEAD_IMPORTANCE.match(body):
            importance = float(min(max(int(lead.group(1)), 1), 10))
            body = body[lead.end() :]
        body = body.lstrip("| ").strip()
        cited = _CITES.search(body)
        numbers = tuple(sorted({int(n) for n in re.findall(r"\d+", cited.group("nums"))})) if cited else ()
        numbers = tuple(n for n in numbers if 1 <= n <= n_memories)
        text = body[: cited.start()].strip() if cited else body
        if not numbers or len(text.split()) < 3:
            rejected.append(line.strip())
            continue
        insights.append(Insight(text, numbers, importance))
        if len(insights) == MAX_INSIGHTS:
            break
    return insights, rejected


def rule_insights(memories: Sequence[Memory], limit: int = 2) -> list[Insight]:
    """The fallback: an entity that several memories share becomes an insight citing them."""
    by_entity: dict[str, list[int]] = defaultdict(list)
    for number, memory in enumerate(memories, 1):
        for entity in extract(memory.text)[0]:
            by_entity[entity].append(number)
    shared = sorted(((e, ns) for e, ns in by_entity.items() if len(ns) >= 2), key=lambda item: (-len(item[1]), item[0]))
    insights = []
    for entity, numbers in shared[:limit]:
        gist = "; ".join(clip_text(memories[n - 1].text, 120) for n in numbers[:3])
        insights.append(Insight(f"{len(numbers)} memories concern {entity}: {gist}", tuple(numbers), 6.0))
    return insights


def workflow_text(task: str, steps: Sequence[str]) -> str:
    """A reusable recipe: what the task was like, and the steps that solved it, in order."""
    lines = [f"Workflow that solved a task like: {clip_text(task, 300)}"]
    lines += [f"{i}. {clip_text(step, 300)}" for i, step in enumerate(steps, 1)]
    return "\n".join(lines)


_STEP = re.compile(r"^\s*\d+\.\s+(.+?)\s*$")


def workflow_steps(text: str) -> list[str]:
    """The steps of a workflow memory, in order (what :func:`workflow_text` numbered)."""
    return [m.group(1) for line in text.splitlines()[1:] if (m := _STEP.match(line))]


def first_sentence(text: str) -> str:
    """A turn's gist for a workflow step: its first sentence, at most 200 characters."""
    text = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return clip_text(match.group(1) if match else text, 200)
