"""Records of the second set of methods: steering, neurons, Patchscopes, attribution, SAEs.

Like ``records.py``: plain frozen dataclasses with float32 / int32 numpy arrays, outside the
session ``Event`` union, reproducible from token ids, settings and the model's identity.
Every method's stream is MethodStarted, its own records, then MethodFinished or MethodError.
Layers follow ``hooks``: the residual after decoder block L, -1 for the embeddings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

TokenScore = tuple[str, float]  # a token's text and a probability, logit or activation


@dataclass(frozen=True)
class MethodStarted:
    method: str  # "steering directions", "steer", "neurons", "ablation", "patchscope", ...
    model: str
    settings: dict[str, Any] = field(default_factory=dict)
    cached: bool = False


@dataclass(frozen=True)
class MethodProgress:
    fraction: float
    detail: str = ""


@dataclass(frozen=True)
class MethodFinished:
    method: str
    elapsed_s: float
    cached: bool = False


@dataclass(frozen=True)
class MethodError:
    method: str
    message: str
    cancelled: bool = False


# --- steering ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectionsReady:
    """Difference of means (positive - negative) at every layer, and how well each separates.

    Arrays have one row per layer -1..n_layers-1 (``layers``). ``separation`` is Cohen's d of
    the two sets' projections on the unit direction; ``accuracy`` is held-out (two folds:
    each half's direction classifies the other half by the midpoint).
    """

    name: str
    layers: np.ndarray  # int32 (rows,)
    directions: np.ndarray  # float32 (rows, d)
    separation: np.ndarray  # float32 (rows,)
    accuracy: np.ndarray  # float32 (rows,)
    positive_mean: np.ndarray  # float32 (rows,): mean projection of the positive set
    negative_mean: np.ndarray  # float32 (rows,)
    residual_norm: np.ndarray  # float32 (rows,): mean residual norm, for a sense of scale
    n_positive: int = 0
    n_negative: int = 0

    def best_layer(self) -> int:
        """The separating layer with the largest d (the embeddings row only if nothing else)."""
        rows = self.separation[1:] if len(self.separation) > 1 else self.separation
        return int(self.layers[int(np.argmax(rows)) + (1 if len(self.separation) > 1 else 0)])

    def steering_layer(self) -> int:
        """The best-separating block in the first two thirds of the model.

        Late layers separate the sets well but write almost straight into the logits:
        adding a direction there breaks the text long before it changes the behaviour
        (on Gemma 3 270M, English vs French separates best at the last block, and steering
        there at strength 4 takes the surprisal from 1.6 to 8.7 nats a token).
        """
        blocks = [i for i, layer in enumerate(self.layers) if 0 <= layer <= max(0, (2 * len(self.layers)) // 3)]
        if not blocks:
            return self.best_layer()
        return int(self.layers[max(blocks, key=lambda i: float(self.separation[i]))])

    def row(self, layer: int) -> int:
        return int(np.flatnonzero(self.layers == layer)[0])


@dataclass(frozen=True)
class SteeredGeneration:
    """One generation: ``mode`` is unsteered, steered (+), steered (-) or prompted."""

    mode: str
    prompt: str
    text: str
    token_ids: tuple[int, ...]
    layer: int | None
    strength: float
    # Scored by the unsteered model: the generated tokens' mean projection on the unit
    # direction minus the sets' midpoint (> 0 leans positive), and the marker log-odds.
    projection: float
    marker_logodds: float | None = None
    prompt_index: int = 0
    # Mean -log p of the generated tokens under the unsteered model: high means garbage.
    surprisal: float = 0.0


# --- neurons ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TopNeurons:
    """The most active MLP neurons of one layer at every position (by |activation|)."""

    layer: int
    neuron_ids: np.ndarray  # int32 (positions, k)
    activations: np.ndarray  # float32 (positions, k), signed


@dataclass(frozen=True)
class AblationResult:
    """The next-token distribution at ``position`` before and after forcing some neurons."""

    layer: int
    neurons: tuple[int, ...]
    mode: str  # "zero" or "mean"
    position: int
    kl: float  # KL(before || after), nats
    top_before: tuple[TokenScore, ...]
    top_after: tuple[TokenScore, ...]
    # The probability the top token before had, before and after.
    top_token_prob_before: float = 0.0
    top_token_prob_after: float = 0.0


@dataclass(frozen=True)
class NeuronVector:
    """A neuron's output (value) vector read through the unembedding."""

    layer: int
    neuron: int
    promoted: tuple[TokenScore, ...]
    suppressed: tuple[TokenScore, ...]


# --- Patchscopes ------------------------------------------------------------------------


@dataclass(frozen=True)
class PatchscopeResult:
    source_layer: int
    source_position: int
    target_layer: int
    target_prompt: str
    target_position: int
    text: str  # the model's own description of the patched state
    token_ids: tuple[int, ...]
    first_token_top: tuple[TokenScore, ...]


# --- attribution ------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributionReady:
    """How much each input part moved log p(target).

    ``method`` "occlusion": per unit, log p(target) - log p(target with the unit removed)
    (> 0: the unit helped). "gradient x input": per token, the gradient of log p(target)
    with respect to the token's embedding, dotted with that embedding.
    """

    method: str
    unit: str  # "tokens", "spans" or "speakers"
    labels: tuple[str, ...]
    starts: np.ndarray  # int32 (units,)
    ends: np.ndarray  # int32 (units,)
    scores: np.ndarray  # float32 (units,)
    target_logprob: float
    target_start: int
    by_speaker: tuple[TokenScore, ...] = ()


# --- sparse autoencoders ----------------------------------------------------------------


@dataclass(frozen=True)
class SaeTrainingProgress:
    step: int
    steps: int
    loss: float
    fvu: float
    mean_l0: float


@dataclass(frozen=True)
class SaeSaved:
    path: str
    layer: int
    n_features: int
    n_tokens: int
    elapsed_s: float


@dataclass(frozen=True)
class SaeQuality:
    """Reconstruction of the residual at ``layer`` over ``n_tokens`` tokens."""

    layer: int
    n_tokens: int
    fvu: float  # fraction of variance unexplained
    mean_l0: float  # active features per token


@dataclass(frozen=True)
class TokenFeatures:
    layer: int
    feature_ids: np.ndarray  # int32 (positions, k)
    activations: np.ndarray  # float32 (positions, k)


@dataclass(frozen=True)
class FeatureReport:
    feature: int
    # (context text with the token in [brackets], activation), strongest first.
    top_contexts: tuple[TokenScore, ...]
    promoted: tuple[TokenScore, ...]
    frequency: float  # fraction of corpus tokens on which the feature fires
