"""An inspection as it fills in: the panel's plain-Python model (no Qt), also used by tests.

``apply`` takes the engine's events in order; arrays are allocated once from InspectStarted
and filled in place, NaN where nothing has arrived yet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import numpy as np

from agents.interp.records import (
    AttentionReady,
    InspectError,
    InspectFinished,
    InspectInput,
    InspectStarted,
    LensChunkReady,
    TokenSpan,
)

LENS_FIELDS = ("top_probs", "top_ids", "target_prob", "target_rank", "entropy", "kl_to_final")


class InspectResult:
    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.started: InspectStarted | None = None
        self.finished: InspectFinished | None = None
        self.error: InspectError | None = None
        self.attention: list[np.ndarray | None] = []
        self.lens: dict[str, np.ndarray] = {}
        self.filled_to = 0  # lens positions 0..filled_to are in
        self.token_text: dict[int, str] = {}

    @property
    def input(self) -> InspectInput:
        assert self.started is not None
        return self.started.input

    @property
    def n_tokens(self) -> int:
        return len(self.started.input.token_ids) if self.started else 0

    @property
    def rows(self) -> int:
        return self.started.n_layers + 1 if self.started else 0

    def apply(self, event: object) -> None:
        if isinstance(event, InspectStarted):
            self._reset()
            self.started = event
            self.attention = [None] * event.n_layers
            shape, k = (event.n_layers + 1, len(event.input.token_ids)), event.top_k
            self.lens = {
                "top_probs": np.full(shape + (k,), np.nan, np.float32),
                "top_ids": np.zeros(shape + (k,), np.int32),
                "target_prob": np.full(shape, np.nan, np.float32),
                "target_rank": np.full(shape, -1, np.int32),
                "entropy": np.full(shape, np.nan, np.float32),
                "kl_to_final": np.full(shape, np.nan, np.float32),
            }
        elif isinstance(event, AttentionReady):
            self.attention[event.layer] = event.weights
        elif isinstance(event, LensChunkReady):
            for name in LENS_FIELDS:
                self.lens[name][:, event.start : event.end] = getattr(event, name)
            self.token_text.update(event.token_text)
            self.filled_to = max(self.filled_to, event.end)
        elif isinstance(event, InspectFinished):
            self.finished = event
        elif isinstance(event, InspectError):
            self.error = event

    def text_of(self, token_id: int) -> str:
        return self.token_text.get(int(token_id), f"#{token_id}")

    def attention_map(self, layer: int, head: int | None) -> np.ndarray | None:
        """(query, key) weights of one head, or the mean over heads when ``head`` is None."""
        weights = self.attention[layer] if 0 <= layer < len(self.attention) else None
        if weights is None:
            return None
        return np.ascontiguousarray(weights.mean(axis=0) if head is None else weights[head], dtype=np.float32)

    def lens_map(self, mode: str) -> np.ndarray:
        """(rows, positions): the top token's probability, or the actual next token's."""
        if mode == "next":
            return self.lens["target_prob"]
        return np.ascontiguousarray(self.lens["top_probs"][..., 0])

    def top_tokens(self, row: int, position: int) -> list[tuple[str, float]]:
        ids, probs = self.lens["top_ids"][row, position], self.lens["top_probs"][row, position]
        return [(self.text_of(i), float(p)) for i, p in zip(ids, probs) if np.isfinite(p)]

    def speaker_rollup(self) -> tuple[list[str], list[str], np.ndarray] | None:
        """Which part of the conversation each head reads from the inspected message.

        Returns (row labels "L3 H1", column labels (spans and "other"), matrix): for every
        layer and head, the attention mass of the inspected message's tokens on each span,
        averaged over those tokens. Rows sum to one.
        """
        if not self.started or any(a is None for a in self.attention):
            return None
        spans: Sequence[TokenSpan] = self.input.spans
        n, focus = self.n_tokens, min(self.input.focus_start, self.n_tokens - 1)
        # Two extra columns: the first token (most heads' attention sink) when no span has
        # it, and everything else (template tokens, a Moderator's instruction, markers).
        owner = np.full(n, len(spans) + 1, np.int64)
        owner[0] = len(spans)
        for j, span in enumerate(spans):
            owner[span.start : span.end] = j
        columns = [s.label for s in spans] + ["first token", "other"]
        onehot = np.zeros((n, len(columns)), np.float32)
        onehot[np.arange(n), owner] = 1.0
        rows, labels = [], []
        for layer, weights in enumerate(self.attention):
            assert weights is not None  # checked above: every layer has arrived
            mass = weights[:, focus:, :].mean(axis=1) @ onehot  # (heads, columns)
            rows.append(mass)
            labels += [f"L{layer} H{h}" for h in range(weights.shape[0])]
        return labels, columns, np.ascontiguousarray(np.concatenate(rows), dtype=np.float32)

    def lens_csv(self) -> str:
        """One line per (layer row, position): token, top token, probabilities, rank, entropy, KL."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "row",
                "position",
                "token",
                "top_token",
                "top_prob",
                "next_token_prob",
                "next_token_rank",
                "entropy",
                "kl_to_final",
            ]
        )
        for row in range(self.rows):
            for pos in range(self.filled_to):
                writer.writerow(
                    [
                        "embeddings" if row == 0 else f"layer {row}",
                        pos,
                        self.input.labels[pos],
                        self.text_of(self.lens["top_ids"][row, pos, 0]),
                        f"{self.lens['top_probs'][row, pos, 0]:.6g}",
                        f"{self.lens['target_prob'][row, pos]:.6g}",
                        int(self.lens["target_rank"][row, pos]),
                        f"{self.lens['entropy'][row, pos]:.6g}",
                        f"{self.lens['kl_to_final'][row, pos]:.6g}",
                    ]
                )
        return out.getvalue()
