"""Worked examples: a finished mini-transcript on another task, shown before the real one.

A small base model continues the text it is given; told *how* to answer ("end with a line
'Answer: <your answer>'") it copies the instruction, shown a finished transcript in the very
shape its own will take, it writes the next turn of that shape. So each protocol gets an
example built from the team's own names, laid out as the transcript prompt is ("Name: text"
turns, "User:" for the task, one paragraph each), on a task unlike the real one.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from agents.llm.prompt import USER_LABEL
from agents.spec import TeamSpec

Line = tuple[str, str]  # (speaker label, text)

USER = USER_LABEL  # the label a transcript prompt gives the task
HEADER = "An example with another task:"
YES_NO = re.compile(
    r"^\s*(?:question\s*:\s*)?(?:is|are|am|was|were|do|does|did|can|could|will|would|should|has|have)\b", re.I
)
NUMBER = re.compile(r"\d")


@dataclass(frozen=True)
class DebateExample:
    """Two rounds on one question; ``winner`` is the index of the debater who is right."""

    question: str
    first: tuple[str, ...]
    second: tuple[str, ...]
    winner: int


# Each turn opens with its side (a Negative shown a reason alone copied the Affirmative's
# sentence); both sides keep their answer and give a new reason in round two. Yes/no questions have one
# example won by each side, picked by the task, so the judge's example does not always favour one.
YES_NO_DEBATES = (
    DebateExample(
        "Question: Is a tomato a fruit?",
        (
            "Yes: a tomato grows from a flower and holds seeds, so it is a fruit.\nAnswer: yes",
            "No: people cook tomatoes in salads and sauces, like vegetables.\nAnswer: no",
        ),
        (
            "Yes: cooking does not change what a plant part is. The seeds make it a fruit.\nAnswer: yes",
            "No: in the kitchen a tomato counts as a vegetable, whatever its seeds.\nAnswer: no",
        ),
        0,
    ),
    DebateExample(
        "Question: Is a whale a fish?",
        (
            "Yes: a whale lives in the sea and swims like a fish.\nAnswer: yes",
            "No: a whale breathes air and feeds its young with milk, so it is a mammal.\nAnswer: no",
        ),
        (
            "Yes: it has fins and a tail, the shape of a fish.\nAnswer: yes",
            "No: fish breathe water through gills, and a whale has none.\nAnswer: no",
        ),
        1,
    ),
)


def _sum_example(a: int, op: str, b: int, result: int, slip: int, check: str) -> DebateExample:
    """An arithmetic debate: one debater slips in round one and corrects it in round two."""
    return DebateExample(
        f"What is {a} {op} {b}?",
        (
            f"{a} {op} {b} = {result}.\nAnswer: {result}",
            f"{a} {op} {b} = {slip}.\nAnswer: {slip}",
            f"{check}\nAnswer: {result}",
        ),
        (
            f"I checked it again: {a} {op} {b} = {result}.\nAnswer: {result}",
            f"I made a mistake: {a} {op} {b} = {result}, not {slip}.\nAnswer: {result}",
            f"{slip} was a slip; {a} {op} {b} is {result}.\nAnswer: {result}",
        ),
        0,
    )


# The task's own operation: shown "8 + 5" before "6 x 7", the model wrote "6 + 7".
NUMBER_DEBATES = {
    "+": _sum_example(8, "+", 5, 13, 12, "Counting on 5 from 8 gives 13."),
    "-": _sum_example(15, "-", 6, 9, 8, "Counting back 6 from 15 gives 9."),
    "x": _sum_example(4, "x", 3, 12, 7, "Three fours are 4 + 4 + 4 = 12."),
    "/": _sum_example(20, "/", 5, 4, 5, "5 x 4 = 20, so 20 / 5 is 4."),
}
OPERATION = re.compile(r"\d\s*([-+x*/×÷])\s*\d")
WORD_DEBATE = DebateExample(
    "What colour is snow?",
    ("Fresh snow reflects all light, so it looks white.\nAnswer: white", "Snow in shadow looks blue.\nAnswer: blue"),
    ("Blue shadows do not change the snow itself.\nAnswer: white", "In daylight it is white, I agree.\nAnswer: white"),
    0,
)
# The judge quotes the reason it found right, then the label on a line of its own (as the
# debaters' "Answer:"): a judge shown its own reason in the example copied that reason
# ("A whale breathes air…") into every verdict; shown a quote, it quotes the real debate.
JUDGE_DECIDES = "{name} is right. {quote}\nWinner: {name}"

TEAM_TASK = "Why do leaves fall in autumn? Answer in one sentence."
# Each member adds something of its own (facts, a draft, a shorter final answer): shown three
# near-copies of one sentence, a small model repeats the turn before it.
TEAM_LINES = [
    "Trees stop sending water to their leaves when the days get short and cold.",
    "Leaves fall in autumn because the trees stop feeding them once the days turn cold.",
    "Cold, short days make trees stop feeding their leaves, so the leaves fall.",
]
# Two plans on two tasks, each approved at once: shown a critic that objected before approving,
# the model objected every time in the same words and the planner re-sent its plan unchanged.
# The approval quotes the plan's weakest step: shown a remark that fits any plan ("Each step is
# clear, and they come in the right order."), the critic wrote that remark word for word under
# every plan. Shown one plan (a letter, three steps), the planner wrote it again for "make toast,
# in at most three steps"; a second task with four steps shows that a plan follows its task.
PLAN_EXAMPLES = (
    (
        "Plan how to post a letter, in at most three steps.",
        (
            "1. Put the letter in the envelope and seal it.\n2. Write the address and add a stamp.\n"
            "3. Drop it in a post box.",
            'The weakest step is 2, "Write the address and add a stamp", and it is clear enough.',
        ),
    ),
    (
        "Plan how to feed a cat, in at most four steps.",
        (
            "1. Wash the food bowl.\n2. Open a tin of cat food.\n3. Spoon half of the tin into the bowl.\n"
            "4. Put the bowl down and call the cat.",
            'The weakest step is 3, "Spoon half of the tin into the bowl", and it is clear enough.',
        ),
    ),
)
MANAGER_TASK = "List three things to take on a picnic."


def example_lines(spec: TeamSpec, task: str) -> list[Line]:
    """The example transcript for this team and task as (speaker, text) turns; [] when none fits."""
    kind = spec.protocol.kind
    if kind == "debate":
        return _debate(spec, task)
    if kind == "manager_workers":
        return _manager(spec)
    if kind == "round_robin":
        return _team(spec)
    return []


def render_example(lines: Sequence[Line]) -> str:
    """The example as the transcript prompt lays turns out ("" for no example)."""
    if not lines:
        return ""
    return "\n\n".join([HEADER, *(f"{speaker}: {text}" for speaker, text in lines)])


def example_task(lines: Sequence[Line]) -> str:
    return next((text for speaker, text in lines if speaker == USER), "")


def _debate(spec: TeamSpec, task: str) -> list[Line]:
    """Debaters without a judge show two rounds (in arithmetic, the one who slipped corrects it); with a
    judge, one round and its verdict: a judge shown waiting a round went on waiting, copying
    its own "continue" until the rounds ran out."""
    debaters = [a.name for a in spec.by_role("debater")]
    if not debaters:
        return []
    example = _debate_example(task)
    judges = spec.by_role("judge") if getattr(spec.protocol, "aggregate", "") == "judge" else []
    lines: list[Line] = [(USER, example.question)]
    lines += [(name, example.first[i % len(example.first)]) for i, name in enumerate(debaters)]
    if judges:
        place = example.winner % len(debaters)
        quote = example.first[place % len(example.first)].split("\n")[0]
        return [*lines, (judges[0].name, JUDGE_DECIDES.format(name=debaters[place], quote=quote))]
    return lines + [(name, example.second[i % len(example.second)]) for i, name in enumerate(debaters)]


def _debate_example(task: str) -> DebateExample:
    """An example whose answer has the form the task's answer will have: yes/no, a number, a word."""
    if YES_NO.search(task):
        return YES_NO_DEBATES[zlib.crc32(task.encode()) % len(YES_NO_DEBATES)]
    operation = OPERATION.search(task)
    if operation is not None:
        sign = {"*": "x", "×": "x", "÷": "/"}.get(operation.group(1), operation.group(1))
        return NUMBER_DEBATES[sign]
    return NUMBER_DEBATES["+"] if NUMBER.search(task) else WORD_DEBATE


