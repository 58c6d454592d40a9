"""Provider for any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp, LM Studio)."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any, cast

import openai

from agents.events import ContextTrimmed, Event, FinishReason, Notice, Usage
from agents.llm.base import (
    Cancelled,
    CancelToken,
    ChatMessage,
    CompletionRequest,
    ModelIdentity,
    ProviderError,
    ScoredCandidate,
    unless_cancelled,
)
from agents.llm.credentials import api_key_for, redact_text
from agents.llm.endpoints import EndpointConfig
from agents.llm.openai_errors import classify
from agents.llm.prompt import (
    clean_text,
    fit_to_context,
    render_transcript,
    speaker_stops,
)
from agents.llm.refs import OpenAIRef
from agents.llm.streaming import MessageAssembler
from agents.llm.transport import http

CHARS_PER_TOKEN = 4  # without the server's tokenizer, context fitting estimates
MAX_SERVER_STOPS = 4  # OpenAI's API accepts at most four; the rest are enforced client-side
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 20.0


class OpenAICompatProvider:
    def __init__(self, ref: OpenAIRef):
        self.ref = ref
        self.endpoint = ref.endpoint
        self.identity = ModelIdentity(
            ref=f"openai-compatible:{self.endpoint.base_url}#{self.endpoint.model}",
            name=self.endpoint.model,
            backend="openai-compatible",
            base_url=self.endpoint.base_url,
        )
        timeout = http.Timeout(self.endpoint.timeout_s, connect=self.endpoint.connect_timeout_s)
        # Retries are ours (before the first token only), so the client's are off.
        self._client = openai.AsyncOpenAI(
            base_url=self.endpoint.base_url, api_key=api_key_for(ref), timeout=timeout, max_retries=0
        )

    async def stream(self, request: CompletionRequest, cancel: CancelToken | None = None) -> AsyncIterator[Event]:
        cancel = cancel or CancelToken()
        messages, trimmed = self._fit(request)
        base_model = self.endpoint.api == "completions"
        stops = tuple(request.params.stop) + (speaker_stops(messages, request.speaker) if base_model else ())
        out = MessageAssembler(request, self.identity.ref, stops)
        yield out.started()
        if trimmed is not None:
            yield trimmed
        usage: Usage | None = None
        finish: FinishReason = "error"
        clock = Deadlines(self.endpoint, out)
        for attempt in range(self.endpoint.max_retries + 1):
            if cancel.cancelled:
                finish = "cancelled"
                break
            try:
                async for item in self._attempt(request, messages, stops, out, _Waiter(cancel, clock)):
                    if isinstance(item, Usage):
                        usage = item
                    elif isinstance(item, str):
                        finish = cast(FinishReason, item)  # _attempt yields only FinishReason strings
                    else:
                        yield item
                break
            except Cancelled:
                finish = "cancelled"
                break
            except Exception as exc:  # every failure becomes an event; see openai_errors
                error = classify(
                    exc,
                    base_url=self.endpoint.base_url,
                    model=self.endpoint.model,
                    streaming_started=bool(out.completion_tokens),
                )
                if error.retryable and not out.completion_tokens and attempt < self.endpoint.max_retries:
                    delay = self._backoff(attempt, error)
                    yield Notice(
                        level="warning",
                        text=f"{out.redactor.text(error.message)}; retrying in {delay:.1f} s (attempt {attempt + 2}/{self.endpoint.max_retries + 1})",
                    )
                    try:
                        await unless_cancelled(asyncio.sleep(delay), cancel)
                    except Cancelled:
                        finish = "cancelled"
                        break
                    continue
                yield out.error(error)
                finish = "error"
                break
        if usage is None:
            prompt_chars = sum(len(m.content) for m in messages)
            usage = Usage(
                prompt_tokens=prompt_chars // CHARS_PER_TOKEN, completion_tokens=out.completion_tokens, estimated=True
            )
        for event in out.completed(finish, usage):
            yield event

    async def _attempt(
        self,
        request: CompletionRequest,
        messages: Sequence[ChatMessage],
        stops: Sequence[str],
        out: MessageAssembler,
        wait: _Waiter,
    ) -> AsyncIterator[Any]:
        """One HTTP request; yields TokenDelta events, then Usage and the finish reason."""
        response = await wait(self._open(request, messages, stops))
        finish: str | None = None
        chunks = response.__aiter__()
        try:
            while True:
                try:
                    chunk = await wait(chunks.__anext__())
                except StopAsyncIteration:
                    break
                if getattr(chunk, "usage", None):
                    yield Usage(
                        prompt_tokens=chunk.usage.prompt_tokens or 0,
                        completion_tokens=chunk.usage.completion_tokens or 0,
                    )
                text, reason = _chunk_text(chunk, self.endpoint.api)
                event = out.delta(text) if text else None
                if event is not None:
                    yield event
                if out.scanner.stopped:
                    yield "stop"
                    return
                finish = _finish(reason, finish)
        finally:
            await response.close()
        if finish is None:
            # Some servers end a dying stream with a clean close; no finish reason means
            # the reply was cut off, not completed.
            raise ProviderError("disconnected", f"{self.endpoint.base_url} ended the stream before finishing the reply")
        yield finish

    async def _open(self, request: CompletionRequest, messages: Sequence[ChatMessage], stops: Sequence[str]) -> Any:
        params = request.params
        common: dict[str, Any] = dict(
            model=self.endpoint.model,
            max_tokens=params.max_tokens,
            temperature=params.temperature,
            top_p=params.top_p,
            stream=True,
            stream_options={"include_usage": True},
        )
        if params.seed is not None:
            common["seed"] = params.seed
        if params.repetition_penalty > 1.0:
            common["frequency_penalty"] = round(min(2.0, (params.repetition_penalty - 1.0) * 2), 3)
        if stops:
            common["stop"] = list(stops[:MAX_SERVER_STOPS])
        if self.endpoint.api == "completions":
            prompt = render_transcript(messages, request.speaker)
            return await self._client.completions.create(prompt=prompt, **common)
        chat: list[Any] = [_chat_dict(m) for m in messages]  # the SDK's TypedDicts, built as plain dicts
        return await self._client.chat.completions.create(messages=chat, **common)

    def _fit(self, request: CompletionRequest) -> tuple[Sequence[ChatMessage], ContextTrimmed | None]:
        window = self.endpoint.context_tokens
        if window is None:
            return request.messages, None
        budget = max(1, window - request.params.max_tokens)
        estimate = lambda ms: sum(len(m.content) + 8 for m in ms) // CHARS_PER_TOKEN  # noqa: E731
        fitted = fit_to_context(request.messages, estimate, budget)
        if not (fitted.dropped or fitted.truncated_chars):
            return request.messages, None
        event = ContextTrimmed(
            message_id=request.message_id,
            dropped_messages=fitted.dropped,
            truncated_chars=fitted.truncated_chars,
            prompt_tokens=estimate(fitted.messages),
            context_tokens=window,
        )
        return fitted.messages, event

    def _backoff(self, attempt: int, error: ProviderError) -> float:
        if error.retry_after_s is not None:
            return min(error.retry_after_s, BACKOFF_CAP_S)
        return min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt) * random.uniform(0.8, 1.2)

    async def score(
        self, messages: Sequence[ChatMessage], candidates: Sequence[str], speaker: str = "Assistant"
    ) -> list[ScoredCandidate]:
        """Log-likelihood via the completions endpoint with ``echo`` and ``logprobs``."""
        prompt = render_transcript(messages, speaker)
        results = []
        for candidate in candidates:
            try:
                reply = await asyncio.wait_for(
                    self._client.completions.create(
                        model=self.endpoint.model,
                        prompt=prompt + clean_text(candidate),
                        max_tokens=1,
                        echo=True,
                        logprobs=1,
                        temperature=0.0,
                    ),
                    self.endpoint.total_timeout_s,
                )  # a body dribbled out forever never trips the read timeout
                results.append(_candidate_score(reply, len(prompt), candidate))
            except ProviderError:
                raise
            except TimeoutError:
                raise ProviderError(
                    "timeout",
                    f"{self.endpoint.base_url} (model {self.endpoint.model!r}) did not score "
                    f"within the total deadline of {self.endpoint.total_timeout_s:g} s",
                ) from None
            except Exception as exc:
                raise classify(
                    exc, base_url=self.endpoint.base_url, model=self.endpoint.model, streaming_started=False
                ) from exc
        return results

    async def aclose(self) -> None:
        await self._client.close()


class Deadlines:
    """The first-token and total deadlines of one request (both counted from its start).

    ``timeout_s`` only bounds the silence between two reads, and SSE keep-alive comments
    (``: ping``) reset it without ever carrying text; these two bound the request itself.
    """

    def __init__(self, endpoint: EndpointConfig, out: MessageAssembler):
        self.endpoint, self._out = endpoint, out
        start = asyncio.get_running_loop().time()
        self.first_token_at = start + endpoint.first_token_timeout_s
        self.total_at = start + endpoint.total_timeout_s

    def nearest(self) -> float:
        """When the next deadline passes (the first-token one stops counting once text came)."""
        return self.total_at if self._out.completion_tokens else min(self.total_at, self.first_token_at)

    def remaining(self) -> float:
        """Seconds left before the nearest deadline; raise the timeout when none are."""
        left = self.nearest() - asyncio.get_running_loop().time()
        if left <= 0:
            raise self.expired()
        return left

    def expired(self) -> ProviderError:
        where = f"{self.endpoint.base_url} (model {self.endpoint.model!r})"
        if self._out.completion_tokens or self.total_at <= self.first_token_at:
            return ProviderError(
                "timeout",
                f"{where} did not finish the reply within the total deadline "
                f"of {self.endpoint.total_timeout_s:g} s (total=, total_timeout_s)",
            )
        return ProviderError(
            "timeout",
            f"{where} sent no reply text within the first-token deadline of "
            f"{self.endpoint.first_token_timeout_s:g} s (first_token=, first_token_timeout_s); "
            "a server that only sends keep-alives never trips the read timeout",
        )


class _Waiter:
    """Await one step of a request, giving up on Stop or when a deadline passes."""

    def __init__(self, cancel: CancelToken, clock: Deadlines):
        self.cancel, self.clock = cancel, clock

    async def __call__(self, awaitable: Any) -> Any:
        limit = self.clock.remaining()
        try:
            return await unless_cancelled(asyncio.wait_for(awaitable, limit), self.cancel)
        except TimeoutError:
            if asyncio.get_running_loop().time() < self.clock.nearest():
                raise  # not ours (a socket's own timeout): classified as usual
            raise self.clock.expired() from None


def _chat_dict(message: ChatMessage) -> dict[str, str]:
    """OpenAI allows only [A-Za-z0-9_-] in ``name``; the real name also leads the text."""
    content = clean_text(message.content)
    entry = {"role": message.role, "content": content}
    if message.name:
        entry["name"] = re.sub(r"[^A-Za-z0-9_-]", "_", message.name)[:64]
        if message.role == "user":
            entry["content"] = f"{message.name}: {content}"
    return entry


def _chunk_text(chunk: Any, api: str) -> tuple[str, str | None]:
    """Text and finish reason of one streamed chunk; raise ProviderError on a malformed one."""
    choices = getattr(chunk, "choices", None)
    if choices is None:
        raise ProviderError(
            "malformed_response", "a streamed chunk had no 'choices'", detail=redact_text(repr(chunk), limit=300)
        )
    if not choices:
        return "", None  # the usage-only chunk at the end
    choice = choices[0]
    text = (
        getattr(choice, "text", None)
        if api == "completions"
        else getattr(getattr(choice, "delta", None), "content", None)
    )
    if text is not None and not isinstance(text, str):
        raise ProviderError(
            "malformed_response", "a streamed chunk's text was not a string", detail=redact_text(repr(chunk), limit=300)
        )
    return text or "", getattr(choice, "finish_reason", None)


def _finish(reason: str | None, current: str | None) -> str | None:
    if reason is None:
        return current
    return "length" if reason == "length" else "stop"


def _candidate_score(reply: Any, prompt_chars: int, candidate: str) -> ScoredCandidate:
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
