"""What the model-facing memory steps share: one completion collected from any provider, and a
tokenizer-free token estimate for budgets."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.events import ErrorEvent, MessageCompleted, Usage
from agents.llm.base import CancelToken, ChatMessage, CompletionRequest, GenerationParams, Provider

# Memory steps are bookkeeping, not conversation: low temperature, a fixed seed, short.
STEP_PARAMS = dict(temperature=0.0, seed=0, repetition_penalty=1.1)


@dataclass(frozen=True)
class Completion:
    text: str
    error: str | None = None  # the provider's failure, if any (the text may be partial)
    usage: Usage = field(default_factory=Usage)  # what the call cost; the run's token budget counts it
    model: str = ""


def estimate_tokens(text: str) -> int:
    """About four characters a token for English with a 262k vocabulary; no tokenizer needed."""
    return (len(text) + 3) // 4


async def complete(
    provider: Provider,
    system: str,
    user: str,
    speaker: str,
    max_tokens: int,
    stop: tuple[str, ...] = (),
    cancel: CancelToken | None = None,
) -> Completion:
    """Ask once and collect the text; failures come back as ``error``, never raised."""
    params = GenerationParams(max_tokens=max_tokens, stop=stop, **STEP_PARAMS)  # type: ignore[arg-type]
    request = CompletionRequest(
        messages=(ChatMessage(role="system", content=system), ChatMessage(role="user", content=user, name="Notes")),
        params=params,
        speaker=speaker,
    )
    text, error, usage = "", None, Usage()
    try:
        async for event in provider.stream(request, cancel):
            if isinstance(event, ErrorEvent):
                error = event.message
            elif isinstance(event, MessageCompleted):
                text, usage = event.text, event.usage
    except Exception as exc:  # a provider bug must not lose the turn's memory: the fallback runs
        error = f"{exc!r}"
    if usage == Usage() and error is None:  # a provider that sent no usage still spent tokens
        usage = Usage(
            prompt_tokens=estimate_tokens(system + user), completion_tokens=estimate_tokens(text), estimated=True
        )
    return Completion(text, error, usage, provider.identity.ref)
