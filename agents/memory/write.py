"""Writing: after a turn, propose ADD / UPDATE / DELETE / NOOP against the most similar stored
memories (as mem0 does), read the proposal tolerantly, and fall back to rules when it cannot be read.

The format is one operation a line, ``ADD 7 | text``, ``UPDATE 2 6 | text``, ``DELETE 2``,
``NOOP``: short enough for a 270M base model to copy from the worked example. The parser also
takes bullets, numbering, synonyms (remove, edit, keep…), ``importance=7`` anywhere, a missing
importance, and mem0-style JSON. The lesson from StreamBench is in the prompt itself: store what
to do next time, not only what went wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from agents.bm25 import tokenize
from agents.memory.events import MemoryOp
from agents.memory.graph import extract
from agents.memory.records import MAX_TEXT_CHARS, Memory, MemoryKind

MAX_OPERATIONS = 5
TURN_CHARS_FOR_WRITE = 2000  # the write step sees at most the last this-many characters of a turn
DUPLICATE_OVERLAP = 0.8  # word overlap above which an ADD repeats a stored memory
WRITE_SYSTEM = """You keep {agent}'s memory: short notes that will help {agent} in later tasks.
After each turn decide what to store. Store what to do next time — a rule, a method that worked, a fact that will be needed again — not only what went wrong. Skip small talk and anything already stored.
Answer with one operation per line and nothing else:
ADD <importance 1-10> | <memory>
UPDATE <number> <importance 1-10> | <new text of that memory>
DELETE <number>
NOOP

Example.

Notes: Stored memories:
1. Paris is the capital of France.
2. The user prefers short answers.
Conversation:
Bob: Nice weather today. The user now wants detailed answers with sources.
Alice: To convert Celsius to Fahrenheit, multiply by 9/5 and add 32.
Operations:

