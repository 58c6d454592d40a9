"""What the interpretability engine hands out: the input it reads and the events it yields.

These are plain frozen dataclasses, deliberately not members of the session ``Event`` union:
they carry float32 numpy arrays (a 2,000-token input's attention alone is over 1 GB) that
are derived data, reproducible from a message's token ids and the model's identity, and do
not belong in the append-only session log or its JSON round-trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class TokenSpan:
    """Positions ``start:end`` belong to one part of the conversation (a message, the task…)."""

    label: str  # what the panel shows, e.g. "Alice #2"
    start: int
    end: int
    agent: str | None = None
    message_id: str | None = None


@dataclass(frozen=True)
class InspectInput:
    """Exactly which token ids to run, how to label them, and who wrote which part."""

    token_ids: tuple[int, ...]
    labels: tuple[str, ...]
    spans: tuple[TokenSpan, ...] = ()
    title: str = ""
    # The inspected message's first position (0 for a plain text).
    focus_start: int = 0
    # True when the message's own generated ids were used rather than a re-tokenisation.
    exact_ids: bool = False
    # True when the context is the very prompt the model saw (recorded when it generated).
    exact_prompt: bool = False


@dataclass(frozen=True)
class InspectStarted:
    input: InspectInput
    model: str  # the model's reference, e.g. "local"
    n_layers: int  # decoder layers; lens rows are n_layers + 1 (embeddings first)
    n_heads: int
    top_k: int
    cached: bool = False


@dataclass(frozen=True)
class AttentionReady:
    layer: int
    weights: np.ndarray  # float32 (heads, query, key), rows sum to one
    thumbnails: np.ndarray | None = None  # float32 (heads, side, side), max-pooled weights


@dataclass(frozen=True)
class LensChunkReady:
    """Every lens row (embeddings, then each layer) for positions ``start:end``.

    Arrays are (rows, end - start[, top_k]). The last position has no next token: its
    ``target_prob`` is NaN and its ``target_rank`` -1.
    """

    start: int
    end: int
    top_ids: np.ndarray  # int32
    top_probs: np.ndarray  # float32
    target_prob: np.ndarray  # float32
    target_rank: np.ndarray  # int32, 0 = the model's top choice
    entropy: np.ndarray  # float32, nats
    kl_to_final: np.ndarray  # float32, nats, KL(layer || final)
    token_text: dict[int, str] = field(default_factory=dict)  # text of every id in top_ids


@dataclass(frozen=True)
class InspectFinished:
    elapsed_s: float
    # Largest |lens last row - the model's own logits|, in log-probability; ~0 when correct.
    parity_max_abs_diff: float
    cached: bool = False


@dataclass(frozen=True)
class InspectError:
    message: str
    cancelled: bool = False


InspectEvent = InspectStarted | AttentionReady | LensChunkReady | InspectFinished | InspectError