def _manager(spec: TeamSpec) -> list[Line]:
    """Two short tasks, each delegated before it is done: shown one, the manager mostly wrote
    DONE at once (the last manager line it had seen)."""
    managers, workers = spec.by_role("manager"), [a.name for a in spec.by_role("worker")]
    if not managers or not workers:
        return []
    first, second = workers[0], workers[1 % len(workers)]
    boss = managers[0].name
    return [
        (USER, MANAGER_TASK),
        (boss, f"DELEGATE {first}: name two foods for a picnic.\nDELEGATE {second}: name one thing to sit on."),
        (first, "Sandwiches and apples, both easy to carry."),
        (second, "A blanket to sit on."),
        (boss, "DONE Sandwiches, apples and a blanket."),
        (USER, "List two things to wear in the rain."),
        (boss, f"DELEGATE {second}: name one thing for your head.\nDELEGATE {first}: name one thing for your feet."),
        (second, "A coat with a hood."),
        (first, "Rubber boots for the puddles."),
        (boss, "DONE A coat with a hood and rubber boots."),
    ]


def _team(spec: TeamSpec) -> list[Line]:
    """Each member once, in order, on each example task; the last one ends with the team's stop word, if it has one."""
    names = [a.name for a in spec.agents if a.role != "human"]
    if not names:
        return []
    planning = bool({a.role for a in spec.agents} & {"planner", "critic"})
    examples = PLAN_EXAMPLES if planning else ((TEAM_TASK, tuple(TEAM_LINES)),)
    return [line for task, texts in examples for line in _team_round(spec, names, task, texts, planning)]


def _team_round(spec: TeamSpec, names: list[str], task: str, texts: Sequence[str], planning: bool) -> list[Line]:
    last = len(names) - 1
    # Planning shows each step in order; a team, its first member's facts, the middle ones' draft, the last one's answer.
    picks = [
        min(i, len(texts) - 1) if planning else 0 if i == 0 < last else 2 if i == last else 1 for i in range(last + 1)
    ]
    lines = [(USER, task)] + [(name, texts[pick]) for name, pick in zip(names, picks, strict=True)]
    stop_word = spec.termination.text_mention
    if stop_word:
        speaker, text = lines[-1]
        # A critic's verdict on a line of its own, as "Answer:" and "Winner:" (inline, the critic
        # rarely approved); a team member's inline (on its own line the first speaker wrote it).
        lines[-1] = (speaker, f"{text}\n{stop_word}" if planning else f"{text} {stop_word}")
    return lines
