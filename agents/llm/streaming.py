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


class StopScanner:
    """Cuts a streamed text at the first stop sequence.

    Text that might be the beginning of a stop sequence is held back until it is decided,
    so a consumer never sees half of a "\\nAlice:" that is later removed.
    """

    def __init__(self, stops: Sequence[str]):
        self._stops = tuple(s for s in stops if s)
        self._pending = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        """Return the part of ``text`` that is safe to emit now."""
        if self.stopped:
            return ""
        buffer = self._pending + text
        cut = min((i for i in (buffer.find(s) for s in self._stops) if i >= 0), default=-1)
        if cut >= 0:
            self.stopped = True
            self._pending = ""
            return buffer[:cut]
        hold = self._longest_partial_stop(buffer)
        self._pending = buffer[len(buffer) - hold :] if hold else ""
        return buffer[: len(buffer) - hold]

    def flush(self) -> str:
        """Release held-back text at the end of the stream."""
        rest, self._pending = self._pending, ""
        return "" if self.stopped else rest

    def _longest_partial_stop(self, buffer: str) -> int:
        best = 0
        for stop in self._stops:
            for length in range(min(len(stop) - 1, len(buffer)), best, -1):
                if buffer.endswith(stop[:length]):
                    best = length
                    break
        return best


class MessageAssembler:
    """Builds MessageStarted / TokenDelta / ErrorEvent / MessageCompleted for one request."""

    def __init__(self, request: CompletionRequest, model: str, stops: Sequence[str]):
        self.request = request
        self.model = model
        self.scanner = StopScanner(stops)
        self.text = ""
        self.token_ids: list[int] = []
        self.completion_tokens = 0
        # Whitespace at the edges of a turn ("Bob: Hi\n\nAlice:") belongs to the transcript
        # format, not to the message: it is held back until real text follows it.
        self._held_space = ""
        self._t0 = time.perf_counter()
        self._first_token_s: float | None = None

    @property
    def message_id(self) -> str:
        return self.request.message_id

    def started(self) -> MessageStarted:
        return MessageStarted(message_id=self.message_id, agent=self.request.speaker, model=self.model)

    def delta(self, text: str, token_ids: Sequence[int] = ()) -> TokenDelta | None:
        """Account for a raw chunk; return the event to emit, if any text survives."""
        if self._first_token_s is None:
            self._first_token_s = time.perf_counter() - self._t0
        if self.scanner.stopped:
            return None
        self.completion_tokens += max(1, len(token_ids)) if (text or token_ids) else 0
        self.token_ids.extend(token_ids)
        safe = self._trim_edges(self.scanner.feed(text))
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
            message=exc.message,
            message_id=self.message_id,
            retryable=exc.retryable,
            detail=exc.detail,
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
        if finish_reason != "stop" or not self.scanner.stopped:
            rest = self._trim_edges(self.scanner.flush())
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
                latency_s=time.perf_counter() - self._t0,
                first_token_s=self._first_token_s,
                token_ids=tuple(self.token_ids) if with_token_ids else None,
            )
        )
        return events
