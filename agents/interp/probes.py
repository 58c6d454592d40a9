"""Checking a contrast set's marker probe before trusting it to score generations.

A steered generation's marker score is log p(positive markers) - log p(negative markers)
after the set's probe text. A probe that cannot tell the set's own positive texts from its
negative ones cannot say whether steering worked: its scores stay flat whatever the text
does. ``check_probe`` scores each side's texts, framed by the set's evaluation prompts as a
generation would be, and reports how far apart the sides are (accuracy and Cohen's d).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from agents.interp.contrasts import ContrastSet
from agents.interp.readout import continuation_ids, encode_text, padded, unembed
from agents.interp.steer_generate import marker_ids

BATCH = 16


@dataclass(frozen=True)
class ProbeCheck:
    probe: str
    positive: np.ndarray  # float32 (n,): marker log-odds of each framed positive text
    negative: np.ndarray  # float32 (n,)

    @property
    def accuracy(self) -> float:
        """How often a positive text outscores a negative one (the ROC area; 0.5 is chance)."""
        wins = (self.positive[:, None] > self.negative[None, :]).mean()
        ties = (self.positive[:, None] == self.negative[None, :]).mean()
        return float(wins + ties / 2)

    @property
    def d(self) -> float:
        pooled = np.sqrt((self.positive.var() + self.negative.var()) / 2)
        return float((self.positive.mean() - self.negative.mean()) / max(float(pooled), 1e-6))


def marker_logodds(loaded: Any, texts: Sequence[str], probe: str, markers: tuple[list[int], list[int]]) -> np.ndarray:
    """Per text: log p(any positive marker) - log p(any negative marker) right after ``probe``."""
    import torch

    if not markers[0] or not markers[1]:
        raise ValueError("the probe needs marker words on both sides")
    tail = continuation_ids(loaded, probe)
    scores: list[float] = []
    with torch.inference_mode():
        for lo in range(0, len(texts), BATCH):
            rows = [encode_text(loaded, t) + tail for t in texts[lo : lo + BATCH]]
            hidden = loaded.model.base_model(input_ids=padded(loaded, rows), use_cache=False).last_hidden_state
            last = hidden[torch.arange(len(rows)), torch.tensor([len(r) - 1 for r in rows])]
            logp = torch.log_softmax(unembed(loaded.model, last), -1)
            scores += (logp[:, markers[0]].logsumexp(-1) - logp[:, markers[1]].logsumexp(-1)).tolist()
    return np.array(scores, np.float32)


def framed(contrast: ContrastSet, texts: Sequence[str]) -> list[str]:
    """Each text as a generation after one of the set's evaluation prompts (in turn)."""
    prompts = contrast.eval_prompts or ("",)
    return [f"{prompts[i % len(prompts)]} {t}".strip() for i, t in enumerate(texts)]


def check_probe(
    loaded: Any, contrast: ContrastSet, probe: str | None = None, markers: dict | None = None
) -> ProbeCheck:
    """How well ``probe`` (default: the set's own) separates the set's two sides."""
    probe = contrast.probe if probe is None else probe
    chosen = contrast if markers is None else replace(contrast, markers=markers)
    ids = marker_ids(loaded, chosen)
    sides = [
        marker_logodds(loaded, framed(contrast, texts), probe, ids) for texts in (contrast.positive, contrast.negative)
    ]
    return ProbeCheck(probe, sides[0], sides[1])
