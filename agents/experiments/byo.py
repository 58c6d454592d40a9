"""Bring-your-own task files: JSONL with ``question``, ``answer`` and optional ``choices``,
``id`` and ``type`` (number, choice, yesno, text). A GSM8K or MMLU export fits as it is.

Every problem names the file, the line and the field, and all of them are reported at once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

from agents.experiments.answers import AnswerKind, normalise
from agents.experiments.tasks import TaskItem

MAX_PROBLEMS = 20
FILE_KINDS = tuple(k for k in get_args(AnswerKind) if k != "game24")


class TaskFileError(ValueError):
    """A task file that cannot be used; the message says file, line and field."""


def load_jsonl(path: str | Path, n: int | None = None) -> list[TaskItem]:
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise TaskFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TaskFileError(f"{path}: cannot read: {exc}") from None
    items, problems, seen = [], [], set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = _item(json.loads(line), number)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}: line {number}: not JSON ({exc.msg} at column {exc.colno})")
            continue
        except TaskFileError as exc:
            problems.append(f"{path}: line {number}: {exc}")
            continue
        if item.id in seen:
            problems.append(f"{path}: line {number}: field 'id': {item.id!r} repeats an earlier line")
        seen.add(item.id)
        items.append(item)
    if problems:
        more = f"\n... and {len(problems) - MAX_PROBLEMS} more" if len(problems) > MAX_PROBLEMS else ""
        raise TaskFileError("\n".join(problems[:MAX_PROBLEMS]) + more)
    if not items:
        raise TaskFileError(f"{path}: no tasks (one JSON object per line)")
    return items[:n] if n else items


def _item(data: Any, number: int) -> TaskItem:
    if not isinstance(data, dict):
        raise TaskFileError(f"a line must be a JSON object, not {type(data).__name__}")
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        raise TaskFileError("field 'question': missing or not a non-empty string")
    if "answer" not in data or isinstance(data["answer"], (dict, list, bool)) or data["answer"] is None:
        raise TaskFileError("field 'answer': missing, or not a string or number")
    choices = data.get("choices", [])
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise TaskFileError("field 'choices': must be a list of strings")
    kind = data.get("type") or _guess_kind(str(data["answer"]), choices)
    if kind not in FILE_KINDS:
        raise TaskFileError(f"field 'type': {kind!r} is not one of {', '.join(FILE_KINDS)}")
    answer = normalise(str(data["answer"]), kind, choices)
    if answer is None or (kind == "choice" and choices and ord(answer) - ord("A") >= len(choices)):
        raise TaskFileError(f"field 'answer': {data['answer']!r} is not a readable {kind} answer")
    raw_id = data.get("id", f"line-{number}")
    if not isinstance(raw_id, (str, int)):
        raise TaskFileError("field 'id': must be a string or an integer")
    return TaskItem(
        id=str(raw_id),
        question=_with_choices(question.strip(), choices),
        answer=answer,
        kind=kind,
        choices=tuple(choices),
    )


def _guess_kind(answer: str, choices: list) -> AnswerKind:
    if choices:
        return "choice"
    # GSM8K answers end "#### 42": the number after the marker is the answer.
    return "number" if normalise(answer.split("####")[-1], "number") is not None and _numeric(answer) else "text"


def _numeric(answer: str) -> bool:
    tail = answer.split("####")[-1].strip().replace(",", "")
    try:
        float(tail.split("/")[0])
    except ValueError:
        return False
    return True


def _with_choices(question: str, choices: list[str]) -> str:
    if not choices:
        return question
    listed = "\n".join(f"({chr(ord('A') + i)}) {c}" for i, c in enumerate(choices))
    return f"{question}\n{listed}\nAnswer with the letter of one choice."
