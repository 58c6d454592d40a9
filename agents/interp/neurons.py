"""MLP neurons: the most active per token, ablation (zero or mean) and what a neuron writes.

A neuron is one coordinate of a block's MLP activation, the input of ``down_proj``; its
output (value) vector is that column of ``down_proj``. Read through the unembedding, the
value vector shows the tokens the neuron promotes: the feed-forward layer as a key-value
memory. Ablating one neuron and watching the next-token distribution barely move is the
usual lesson (redundancy), so the change is reported as a number (KL), not as a picture.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import numpy as np

from agents.interp.findings import AblationResult, NeuronVector, TopNeurons
from agents.interp.hooks import capture_neurons, check_layer, mlp_down, n_layers, set_neurons
from agents.interp.jobs import CACHE, ResultCache, check_cancel, method_stream, torch_pass
from agents.interp.readout import first_real, numpy32, padded, read_vector, top_tokens, unembed
from agents.llm.base import CancelToken


def check_ids(loaded: Any, token_ids: Sequence[int]) -> list[int]:
    if not token_ids:
        raise ValueError("there is nothing to inspect: the input has no tokens")
    vocab = loaded.model.get_output_embeddings().weight.shape[0]
    if min(token_ids) < 0 or max(token_ids) >= vocab:
        raise ValueError(f"a token id is outside the model's vocabulary (0..{vocab - 1})")
    return list(token_ids)


def check_neurons(model: Any, layer: int, neurons: Sequence[int]) -> list[int]:
    check_layer(model, layer, allow_embeddings=False)
    width = mlp_down(model, layer).in_features
    if not neurons:
        raise ValueError("no neurons were chosen")
    bad = [n for n in neurons if not 0 <= n < width]
    if bad:
        raise ValueError(f"neuron {bad[0]} is out of range: layer {layer} has neurons 0..{width - 1}")
    return list(neurons)


def find_top_neurons(
    loaded: Any, token_ids: list[int], layers: Sequence[int], k: int, cancel: CancelToken, emit: Callable
) -> None:
    model = loaded.model
    with torch_pass(model, cancel), capture_neurons(model, layers) as store:
        model.base_model(input_ids=padded(loaded, [token_ids]), use_cache=False)
    for layer in layers:
        check_cancel(cancel)
        acts = store[layer][0][0].float()
        order = acts.abs().topk(min(k, acts.shape[-1]), dim=-1).indices
        emit(
            TopNeurons(
                layer=layer,
                neuron_ids=order.int().cpu().numpy().astype(np.int32),
                activations=numpy32(acts.gather(-1, order)),
            )
        )


def neurons_stream(
    loaded: Any,
    token_ids: Sequence[int],
    layers: Sequence[int] | None = None,
    k: int = 8,
    cancel: CancelToken | None = None,
    cache: ResultCache | None = CACHE,
) -> AsyncIterator[Any]:
    """One TopNeurons per layer (every layer unless ``layers`` names some)."""

    def work(emit: Callable, c: CancelToken) -> None:
        chosen = (
            list(range(n_layers(loaded.model)))
            if layers is None
            else [check_layer(loaded.model, x, False) for x in layers]
        )
        find_top_neurons(loaded, check_ids(loaded, token_ids), chosen, k, c, emit)

    key = (tuple(token_ids), None if layers is None else tuple(layers), k)
    return method_stream(loaded, "neurons", {"k": k}, key, work, cancel, cache)


def next_token_logp(loaded: Any, token_ids: list[int], position: int) -> Any:
    hidden = loaded.model.base_model(input_ids=padded(loaded, [token_ids]), use_cache=False).last_hidden_state
    import torch

    return torch.log_softmax(unembed(loaded.model, hidden[0, position]), -1)


def run_ablation(
    loaded: Any,
    token_ids: list[int],
    layer: int,
    neurons: list[int],
    mode: str,
    position: int,
    k: int,
    cancel: CancelToken,
    emit: Callable,
) -> None:
    model = loaded.model
    check_ids(loaded, token_ids)
    check_neurons(model, layer, neurons)
    if mode not in ("zero", "mean"):
        raise ValueError(f"ablation mode must be 'zero' or 'mean', not {mode!r}")
    if not -len(token_ids) <= position < len(token_ids):
        raise ValueError(f"position {position} is out of range: the input has {len(token_ids)} tokens")
    with torch_pass(model, cancel):
        with capture_neurons(model, [layer]) as store:
            before = next_token_logp(loaded, token_ids, position)
        # Mean ablation: the neuron's mean over this input's own tokens, BOS left out (its
        # activations are outliers that say nothing about the text).
        acts = store[layer][0][0][first_real(loaded, token_ids) :, neurons].float()
        values = acts.mean(0) if mode == "mean" else [0.0] * len(neurons)
        check_cancel(cancel)
        with set_neurons(model, layer, neurons, values):
            after = next_token_logp(loaded, token_ids, position)
        kl = float((before.exp() * (before - after)).sum().clamp(min=0.0))
        top = int(before.argmax())
        emit(
            AblationResult(
                layer=layer,
                neurons=tuple(neurons),
                mode=mode,
                position=position % len(token_ids),
                kl=kl,
                top_before=top_tokens(loaded, before, k),
                top_after=top_tokens(loaded, after, k),
                top_token_prob_before=float(before[top].exp()),
                top_token_prob_after=float(after[top].exp()),
            )
        )


def ablation_stream(
    loaded: Any,
    token_ids: Sequence[int],
    layer: int,
    neurons: Sequence[int],
    mode: str = "zero",
    position: int = -1,
    k: int = 10,
    cancel: CancelToken | None = None,
    cache: ResultCache | None = CACHE,
) -> AsyncIterator[Any]:
    """One AblationResult: the next-token distribution at ``position`` before and after."""
    key = (tuple(token_ids), layer, tuple(neurons), mode, position, k)
    return method_stream(
        loaded,
        "ablation",
        {"layer": layer, "neurons": list(neurons), "mode": mode},
        key,
        lambda emit, c: run_ablation(loaded, list(token_ids), layer, list(neurons), mode, position, k, c, emit),
        cancel,
        cache,
    )


def value_vector(model: Any, layer: int, neuron: int) -> Any:
    return mlp_down(model, layer).weight[:, neuron]


def read_neuron(loaded: Any, layer: int, neuron: int, k: int) -> NeuronVector:
    """The value vector through the block's post-MLP norm (Gemma has one), then the final norm."""
    model = loaded.model
    check_neurons(model, layer, [neuron])
    post = getattr(model.base_model.layers[layer], "post_feedforward_layernorm", None)
    promoted, suppressed = read_vector(loaded, value_vector(model, layer, neuron).detach(), k, pre_norm=post)
    return NeuronVector(layer=layer, neuron=neuron, promoted=promoted, suppressed=suppressed)


def neuron_vector_stream(
    loaded: Any,
    layer: int,
    neurons: Sequence[int],
    k: int = 10,
    cancel: CancelToken | None = None,
    cache: ResultCache | None = CACHE,
) -> AsyncIterator[Any]:
    """One NeuronVector per neuron."""

    def work(emit: Callable, c: CancelToken) -> None:
        for neuron in neurons:
            check_cancel(c)
            emit(read_neuron(loaded, layer, neuron, k))

    return method_stream(loaded, "neuron vectors", {"layer": layer}, (layer, tuple(neurons), k), work, cancel, cache)
