"""The one message a turn with tools becomes, whichever way the model calls (text or native)."""

from __future__ import annotations

import time

from agents.events import FinishReason, MessageCompleted, TokenDelta, Usage
from agents.llm.base import CompletionRequest


class TurnReply:
    """The one message of a turn with tools, assembled across its generations (segments or rounds)."""

    def __init__(self, request: CompletionRequest):
        self.message_id = request.message_id
        self.text = ""
        self.usage = Usage()
        self.started = time.perf_counter()
        self.first_token_s: float | None = None
        self.agent, self.model = request.speaker, ""
        self.last: MessageCompleted | None = None  # the latest segment's completion

    def add_usage(self, usage: Usage) -> None:
        self.usage = Usage(
            prompt_tokens=self.usage.prompt_tokens + usage.prompt_tokens,
            completion_tokens=self.usage.completion_tokens + usage.completion_tokens,
            estimated=self.usage.estimated or usage.estimated,
        )

    def delta(self, text: str) -> TokenDelta:
        self.text += text
        if self.first_token_s is None:
            self.first_token_s = time.perf_counter() - self.started
        return TokenDelta(message_id=self.message_id, text=text)

    def completed(self, finish: FinishReason) -> MessageCompleted:
        return MessageCompleted(
            message_id=self.message_id,
            agent=self.agent,
            model=self.model,
            text=self.text,
            finish_reason=finish,
            usage=self.usage,
            latency_s=time.perf_counter() - self.started,
            first_token_s=self.first_token_s,
        )
