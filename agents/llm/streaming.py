"""Turning a raw text stream into the typed message events, the same way for every backend."""

from __future__ import annotations

import time
from collections.abc import Sequence

from agents.events import (
    ErrorEvent,
    FinishReason,
    MessageCompleted,
    MessageStarted,
    TokenDelta,
    Usage,
)
from agents.llm.base import CompletionRequest, ProviderError
from agents.llm.credentials import known_secrets, redact_text


def longest_partial(buffer: str, needles: Sequence[str]) -> int:
    """Length of the longest end of ``buffer`` that begins one of ``needles`` (and is shorter)."""
    best, size = 0, len(buffer)
    for needle in needles:
        if not needle:
            continue
        # Such an end starts with the needle's first character: try only those places (it runs
        # on every streamed token, and a stop's "\n" or a key's first letter is rarely there).
        at = buffer.find(needle[0], max(0, size - len(needle) + 1))
        while 0 <= at < size - best:
            if needle.startswith(buffer[at:]):
                best = size - at
                break
            at = buffer.find(needle[0], at + 1)
    return best


class StopScanner:
    """Cuts a streamed text at the first stop sequence.

    Text that might be the beginning of a stop sequence is held back until it is decided,
    so a consumer never sees half of a "\\nAlice:" that is later removed.
    """

    def __init__(self, stops: Sequence[str]):
        self._stops = tuple(s for s in stops if s)
        # A stop can be cut or held back only where its first character is.
        self._firsts = frozenset(s[0] for s in self._stops)
        self._pending = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        """Return the part of ``text`` that is safe to emit now."""
        if self.stopped:
            return ""
        buffer = self._pending + text
        if not any(first in buffer for first in self._firsts):  # the common case, on every token
            self._pending = ""
            return buffer
        cut = min((i for i in (buffer.find(s) for s in self._stops) if i >= 0), default=-1)
        if cut >= 0:
            self.stopped = True
            self._pending = ""
            return buffer[:cut]
        hold = longest_partial(buffer, self._stops)
        self._pending = buffer[len(buffer) - hold :] if hold else ""
        return buffer[: len(buffer) - hold]

    def flush(self) -> str:
        """Release held-back text at the end of the stream."""
        rest, self._pending = self._pending, ""
        return "" if self.stopped else rest


class SecretRedactor:
    """Replaces known keys in a text that arrives in pieces.

    A key can be split across any two pieces (a server echoing it, a delta boundary), so
    the longest end that could begin a key is held back until the next piece decides it:
    no prefix of a key is ever released, whatever the offset of the split.
    """

    def __init__(self, secrets: Sequence[str] | None = None):
        chosen = known_secrets() if secrets is None else secrets
        self.secrets = sorted({s for s in chosen if s}, key=len, reverse=True)
        self._pending = ""

    def feed(self, text: str) -> str:
        if not self.secrets:
            return text
        buffer = redact_text(self._pending + text, self.secrets)
        hold = longest_partial(buffer, self.secrets)
        self._pending = buffer[len(buffer) - hold :] if hold else ""
        return buffer[: len(buffer) - hold]

    def flush(self) -> str:
        rest, self._pending = self._pending, ""
        return rest

    def text(self, text: str, limit: int | None = None) -> str:
        """A whole text (an error message), redacted, then cut."""
        return redact_text(text, self.secrets, limit)


class MessageAssembler:
    """Builds MessageStarted / TokenDelta / ErrorEvent / MessageCompleted for one request.

    Every backend's text passes through here, so this is where keys are redacted from live
    output: the CLI, ``--json``, the window and the session log all see redacted text.
    """

    def __init__(
        self, request: CompletionRequest, model: str, stops: Sequence[str], secrets: Sequence[str] | None = None
    ):
        self.request = request
        self.model = model
        self.scanner = StopScanner(stops)
        self.redactor = SecretRedactor(secrets)
        self.text = ""
        self.token_ids: list[int] = []
        self.completion_tokens = 0
        # Whitespace at the edges of a turn ("Bob: Hi\n\nAlice:") belongs to the transcript
        # format, not to the message: it is held back until real text follows it.
        self._held_space = ""
        self._t0 = time.perf_counter()
        self._first_token_s: float | None = None
        self._steering = request.steering.label if request.steering is not None else None

    @property
    def message_id(self) -> str:
        return self.request.message_id

    def started(self) -> MessageStarted:
        return MessageStarted(
            message_id=self.message_id, agent=self.request.speaker, model=self.model, steering=self._steering
        )

    def delta(self, text: str, token_ids: Sequence[int] = ()) -> TokenDelta | None:
        """Account for a raw chunk; return the event to emit, if any text survives."""
        if self._first_token_s is None:
            self._first_token_s = time.perf_counter() - self._t0
        if self.scanner.stopped:
            return None
        self.completion_tokens += max(1, len(token_ids)) if (text or token_ids) else 0
        self.token_ids.extend(token_ids)
        safe = self._trim_edges(self.redactor.feed(self.scanner.feed(text)))
        if not safe:
            return None
        self.text += safe
        return TokenDelta(message_id=self.message_id, text=safe, token_ids=tuple(token_ids))

    def _trim_edges(self, text: str) -> str:
        if not self.text and not self._held_space:
            text = text.lstrip()
        body = text.rstrip()
        if not body:
            self._held_space += text if self.text else ""
            return ""
        out = self._held_space + body
        self._held_space = text[len(body) :]
        return out

    def error(self, exc: ProviderError) -> ErrorEvent:
        return ErrorEvent(
            kind=exc.kind,
            message=self.redactor.text(exc.message),
            message_id=self.message_id,
            retryable=exc.retryable,
            detail=self.redactor.text(exc.detail),
        )

    def completed(
        self,
        finish_reason: FinishReason,
        usage: Usage,
        *,
        with_token_ids: bool = False,
    ) -> list[TokenDelta | MessageCompleted]:
        """Flush held-back text and close the message."""
        events: list[TokenDelta | MessageCompleted] = []
        # The scanner has nothing to release after a stop; the redactor's held tail always goes.
        rest = self._trim_edges(self.redactor.feed(self.scanner.flush()) + self.redactor.flush())
        if rest:
            self.text += rest
            events.append(TokenDelta(message_id=self.message_id, text=rest))
        if self.scanner.stopped and finish_reason == "length":
            finish_reason = "stop"
        events.append(
            MessageCompleted(
                message_id=self.message_id,
                agent=self.request.speaker,
                model=self.model,
                text=self.text,
                finish_reason=finish_reason,
                usage=usage,
                steering=self._steering,
                latency_s=time.perf_counter() - self._t0,
                first_token_s=self._first_token_s,
                token_ids=tuple(self.token_ids) if with_token_ids else None,
            )
        )
        return events
