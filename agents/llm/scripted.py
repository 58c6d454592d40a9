"""An instant, scripted provider for orchestration tests and overhead benchmarks.

It is never offered as a model reference to users: protocols are shown working on real models.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence

from agents.events import Event, FinishReason, Usage
from agents.llm.base import (
    CancelToken,
    ChatMessage,
    CompletionRequest,
    ModelIdentity,
    ProviderError,
    ScoredCandidate,
)
from agents.llm.streaming import MessageAssembler

Reply = str | ProviderError
Script = Callable[[CompletionRequest], Reply]


class ScriptedProvider:
    def __init__(
        self,
        script: Script | Sequence[Reply],
        scorer: Callable[[str], float] | None = None,
        delay_s: float = 0.0,
        name: str = "scripted",
    ):
        self._replies = None if callable(script) else list(script)
        self._script = script if callable(script) else self._next
        self._scorer = scorer
        self.delay_s = delay_s
        self.requests: list[CompletionRequest] = []
        self.identity = ModelIdentity(ref=f"scripted:{name}", name=name, backend="scripted")

    def _next(self, _request: CompletionRequest) -> Reply:
        if not self._replies:
            return ""
        return self._replies.pop(0)

    async def stream(self, request: CompletionRequest, cancel: CancelToken | None = None) -> AsyncIterator[Event]:
        self.requests.append(request)
        out = MessageAssembler(request, self.identity.ref, request.params.stop)
        yield out.started()
        reply = self._script(request)
        finish: FinishReason = "stop"
        words = [] if isinstance(reply, ProviderError) else reply.split(" ")
        for index, word in enumerate(words):
            if cancel is not None and cancel.cancelled:
                finish = "cancelled"
                break
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            event = out.delta(word if index == 0 else " " + word)
            if event is not None:
                yield event
        if isinstance(reply, ProviderError):
            yield out.error(reply)
            finish = "error"
        usage = Usage(prompt_tokens=sum(len(m.content.split()) for m in request.messages), completion_tokens=len(words))
        for last in out.completed(finish, usage):
            yield last

    async def score(
        self, messages: Sequence[ChatMessage], candidates: Sequence[str], speaker: str = "Assistant"
    ) -> list[ScoredCandidate]:
        if self._scorer is None:
            raise ProviderError("unsupported", "this scripted provider cannot score")
        return [ScoredCandidate(text=c, logprob=self._scorer(c), n_tokens=len(c.split())) for c in candidates]

    async def aclose(self) -> None:
        return None
