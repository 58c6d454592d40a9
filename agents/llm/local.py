"""The local provider: a Hugging Face causal LM run in-process on a worker thread."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import cast

from agents.events import ContextTrimmed, Event, FinishReason, Usage
from agents.llm import local_generate
from agents.llm.base import (
    CancelToken,
    ChatMessage,
    CompletionRequest,
    ModelIdentity,
    ProviderError,
    ScoredCandidate,
)
from agents.llm.local_batch import GenerationJob
from agents.llm.local_model import LoadedModel
from agents.llm.prompt import clean_text, fit_to_context, render_transcript, speaker_stops
from agents.llm.streaming import MessageAssembler
from agents.llm.worker import ThreadJob


def chat_turns(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    """Messages as strict chat turns: one system message first, then alternating turns.

    Many chat templates (Gemma-IT, Llama-2, Mistral) raise on two user turns in a row;
    a multi-agent transcript has many, so consecutive turns of one role are merged and
    other speakers' names are kept in the text.
    """
    system = "\n\n".join(clean_text(m.content) for m in messages if m.role == "system")
    turns: list[dict[str, str]] = [{"role": "system", "content": system}] if system else []
    for m in messages:
        if m.role == "system":
            continue
        text = clean_text(m.content) if m.role == "assistant" or not m.name else f"{m.name}: {clean_text(m.content)}"
        if turns and turns[-1]["role"] == m.role:
            turns[-1]["content"] += "\n\n" + text
        else:
            turns.append({"role": m.role, "content": text})
    return turns


class LocalProvider:
    """Streams completions and scores continuations with an in-process model."""

    def __init__(self, loaded: LoadedModel):
        self.loaded = loaded
        self.identity: ModelIdentity = loaded.identity
        self._tokenizer = loaded.tokenizer

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self._tokenizer, "chat_template", None))

    def render(self, messages: Sequence[ChatMessage], speaker: str) -> str:
        """The exact prompt text: the model's chat template, or a speaker transcript."""
        if not self.has_chat_template:
            return render_transcript(messages, speaker)
        return self._tokenizer.apply_chat_template(chat_turns(messages), add_generation_prompt=True, tokenize=False)

    def encode(self, text: str) -> list[int]:
        # Chat templates already spell out BOS; transcripts need the tokenizer to add it.
        return self._tokenizer(text, add_special_tokens=not self.has_chat_template)["input_ids"]

    def turn_ids(self, messages: Sequence[ChatMessage]) -> tuple[tuple[int, ...], ...]:
        """The turns a reply may not copy at length (GenerationParams.repeat_run) as token ids: the
        speaker's own messages and every named speaker's, not the system text (the worked example)
        nor an unnamed task. Each is tokenised as the transcript has it, after "Name: "."""
        return tuple(
            tuple(self._tokenizer(" " + clean_text(m.content).strip(), add_special_tokens=False)["input_ids"])
            for m in messages
            if m.role != "system" and (m.role == "assistant" or m.name) and m.content.strip()
        )

    def count_tokens(self, messages: Sequence[ChatMessage], speaker: str = "Assistant") -> int:
        return len(self.encode(self.render(messages, speaker)))

    async def stream(self, request: CompletionRequest, cancel: CancelToken | None = None) -> AsyncIterator[Event]:
        # Our own child token: stopping this message must not stop the caller's run.
        cancel = cancel.child() if cancel is not None else CancelToken()
        params = request.params
        stops = tuple(params.stop) + (
            () if self.has_chat_template else speaker_stops(request.messages, request.speaker) + params.transcript_stop
        )
        out = MessageAssembler(request, self.identity.ref, stops)
        yield out.started()
        prompt_ids: list[int] = []
        job = None
        try:
            max_new = min(params.max_tokens, max(1, self.loaded.context_tokens // 2))
            budget = self.loaded.context_tokens - max_new
            fitted = fit_to_context(request.messages, lambda ms: self.count_tokens(ms, request.speaker), budget)
            prompt_text = self.render(fitted.messages, request.speaker)
            prompt_ids = self.encode(prompt_text)[-budget:]
            self.loaded.recent_prompts.remember(request.message_id, prompt_text, prompt_ids)
            if fitted.dropped or fitted.truncated_chars:
                yield ContextTrimmed(
                    message_id=request.message_id,
                    dropped_messages=fitted.dropped,
                    truncated_chars=fitted.truncated_chars,
                    prompt_tokens=len(prompt_ids),
                    context_tokens=self.loaded.context_tokens,
                )
            spec = local_generate.GenerationSpec(
                prompt_ids,
                max_new,
                params.temperature,
                params.top_p,
                params.seed,
                stops,
                params.repetition_penalty,
                request.steering,
                params.repeat_run,
                self.turn_ids(fitted.messages) if params.repeat_run else (),
            )
            job = ThreadJob(GenerationJob(self.loaded, spec, cancel), self.loaded.executor)
            async for token_id, text in job:
                event = out.delta(text, (token_id,))
                if event is not None:
                    yield event
                if out.scanner.stopped:
                    cancel.cancel()
            finish = cast(FinishReason, job.result or "error")  # generate returns a FinishReason
        except Exception as exc:  # a template or torch failure must become an event, not a traceback
            yield out.error(ProviderError("internal", f"local generation failed: {exc!r}"))
            finish = "error"
        finally:
            # Also on task cancellation or an early aclose(): the worker must stop and be
            # free before anyone else uses the model.
            cancel.cancel()
            if job is not None:
                await job.wait()
        if out.scanner.stopped:
            finish = "stop"
        usage = Usage(prompt_tokens=len(prompt_ids), completion_tokens=len(out.token_ids))
        for last in out.completed(finish, usage, with_token_ids=True):
            yield last

    async def score(
        self, messages: Sequence[ChatMessage], candidates: Sequence[str], speaker: str = "Assistant"
    ) -> list[ScoredCandidate]:
        if not candidates:
            return []
        prompt_ids = self.encode(self.render(messages, speaker))
        cand_ids = [self._tokenizer(clean_text(c), add_special_tokens=False)["input_ids"] for c in candidates]
        budget = self.loaded.context_tokens - max(len(ids) for ids in cand_ids)
        if budget < 1:
            raise ProviderError("context_overflow", "a candidate is longer than the context window")
        prompt_ids = prompt_ids[-budget:]
        loop = asyncio.get_running_loop()
        logprobs = await loop.run_in_executor(
            self.loaded.executor, local_generate.score_continuations, self.loaded, prompt_ids, cand_ids
        )
        return [
            ScoredCandidate(text=text, logprob=lp, n_tokens=len(ids))
            for text, lp, ids in zip(candidates, logprobs, cand_ids)
        ]

    async def aclose(self) -> None:
        """The loaded model is shared process-wide; nothing to release per provider."""
