"""Reading a judge's verdict robustly: JSON, then tolerant text, then scored choice. Never eval."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from agents.events import Decision, VerdictMethod
from agents.llm.base import ChatMessage, Provider, ProviderError

# Plain "Winner: NAME" / "Decision: continue" lines (read by _from_text) rather than JSON: a small
# base model can write a line, rarely a JSON object; bigger models write either.


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    winner: str | None
    answer: str | None
    reason: str
    confidence: float | None
    method: VerdictMethod


def parse_verdict(text: str, names: Sequence[str]) -> Verdict | None:
    """JSON first (the first balanced object in the text), then keyword reading."""
    return _from_json(text, names) or _from_text(text, names)


def _json_objects(text: str):
    for start in (i for i, ch in enumerate(text) if ch == "{"):
        depth = 0
        for end in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                yield text[start : end + 1]
                break


def _from_json(text: str, names: Sequence[str]) -> Verdict | None:
    for candidate in _json_objects(text):
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if not isinstance(data, dict):
            continue
        decision = str(data.get("decision", "")).strip().lower()
        winner = _match_name(str(data.get("winner") or ""), names)
        if decision not in ("continue", "decided"):
            decision = "decided" if winner else ""
        if decision in ("continue", "decided"):
            return Verdict(
                cast(Decision, decision),
                winner,
                _str_or_none(data.get("answer")),
                str(data.get("reason", ""))[:500],
                _confidence(data.get("confidence")),
                "json",
            )
    return None


def _from_text(text: str, names: Sequence[str]) -> Verdict | None:
    lowered = text.lower()
    winner_match = re.search(r"winner\s*(?:is|:|=)?\s*[\"']?([\w .-]{1,64})", text, re.IGNORECASE)
    winner = _match_name(winner_match.group(1), names) if winner_match else None
    wins = [
        n
        for n in names
        if re.search(rf"\b{re.escape(n)}\b\s+(?:wins|won|is the winner|argued better)", text, re.IGNORECASE)
    ]
    winner = winner or (wins[0] if len(wins) == 1 else None) or _right_or_wrong(text, names)
    confidence_match = re.search(r"confidence\D{0,5}([01](?:\.\d+)?)", lowered)
    confidence = _confidence(confidence_match.group(1)) if confidence_match else None
    if re.search(r"\bdecision\W{0,5}continue\b|\bcontinue the debate\b", lowered):
        return Verdict("continue", None, None, text.strip()[:300], confidence, "tolerant")
    if winner or re.search(r"\bdecision\W{0,5}decided\b", lowered):
        return Verdict("decided", winner, None, text.strip()[:300], confidence, "tolerant")
    return None


def _right_or_wrong(text: str, names: Sequence[str]) -> str | None:
    """The debater a judge's "NAME is right." names, or with two debaters the one it did not call
    wrong ("Affirmative is wrong." decides for Negative): the example verdict opens "NAME is right.",
    and the small model often writes that sentence, or its opposite, without the "Winner:" line."""
    said = {
        verdict: {n for n in names if re.search(rf"\b{re.escape(n)}\s+is\s+{verdict}\b", text, re.IGNORECASE)}
        for verdict in ("right", "wrong")
    }
    right = said["right"] or ({n for n in names if n not in said["wrong"]} if len(names) == 2 else set())
    return next(iter(right)) if len(right) == 1 and not right & said["wrong"] else None


def winner_by_answer(text: str, answers: Mapping[str, str]) -> Verdict | None:
    """A "Winner:" line naming an answer rather than a debater ("Winner: no"): the one debater
    who gave that answer wins; when every debater gave it, that answer is decided with no
    winner. None when the line names an answer only some (or none) of several gave."""
    match = re.search(r"winner\s*(?:is|:|=)\s*(.+)", text, re.IGNORECASE)
    said = extract_answer(f"Answer: {match.group(1)}") if match else ""
    gave = [name for name, answer in answers.items() if said and answer == said]
    if not gave or 1 < len(gave) < len(answers):
        return None
    winner = gave[0] if len(gave) == 1 else None
    return Verdict("decided", winner, said, text.strip()[:300], None, "tolerant")


async def scored_verdict(
    provider: Provider, messages: Sequence[ChatMessage], judge: str, names: Sequence[str], allow_continue: bool = True
) -> Verdict | None:
    """Constrained choice: let the judge's model score each allowed decision."""
    options = ([" continue"] if allow_continue else []) + [f" decided: {name} wins" for name in names]
    offset = 1 if allow_continue else 0
    prompt = tuple(messages) + (
        ChatMessage(role="user", content="State your decision in a few words.", name="Moderator"),
    )
    try:
        scored = await provider.score(prompt, options, speaker=judge)
    except ProviderError:
        return None
    # Per token: summed, the one-token " continue" beat every longer "decided: NAME wins" merely
    # for its length, so an unreadable judge always sent the debate another round.
    best = max(range(len(options)), key=lambda i: scored[i].logprob / max(1, scored[i].n_tokens))
    if best < offset:
        return Verdict("continue", None, None, "chosen by scoring the allowed decisions", None, "scored")
    return Verdict("decided", names[best - offset], None, "chosen by scoring the allowed decisions", None, "scored")


def _match_name(raw: str, names: Sequence[str]) -> str | None:
    """Exact name first, then the longest name the text starts with as a whole word."""
    raw = raw.strip().strip("\"'.").lower()
    exact = [n for n in names if raw == n.lower()]
    if exact:
        return exact[0]
    prefixed = [n for n in names if re.match(rf"{re.escape(n.lower())}\b", raw)]
    return max(prefixed, key=len) if prefixed else None


def _str_or_none(value) -> str | None:
    return None if value in (None, "", "null") else str(value)[:1000]


def _confidence(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return min(1.0, max(0.0, number))


def extract_answer(text: str) -> str:
    """A debater's final answer: the last 'Answer: …' line, else the last non-empty line."""
    matches = re.findall(r"answer\s*(?:is|:|=)\s*(.+)", text, re.IGNORECASE)
    raw = matches[-1] if matches else next((line for line in reversed(text.splitlines()) if line.strip()), "")
    return re.sub(r"[^\w\s.-]", "", raw).strip().rstrip(".").lower()
