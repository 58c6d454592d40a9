"""Steering a local model while it generates: a vector added to the residual stream after a
named decoder block, per row of a batch, by a forward hook that is always removed.

``SteeredProvider`` gives one agent a steering vector: every request it sends carries the
spec, which the local provider hands to generation and the message's events are labelled
with. Finding a vector (difference of means over contrast sets) is ``agents.interp``'s job.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from agents.events import Event
from agents.llm.base import CancelToken, ChatMessage, CompletionRequest, ScoredCandidate, Steering

# llama.cpp has no residual stream to hook, so a batch with a steered row decodes in torch
# (``local_generate.generate_batch``); measured by tests/bench/bench_interp2.py steering.
ENGINE_NOTE = (
    "Slower: steered turns run in torch, not the fast llama.cpp engine "
    "(about 2.4× per token on a CPU; turns batched with them too)."
)


def residual_module(model: Any, layer: int) -> Any:
    """Block ``layer``'s module (its output is the residual after it); -1 is the embeddings."""
    base = model.base_model
    return base.embed_tokens if layer == -1 else base.layers[layer]


@contextmanager
def add_residual_delta(model: Any, layer: int, delta: Any) -> Iterator[None]:
    """Add ``delta`` ((d,) for every row, or (batch, d) one per row) after ``layer``, every position."""
    import torch

    def add(_module: Any, _args: Any, output: Any) -> Any:
        hidden = output[0] if isinstance(output, tuple) else output
        shift = torch.as_tensor(delta, dtype=hidden.dtype, device=hidden.device)
        hidden = hidden + (shift[None, None, :] if shift.dim() == 1 else shift[:, None, :])
        return (hidden, *output[1:]) if isinstance(output, tuple) else hidden

    handle = residual_module(model, layer).register_forward_hook(add)
    try:
        yield
    finally:
        handle.remove()


@contextmanager
def steering_rows(model: Any, rows: Sequence[Steering | None]) -> Iterator[None]:
    """Steer each row of a batch by its own spec (None: not steered), one hook per layer."""
    from contextlib import ExitStack

    import torch

    width = int(model.config.get_text_config().hidden_size)
    with ExitStack() as stack:
        for layer in sorted({s.layer for s in rows if s is not None}):
            delta = torch.zeros(len(rows), width)
            for i, spec in enumerate(rows):
                if spec is not None and spec.layer == layer:
                    delta[i] = torch.tensor(spec.vector)
            stack.enter_context(add_residual_delta(model, layer, delta))
        yield


class SteeredProvider:
    """The same local provider, with ``steering`` on every request of one agent."""

    def __init__(self, base: Any, steering: Steering):
        self.base = base
        self.steering = steering
        self.identity = base.identity

    async def stream(self, request: CompletionRequest, cancel: CancelToken | None = None) -> AsyncIterator[Event]:
        async for event in self.base.stream(request.model_copy(update={"steering": self.steering}), cancel):
            yield event

    async def score(
        self, messages: Sequence[ChatMessage], candidates: Sequence[str], speaker: str = "Assistant"
    ) -> list[ScoredCandidate]:
        """Scored unsteered: a scored fallback reads the model's plain preference."""
        return await self.base.score(messages, candidates, speaker)

    async def aclose(self) -> None:
        await self.base.aclose()
