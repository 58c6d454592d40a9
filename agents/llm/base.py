"""The one provider protocol every model implements, and the records it speaks in."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from typing import Literal, Protocol, runtime_checkable

from pydantic import Field

from agents.events import ErrorKind, Event, Record, new_id


class ChatMessage(Record):
    role: Literal["system", "user", "assistant"]
    content: str
    # The speaker's name; base models see it as the transcript label ("Alice: ...").
    name: str | None = None


class GenerationParams(Record):
    max_tokens: int = Field(default=256, ge=1, le=32768)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    seed: int | None = None
    stop: tuple[str, ...] = ()
    # Stops only for a transcript prompt (a base model continuing "Name: text" turns), which
    # otherwise writes on into turns nobody took; a chat model ends its own turn.
    transcript_stop: tuple[str, ...] = ()
    # Penalise tokens already in the reply (CTRL-style; 1.0 = off). Small local models
    # loop without it; remote servers get it as a frequency penalty.
    repetition_penalty: float = Field(default=1.0, ge=1.0, le=2.0)
    # The longest run of tokens a reply may copy from an earlier turn (the speaker's own or a named
    # speaker's) or from itself: 0 = off; local models only, see agents.llm.local_repeats. A newline,
    # colon, quote, asterisk, digit or code character ends a run: labels, numbers and tool calls repeat freely.
    repeat_run: int = Field(default=0, ge=0, le=1024)


class Steering(Record):
    """Add ``vector`` to the residual stream after decoder block ``layer`` at every position
    while generating (local models only); ``label`` is what the message says about it."""

    layer: int
    vector: tuple[float, ...]
    label: str


class CompletionRequest(Record):
    messages: tuple[ChatMessage, ...]
    params: GenerationParams = GenerationParams()
    # Who is about to speak: the transcript prompt ends with "<speaker>:".
    speaker: str = "Assistant"
    message_id: str = Field(default_factory=new_id)
    steering: Steering | None = None


class ModelIdentity(Record):
    """What produced a message, precisely enough to reproduce it."""

    ref: str
    name: str
    backend: Literal["local", "openai-compatible", "scripted"]
    sha256: str | None = None
    device: str | None = None
    dtype: str | None = None
    base_url: str | None = None


class ScoredCandidate(Record):
    text: str
    logprob: float
    n_tokens: int


class ProviderError(Exception):
    """A failure with a kind that maps one-to-one onto an ``ErrorEvent``."""

    def __init__(self, kind: ErrorKind, message: str, *, retryable: bool = False, detail: str = ""):
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.retryable = retryable
        self.detail = detail
        self.retry_after_s: float | None = None


class CancelToken:
    """A stop flag readable from the event loop and from worker threads alike.

    A child token is cancelled with its parent, but cancelling the child (one message
    reaching its stop sequence) leaves the parent (the whole run) alone.
    """

    def __init__(self, parent: CancelToken | None = None) -> None:
        self._flag = threading.Event()
        self._parent = parent

    def cancel(self) -> None:
        self._flag.set()

    def child(self) -> CancelToken:
        return CancelToken(self)

    @property
    def cancelled(self) -> bool:
        return self._flag.is_set() or (self._parent is not None and self._parent.cancelled)


class Cancelled(Exception):
    """Raised by ``unless_cancelled`` when the token was cancelled before the awaitable finished."""


async def unless_cancelled(awaitable, cancel: CancelToken, poll_s: float = 0.02):
    """Await ``awaitable``, giving up within ``poll_s`` of ``cancel`` (the token is a thread flag,
    so it is polled): Stop must not wait for a slow connect, a silent server or a backoff sleep."""
    task = asyncio.ensure_future(awaitable)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=poll_s)
            if done:
                return task.result()
            if cancel.cancelled:
                raise Cancelled()
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


@runtime_checkable
class Provider(Protocol):
    identity: ModelIdentity

    def stream(self, request: CompletionRequest, cancel: CancelToken | None = None) -> AsyncIterator[Event]:
        """Yield MessageStarted, TokenDelta*, then exactly one MessageCompleted.

        Failures never raise: they arrive as an ErrorEvent before the MessageCompleted
        (finish_reason "error", with whatever text was produced before the failure).
        """
        ...

    async def score(
        self, messages: Sequence[ChatMessage], candidates: Sequence[str], speaker: str = "Assistant"
    ) -> list[ScoredCandidate]:
        """Log-likelihood of each candidate as the speaker's next words. Raises ProviderError."""
        ...

    async def aclose(self) -> None: ...