Memory: UPDATE 2 6 | The user wants detailed answers with sources.
ADD 7 | To convert Celsius to Fahrenheit: multiply by 9/5, then add 32."""
# The example is framed as the prompt is (a base model copies the frame), and its operations
# end at the first blank line.
WRITE_STOPS = ("\nNotes:", "\nConversation:", "\nStored memories:", "\n\n")
_SYNONYMS: dict[str, MemoryOp] = {
    "add": "ADD",
    "store": "ADD",
    "remember": "ADD",
    "save": "ADD",
    "insert": "ADD",
    "new": "ADD",
    "update": "UPDATE",
    "edit": "UPDATE",
    "replace": "UPDATE",
    "change": "UPDATE",
    "modify": "UPDATE",
    "delete": "DELETE",
    "remove": "DELETE",
    "forget": "DELETE",
    "drop": "DELETE",
    "noop": "NOOP",
    "none": "NOOP",
    "keep": "NOOP",
    "skip": "NOOP",
    "nothing": "NOOP",
    "no-op": "NOOP",
}
_LINE = re.compile(
    r"^[\s>*\-•\d.)\]]*\[?(?P<op>"
    + "|".join(sorted(_SYNONYMS, key=len, reverse=True))
    + r")\b\]?[\s:#.\-–]*(?P<rest>.*)$",
    re.I,
)
_IMPORTANCE = re.compile(r"\(?\b(?:importance|imp|score)\s*[=:]?\s*(\d{1,2})\)?", re.I)
_LEADING_INT = re.compile(r"^[#\[(]?(\d{1,3})[\])]?\b[\s,:/]*")


@dataclass(frozen=True)
class Operation:
    op: MemoryOp
    text: str = ""
    target: int | None = None  # the stored memory's number in the prompt (1-based)
    importance: float | None = None
    reason: str = ""


@dataclass
class Proposal:
    operations: list[Operation] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # lines that named no operation
    problems: list[str] = field(default_factory=list)  # operations that were read but refused


def write_prompt(agent: str, turn_text: str, similar: Sequence[Memory]) -> tuple[str, str]:
    """(system, user) for the extraction step; the stored memories are numbered from 1.
    ``turn_text`` is what the agent heard since its last turn and its turn, "Name: text" lines."""
    stored = "\n".join(f"{i}. {m.text}" for i, m in enumerate(similar, 1)) or "(none)"
    lines = [" ".join(line.split()) for line in turn_text.strip().splitlines() if line.strip()]
    turn = "\n".join(lines)
    if len(turn) > TURN_CHARS_FOR_WRITE:  # the end is the turn itself; what was heard before it may be cut
        turn = "[…] " + turn[-TURN_CHARS_FOR_WRITE:]
    return WRITE_SYSTEM.format(agent=agent), f"Stored memories:\n{stored}\nConversation:\n{turn}\nOperations:"


def _importance(value: str | int | None) -> float | None:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return float(min(max(number, 1), 10))


def _text_after(rest: str) -> str:
    for separator in ("|", ":", " - ", "–"):
        if separator in rest:
            return rest.split(separator, 1)[1].strip()
    return rest.strip()


def parse_line(line: str) -> Operation | None:
    match = _LINE.match(line.strip())
    if not match:
        return None
    op = _SYNONYMS[match.group("op").lower()]
    rest = match.group("rest").strip()
    importance = None
    if found := _IMPORTANCE.search(rest):
        importance = _importance(found.group(1))
        rest = (rest[: found.start()] + rest[found.end() :]).strip()
    numbers: list[int] = []
    while (lead := _LEADING_INT.match(rest)) and len(numbers) < 2:
        numbers.append(int(lead.group(1)))
        rest = rest[lead.end() :]
    text = _text_after(rest) if "|" in rest else rest.strip(" |:-–").strip()
    text = text.strip().strip('"').strip()
    if op in ("UPDATE", "DELETE"):
        target = numbers.pop(0) if numbers else None
        if op == "UPDATE" and numbers and importance is None:
            importance = _importance(numbers[0])
        return Operation(op, text if op == "UPDATE" else "", target, importance)
    if op == "ADD" and numbers and importance is None and 1 <= numbers[0] <= 10:
        importance = _importance(numbers[0])
    return Operation(op, text if op == "ADD" else "", None, importance)


def _json_operations(text: str) -> list[Operation]:
    """mem0's shape, {"memory": [{"id", "text", "event"}]}, or a list of {"op", "text", ...}."""
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    if start < 0:
        return []
    try:
        data = json.JSONDecoder().raw_decode(text[start:])[0]
    except ValueError:
        return []
    items = data.get("memory", data.get("operations", [data])) if isinstance(data, dict) else data
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        op = _SYNONYMS.get(str(item.get("event", item.get("op", ""))).lower())
        if op is None:
            continue
        target = item.get("id", item.get("target"))
        out.append(
            Operation(
                op,
                str(item.get("text", item.get("memory", ""))).strip(),
                int(str(target)) if str(target).isdigit() else None,
                _importance(item.get("importance")),
            )
        )
    return out


def parse_operations(output: str, n_similar: int, turn_text: str | None = None) -> Proposal:
    """Read a model's proposal. Refused operations (an unknown number, an empty text, a text
    the turn does not support) are listed in ``problems``; lines that name no operation in
    ``unreadable``.

    With ``turn_text``, an ADD or UPDATE must be grounded in it (half its words from the turn):
    small models copy the prompt's worked example or make things up, and neither is memory."""
    proposal = Proposal()
    candidates = _json_operations(output)
    if not candidates:
        for line in output.splitlines():
            if not line.strip():
                continue
            parsed = parse_line(line)
            if parsed is None:
                proposal.unreadable.append(line.strip())
            else:
                candidates.append(parsed)
    for operation in candidates[:MAX_OPERATIONS]:
        if operation.op in ("UPDATE", "DELETE") and not (operation.target and 1 <= operation.target <= n_similar):
            proposal.problems.append(f"{operation.op} names memory {operation.target}, which was not shown")
        elif operation.op in ("ADD", "UPDATE") and len(operation.text.split()) < 2:
            proposal.problems.append(f"{operation.op} without a text to store")
        elif operation.op in ("ADD", "UPDATE") and turn_text is not None and not grounded(operation.text, turn_text):
            proposal.problems.append(f"{operation.op} of a text the turn does not say: {operation.text[:80]!r}")
        else:
            proposal.operations.append(operation)
    return proposal


