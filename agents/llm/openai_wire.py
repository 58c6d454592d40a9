"""The OpenAI wire format: the chat messages a request sends, and the replies that come back
(streamed chunks and whole replies, each as its text, tool-call pieces and finish reason;
prompt log-probabilities for scoring)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agents.events import Usage
from agents.llm.base import ChatMessage, ProviderError, ScoredCandidate
from agents.llm.credentials import redact_text
from agents.llm.native_tools import ToolCallPiece, ToolChoice, pieces_from_delta, pieces_from_message
from agents.llm.prompt import clean_text
from agents.llm.streaming import MessageAssembler


@dataclass
class ToolAsk:
    """What one request sends beyond the chat: tools, the calls so far and their results; and
    what the server did with it (whether it answered, whether anything came back)."""

    tools: tuple[dict[str, Any], ...] = ()
    extra: tuple[dict[str, Any], ...] = ()
    tool_choice: ToolChoice = "auto"
    streamed: bool = True
    opened: bool = False
    produced: bool = False

    def unstream(self, kind: str) -> bool:
        """A streamed request with tools that the server accepted, then ended without a word:
        some chat formats (llama.cpp's chatml-function-calling) cannot stream a call they chose.
        True (and streaming off) when asking again without streaming is the way on."""
        if not (self.tools and self.streamed and self.opened and not self.produced):
            return False
        if kind not in ("disconnected", "unreachable", "server_error", "malformed_response"):
            return False
        self.streamed = self.opened = False
        return True


@dataclass
class ReplyPart:
    """What one chunk (or a whole reply) carried."""

    text: str = ""
    finish: str | None = None
    pieces: list[ToolCallPiece] = field(default_factory=list)


def _malformed(what: str, reply: Any) -> ProviderError:
    return ProviderError("malformed_response", what, detail=redact_text(repr(reply), limit=300))


def _checked_text(text: Any, reply: Any) -> str:
    if text is not None and not isinstance(text, str):
        raise _malformed("a reply's text was not a string", reply)
    return text or ""


def chunk_part(chunk: Any, api: str) -> ReplyPart:
    """Text, tool-call pieces and finish reason of one streamed chunk; raise ProviderError on a malformed one."""
    choices = getattr(chunk, "choices", None)
    if choices is None:
        raise _malformed("a streamed chunk had no 'choices'", chunk)
    if not choices:
        return ReplyPart()  # the usage-only chunk at the end
    choice = choices[0]
    if api == "completions":
        return ReplyPart(_checked_text(getattr(choice, "text", None), chunk), getattr(choice, "finish_reason", None))
    delta = getattr(choice, "delta", None)
    return ReplyPart(
        _checked_text(getattr(delta, "content", None), chunk),
        getattr(choice, "finish_reason", None),
        pieces_from_delta(getattr(delta, "tool_calls", None)),
    )


def whole_part(reply: Any) -> ReplyPart:
    """A non-streamed chat reply (asked for when a server cannot stream tool calls)."""
    choices = getattr(reply, "choices", None)
    if not choices:
        raise _malformed("a reply had no 'choices'", reply)
    message = getattr(choices[0], "message", None)
    return ReplyPart(
        _checked_text(getattr(message, "content", None), reply),
        getattr(choices[0], "finish_reason", None) or "stop",
        pieces_from_message(getattr(message, "tool_calls", None)),
    )


def part_items(part: ReplyPart, out: MessageAssembler, ask: ToolAsk) -> list[Any]:
    """What a part adds to the message: a TokenDelta (if any text survives the stops) and the pieces."""
    items: list[Any] = []
    if part.text:
        ask.produced = True
        if (event := out.delta(part.text)) is not None:
            items.append(event)
    if part.pieces:
        ask.produced = True
        items += part.pieces
    return items


def whole_items(reply: Any, out: MessageAssembler, ask: ToolAsk) -> list[Any]:
    """A whole reply as a stream's items: its Usage, its text and pieces, then the finish reason."""
    part = whole_part(reply)
    usage = reply_usage(reply)
    items: list[Any] = [] if usage is None else [usage]
    return [*items, *part_items(part, out, ask), merged_finish(part.finish, None)]


def reply_usage(reply: Any) -> Usage | None:
    usage = getattr(reply, "usage", None)
    if not usage:
        return None
    return Usage(prompt_tokens=usage.prompt_tokens or 0, completion_tokens=usage.completion_tokens or 0)


def merged_finish(reason: str | None, current: str | None) -> str | None:
    """The reply's finish reason so far; a call (``tool_calls``) finishes a reply like a stop."""
    if reason is None:
        return current
    return "length" if reason == "length" else "stop"


def chat_dict(message: ChatMessage) -> dict[str, str]:
    """OpenAI allows only [A-Za-z0-9_-] in ``name``; the real name also leads the text."""
    content = clean_text(message.content)
    entry = {"role": message.role, "content": content}
    if message.name:
        entry["name"] = re.sub(r"[^A-Za-z0-9_-]", "_", message.name)[:64]
        if message.role == "user":
            entry["content"] = f"{message.name}: {content}"
    return entry


def candidate_score(reply: Any, prompt_chars: int, candidate: str) -> ScoredCandidate:
    logprobs = reply.choices[0].logprobs
    if logprobs is None or not logprobs.token_logprobs or logprobs.text_offset is None:
        raise ProviderError("unsupported", "this server does not return prompt log-probabilities (echo + logprobs)")
    total, count = 0.0, 0
    end = prompt_chars + len(clean_text(candidate))
    for offset, value in zip(logprobs.text_offset, logprobs.token_logprobs):
        if prompt_chars <= offset < end and value is not None:
            total += value
            count += 1
    return ScoredCandidate(text=candidate, logprob=total, n_tokens=count)
