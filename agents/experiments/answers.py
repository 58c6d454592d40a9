"""Reading a model's final answer and normalising it per answer type, so that votes and
scores compare like with like ("1,234", "1234.0" and "Answer: 1234" are one number).

Extraction never raises: an unreadable reply is ``None`` (counted as unanswered).
"""

from __future__ import annotations

import ast
import operator
import re
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from typing import Literal

AnswerKind = Literal["number", "choice", "yesno", "text", "game24"]

ANSWER_LINE = re.compile(r"answer\s*(?:is|:|=)\s*(.+)", re.IGNORECASE)
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?")
# "(B)", "B) ...", "B." at the start, "option B": a bare capital inside a sentence ("I think")
# is not a choice.
CHOICE_FORMS = (
    re.compile(r"\(([A-J])\)"),
    re.compile(r"^\s*([A-J])(?:[).:,\s]|$)"),
    re.compile(r"\b(?:option|choice|letter)\s+([A-J])\b", re.IGNORECASE),
)
YESNO = re.compile(r"\b(yes|no|valid|invalid|true|false)\b", re.IGNORECASE)
ARTICLES = re.compile(r"\b(a|an|the)\b")
EXPRESSION = re.compile(r"[\d+\-*/×÷() .]+")
TARGET = Fraction(24)
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def answer_segment(text: str) -> tuple[str, bool]:
    """The text after the last 'Answer:' (and whether there was one), else the whole reply."""
    matches = ANSWER_LINE.findall(text)
    return (matches[-1].strip(), True) if matches else (text, False)


def normalise(text: str, kind: AnswerKind, choices: Sequence[str] = ()) -> str | None:
    """The canonical answer in ``text`` (a reply or a bare answer), or None when unreadable."""
    segment, marked = answer_segment(text)
    if kind == "number":
        # "Answer: 42 (because 6*7)": the first number after the marker; unmarked: the last one.
        return _number(segment, first=True) if marked else _number(text, first=False)
    if kind == "choice":
        return _choice(segment, choices)
    if kind == "yesno":
        found = YESNO.findall(segment)
        if not found:
            return None
        # The first word after "Answer:" is the verdict; in an unmarked reply, the last one is.
        word = (found[0] if marked else found[-1]).lower()
        return "yes" if word in ("yes", "valid", "true") else "no"
    if kind == "game24":
        return _expression(segment if marked else _last_line(text))
    return _text(segment if marked else _last_line(text))


def is_correct(answer: str | None, expected: str, kind: AnswerKind, numbers: Sequence[int] = ()) -> bool | None:
    """None when unanswered; for Game of 24 any expression using ``numbers`` that makes 24 is right."""
    if answer is None:
        return None
    if kind == "game24":
        return _makes_24(answer, numbers)
    if kind == "number":
        return Fraction(answer) == Fraction(expected)
    return answer == expected


def majority(answers: Sequence[str | None]) -> str | None:
    """The most common readable answer; a tie goes to the tied answer given first (the
    agents' order), so a vote is deterministic; None when no answer was readable."""
    readable = [a for a in answers if a is not None]
    if not readable:
        return None
    counts = Counter(readable)
    top = max(counts.values())
    return next(a for a in readable if counts[a] == top)


def _last_line(text: str) -> str:
    return next((line for line in reversed(text.splitlines()) if line.strip()), "")


def _number(text: str, first: bool) -> str | None:
    found = NUMBER.findall(text)
    if not found:
        return None
    raw = found[0] if first else found[-1]
    try:
        value = Fraction(raw.replace(",", ""))
    except (ValueError, ZeroDivisionError):
        return None
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _choice(text: str, choices: Sequence[str]) -> str | None:
    allowed = {chr(ord("A") + i) for i in range(len(choices) or 10)}
    for form in CHOICE_FORMS:
        found = [letter.upper() for letter in form.findall(text) if letter.upper() in allowed]
        if found:
            return found[0]
    # Named by its text: exactly one choice appearing as a whole phrase in the answer.
    lowered = f" {_text(text) or ''} "
    named = [i for i, choice in enumerate(choices) if _text(choice) and f" {_text(choice)} " in lowered]
    return chr(ord("A") + named[0]) if len(named) == 1 else None


def _text(text: str) -> str | None:
    cleaned = re.sub(r"[^\w\s-]", " ", text.lower())
    cleaned = " ".join(ARTICLES.sub(" ", cleaned).split())
    return cleaned or None


def _expression(text: str) -> str | None:
    text = text.replace("×", "*").replace("÷", "/").split("=")[0]
    pieces = [p.strip() for p in EXPRESSION.findall(text) if any(ch.isdigit() for ch in p)]
    if not pieces:
        return None
    candidate = max(pieces, key=len)
    return " ".join(candidate.split()) if _evaluate(candidate) is not None else None


def _evaluate(expression: str) -> tuple[Fraction, list[int]] | None:
    """Exact value and the integers used; arithmetic nodes only (never eval)."""
    try:
        tree = ast.parse(expression, mode="eval").body
    except SyntaxError:
        return None
    used: list[int] = []

    def walk(node: ast.AST) -> Fraction:
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            used.append(node.value)
            return Fraction(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.left), walk(node.right))
        raise ValueError("not arithmetic")

    try:
        return walk(tree), used
    except (ValueError, ZeroDivisionError):
        return None


def _makes_24(expression: str, numbers: Sequence[int]) -> bool:
    result = _evaluate(expression)
    return result is not None and result[0] == TARGET and sorted(result[1]) == sorted(numbers)
