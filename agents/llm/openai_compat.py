"""Provider for any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp, LM Studio)."""

from __future__ import annotations

import asyncio
import random
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
from agents.llm.credentials import api_key_for
from agents.llm.native_tools import REFUSAL_KINDS, ToolCallPiece, ToolChoice
from agents.llm.openai_deadlines import Deadlines, Waiter
from agents.llm.openai_errors import classify
from agents.llm.openai_wire import (
    ToolAsk,
    candidate_score,
    chat_dict,
    chunk_part,
    merged_finish,
    part_items,
    reply_usage,
    whole_items,
)
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
        # What this server showed about native tool calls (see agents.llm.native_tools).
        self._tools_refused = False
        self._tools_streamed = True

    async def stream(self, request: CompletionRequest, cancel: CancelToken | None = None) -> AsyncIterator[Event]:
        async for item in self._stream(request, cancel, ToolAsk()):
            if not isinstance(item, ToolCallPiece):
                yield item

    def uses_native_tools(self) -> bool:
        mode = self.endpoint.native_tools
        if mode == "auto":
            return self.endpoint.api == "chat" and not self._tools_refused
        return mode == "on"

    def tools_refused(self, kind: str) -> bool:
        if self.endpoint.native_tools != "auto" or kind not in REFUSAL_KINDS:
            return False
        self._tools_refused = True
        return True

    def stream_tools(
        self,
        request: CompletionRequest,
        tools: Sequence[dict[str, Any]],
        extra: Sequence[dict[str, Any]],
        cancel: CancelToken | None = None,
        tool_choice: ToolChoice = "auto",
    ) -> AsyncIterator[Event | ToolCallPiece]:
        ask = ToolAsk(tuple(tools), tuple(extra), tool_choice, streamed=self._tools_streamed)
        return self._stream(request, cancel, ask)

    async def _stream(
        self, request: CompletionRequest, cancel: CancelToken | None, ask: ToolAsk
    ) -> AsyncIterator[Event | ToolCallPiece]:
        cancel = cancel or CancelToken()
        messages, trimmed = self._fit(request)
        base_model = self.endpoint.api == "completions"
        stops = tuple(request.params.stop) + (
            speaker_stops(messages, request.speaker) + request.params.transcript_stop if base_model else ()
        )
        out = MessageAssembler(request, self.identity.ref, stops)
        yield out.started()
        if trimmed is not None:
            yield trimmed
        usage: Usage | None = None
        finish: FinishReason = "error"
        clock, attempt = Deadlines(self.endpoint, out), 0
        while True:
            if cancel.cancelled:
                finish = "cancelled"
                break
            try:
                async for item in self._attempt(request, messages, stops, out, Waiter(cancel, clock), ask):
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
                if self._unstreamed(ask, error):
                    yield Notice(level="warning", text=self._unstreamed_notice(error))
                    continue
                if error.retryable and not out.completion_tokens and attempt < self.endpoint.max_retries:
                    attempt += 1
                    delay = self._backoff(attempt - 1, error)
                    yield Notice(
                        level="warning",
                        text=f"{out.redactor.text(error.message)}; retrying in {delay:.1f} s (attempt {attempt + 1}/{self.endpoint.max_retries + 1})",
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

    def _unstreamed(self, ask: ToolAsk, error: ProviderError) -> bool:
        """Ask again without streaming (see ``ToolAsk.unstream``), and keep doing so for this server."""
        if not ask.unstream(error.kind):
            return False
        self._tools_streamed = False
        return True

    def _unstreamed_notice(self, error: ProviderError) -> str:
        return (
            f"{self.endpoint.base_url} ended a streamed reply with tools before sending anything ({error.kind}); "
            "asking again without streaming, for this and later tool turns (its chat format may not stream tool calls)"
        )

    async def _attempt(
        self,
        request: CompletionRequest,
        messages: Sequence[ChatMessage],
        stops: Sequence[str],
        out: MessageAssembler,
        wait: Waiter,
        ask: ToolAsk,
    ) -> AsyncIterator[Any]:
        """One HTTP request; yields TokenDelta events and call pieces, then Usage and the finish reason."""
        response = await wait(self._open(request, messages, stops, ask))
        ask.opened = True
        if not ask.streamed:
            for item in whole_items(response, out, ask):
                yield item
            return
        finish: str | None = None
        chunks = response.__aiter__()
        try:
            while True:
                try:
                    chunk = await wait(chunks.__anext__())
                except StopAsyncIteration:
                    break
                if (usage := reply_usage(chunk)) is not None:
                    yield usage
                part = chunk_part(chunk, self.endpoint.api)
                for item in part_items(part, out, ask):
                    yield item
                if out.scanner.stopped:
                    yield "stop"
                    return
                finish = merged_finish(part.finish, finish)
        finally:
            await response.close()
        if finish is None:
            # Some servers end a dying stream with a clean close; no finish reason means
            # the reply was cut off, not completed.
            raise ProviderError("disconnected", f"{self.endpoint.base_url} ended the stream before finishing the reply")
        yield finish

    async def _open(
        self, request: CompletionRequest, messages: Sequence[ChatMessage], stops: Sequence[str], ask: ToolAsk
    ) -> Any:
        params = request.params
        common: dict[str, Any] = dict(
            model=self.endpoint.model,
            max_tokens=params.max_tokens,
            temperature=params.temperature,
            top_p=params.top_p,
            stream=ask.streamed,
        )
        if ask.streamed:
            common["stream_options"] = {"include_usage": True}
        if params.seed is not None:
            common["seed"] = params.seed
        if params.repetition_penalty > 1.0:
            common["frequency_penalty"] = round(min(2.0, (params.repetition_penalty - 1.0) * 2), 3)
        if stops:
            common["stop"] = list(stops[:MAX_SERVER_STOPS])
        if self.endpoint.api == "completions":
            if ask.tools:
                raise ProviderError("unsupported", "native tool calls need the chat API (api=chat), not completions")
            prompt = render_transcript(messages, request.speaker)
            return await self._client.completions.create(prompt=prompt, **common)
        chat: list[Any] = [chat_dict(m) for m in messages]  # the SDK's TypedDicts, built as plain dicts
        if ask.tools:
            chat += ask.extra
            common.update(tools=list(ask.tools), tool_choice=ask.tool_choice)
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
                results.append(candidate_score(reply, len(prompt), candidate))
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
