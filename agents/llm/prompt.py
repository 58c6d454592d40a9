"""Prompt building shared by every provider: transcripts for base models, context fitting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agents.llm.base import ChatMessage

USER_LABEL = "User"
TRIM_MARKER = "[… {n} earlier message(s) trimmed to fit the context window …]"
TRUNCATION_MARKER = "[… start of this message trimmed to fit the context window …] "


def clean_text(text: str) -> str:
    """Make any Python string safe to tokenise and send: lone surrogates become U+FFFD."""
    return text.encode("utf-8", "replace").decode("utf-8")


def speaker_label(message: ChatMessage, default_assistant: str) -> str:
    if message.name:
        return message.name
    return USER_LABEL if message.role == "user" else default_assistant


def render_transcript(messages: Sequence[ChatMessage], speaker: str) -> str:
    """A base-model prompt: system text on top, then "Name: text" turns, ending "speaker:".

    Base models have no chat template; a play-script transcript is what they continue best.
    """
    system = "\n\n".join(clean_text(m.content).strip() for m in messages if m.role == "system")
    turns = [f"{speaker_label(m, speaker)}: {clean_text(m.content).strip()}" for m in messages if m.role != "system"]
    parts = ([system] if system else []) + turns + [f"{speaker}:"]
    return "\n\n".join(parts)


def speaker_stops(messages: Sequence[ChatMessage], speaker: str) -> tuple[str, ...]:
    """Stop sequences that end a base model's turn where the next speaker would begin."""
    names = {USER_LABEL, speaker}
    names.update(speaker_label(m, speaker) for m in messages if m.role != "system")
    return tuple(sorted(f"\n{name}:" for name in names))


@dataclass(frozen=True)
class FittedMessages:
    messages: tuple[ChatMessage, ...]
    dropped: int
    truncated_chars: int


def fit_to_context(
    messages: Sequence[ChatMessage], count_tokens: Callable[[Sequence[ChatMessage]], int], budget: int
) -> FittedMessages:
    """Drop the oldest non-system turns until the prompt fits ``budget`` tokens.

    A visible marker replaces what was dropped. If the newest turn alone is still too long,
    its beginning is cut (the end is what the next speaker answers). Never raises.
    """
    messages = tuple(messages)
    if count_tokens(messages) <= budget:
        return FittedMessages(messages, 0, 0)
    system = [m for m in messages if m.role == "system"]
    turns = [m for m in messages if m.role != "system"]
    dropped = 0
    while len(turns) > 1:
        turns.pop(0)
        dropped += 1
        candidate = _with_marker(system, turns, dropped)
        if count_tokens(candidate) <= budget:
            return FittedMessages(candidate, dropped, 0)
    fitted = _with_marker(system, turns, dropped)
    return _truncate_last(fitted, count_tokens, budget, dropped)


def _with_marker(system: list[ChatMessage], turns: list[ChatMessage], dropped: int) -> tuple[ChatMessage, ...]:
    if not dropped:
        return tuple(system + turns)
    marker = ChatMessage(role="system", content=TRIM_MARKER.format(n=dropped))
    return tuple(system + [marker] + turns)


def _truncate_last(
    messages: tuple[ChatMessage, ...],
    count_tokens: Callable[[Sequence[ChatMessage]], int],
    budget: int,
    dropped: int,
) -> FittedMessages:
    if not messages or messages[-1].role == "system":
        return FittedMessages(messages, dropped, 0)
    head, last = messages[:-1], messages[-1]
    text = last.content
    low, high = 0, len(text)  # binary search for the longest tail that fits
    while low < high:
        mid = (low + high + 1) // 2
        trial = head + (last.model_copy(update={"content": TRUNCATION_MARKER + text[-mid:]}),)
        if count_tokens(trial) <= budget:
            low = mid
        else:
            high = mid - 1
    kept = text[-low:] if low else ""
    new_last = last.model_copy(update={"content": TRUNCATION_MARKER + kept})
    return FittedMessages(head + (new_last,), dropped, len(text) - low)