def readable(proposal: Proposal) -> bool:
    """Whether the model said anything usable: at least one operation (NOOP counts)."""
    return bool(proposal.operations)


def grounded(text: str, source: str, share: float = 0.5) -> bool:
    """Whether at least ``share`` of ``text``'s words occur in ``source``."""
    words = set(tokenize(text))
    return bool(words) and len(words & set(tokenize(source))) / len(words) >= share


def overlap(a: str, b: str) -> float:
    """Share of the shorter text's words found in the other (0..1)."""
    wa, wb = set(tokenize(a)), set(tokenize(b))
    return len(wa & wb) / (min(len(wa), len(wb)) or 1)


def specifics(text: str) -> set[str]:
    """What makes a statement about one thing: its names and numbers."""
    return set(extract(text)[0]) | set(re.findall(r"\d+(?:\.\d+)?", text))


def same_subject(memory: str, other: str) -> bool:
    """Whether ``other`` is about what ``memory`` is about: a shared name or number, or, for a
    memory that names nothing, a third of its words."""
    named = specifics(memory)
    return bool(named & specifics(other)) if named else overlap(memory, other) >= 0.3


def guarded(op: Operation, similar: Sequence[Memory], turn_text: str) -> Operation:
    """A model's UPDATE or DELETE made safe: small models delete and overwrite at random (the
    recall proof caught the 270M model deleting facts it had just stored). A DELETE must concern
    something the turn names; an UPDATE must keep the memory's subject, or it becomes an ADD."""
    target = similar[op.target - 1] if op.target and op.target <= len(similar) else None
    if target is None or op.op not in ("UPDATE", "DELETE"):
        return op
    if op.op == "DELETE" and not same_subject(target.text, turn_text):
        return Operation("NOOP", reason=f"refused DELETE of {target.id}: the turn does not mention it")
    if op.op == "UPDATE" and not same_subject(target.text, op.text):
        return Operation("ADD", op.text, None, op.importance, f"UPDATE of unrelated {target.id} kept as an ADD")
    return op


def duplicate_of(text: str, similar: Sequence[Memory]) -> Memory | None:
    """A stored memory saying the same: mostly the same words, and the same names and numbers
    ("Zara's town is Perth" does not repeat "Keiko's town is Perth")."""
    named = specifics(text)
    return next((m for m in similar if overlap(text, m.text) >= DUPLICATE_OVERLAP and specifics(m.text) == named), None)


def guess_kind(text: str) -> MemoryKind:
    """A statement with a number or an "is/are" claim is a fact; anything else an observation."""
    lowered = f" {text.lower()} "
    return "fact" if re.search(r"\d", text) or " is " in lowered or " are " in lowered else "observation"


_CUES = (
    "remember",
    "important",
    "must",
    "always",
    "never",
    "should",
    "use ",
    "works",
    "rule",
    "because",
    " is ",
    " are ",
    "=",
)
_STRONG = ("remember", "important", "must", "always", "never")


def rule_operations(turn_text: str, similar: Sequence[Memory], limit: int = 2) -> list[Operation]:
    """The fallback: keep up to ``limit`` statement-like sentences worth storing, skipping
    questions, chatter and what is already stored."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", turn_text) if s.strip()]
    scored = []
    for sentence in sentences:
        words = len(sentence.split())
        if sentence.endswith("?") or not 4 <= words <= 80:
            continue
        lowered = f" {sentence.lower()} "
        cues = sum(cue in lowered for cue in _CUES) + bool(re.search(r"\d", sentence))
        if cues:
            scored.append((cues, sentence))
    scored.sort(key=lambda item: -item[0])
    out = []
    for cues, sentence in scored[:limit]:
        if duplicate_of(sentence, similar) is not None:
            out.append(Operation("NOOP", reason="already stored"))
            continue
        strong = any(word in sentence.lower() for word in _STRONG)
        importance = float(min(3 + cues + 2 * strong, 9))
        out.append(Operation("ADD", sentence[:MAX_TEXT_CHARS], None, importance, reason="rule: statement with cues"))
    return out or [Operation("NOOP", reason="nothing statement-like to store")]
