"""Readable labels for token ids: leading spaces and newlines made visible."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

_VISIBLE = {"▁": "␣", "Ġ": "␣", "Ċ": "⏎", "\n": "⏎", "\t": "⇥"}


def token_label(tokenizer: Any, token_id: int) -> str:
    """The token's own piece (not a decoded string, which drops a leading space)."""
    piece = tokenizer.convert_ids_to_tokens(int(token_id))
    if piece is None:
        return f"#{token_id}"
    for raw, shown in _VISIBLE.items():
        piece = piece.replace(raw, shown)
    return piece


def token_labels(tokenizer: Any, token_ids: Iterable[int]) -> tuple[str, ...]:
    return tuple(token_label(tokenizer, i) for i in token_ids)


def token_texts(tokenizer: Any, ids: np.ndarray) -> dict[int, str]:
    """Labels of every distinct id in ``ids`` (top-k tables repeat a few ids many times)."""
    return {int(i): token_label(tokenizer, int(i)) for i in np.unique(ids)}
