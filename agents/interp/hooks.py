"""Hooks on the residual stream and the MLP neurons of named layers, always removed.

Layer ``L`` means the residual stream *after* decoder block ``L`` (0-based), taken from the
block's own output, so it is never the final-normed state that ``hidden_states[-1]`` holds;
``L = -1`` is the embedding output (the lens's first row). Lens row ``r`` is layer ``r - 1``.
Every context manager here removes its hooks in ``finally``: an exception, a cancel or a
bug in the caller never leaves a hook on the shared model for the next generation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from agents.llm.local_steering import add_residual_delta


def n_layers(model: Any) -> int:
    return int(model.config.get_text_config().num_hidden_layers)


def hidden_size(model: Any) -> int:
    return int(model.config.get_text_config().hidden_size)


def check_layer(model: Any, layer: int, allow_embeddings: bool = True) -> int:
    """``layer`` itself, or a ValueError that names the valid range."""
    low, high = (-1 if allow_embeddings else 0), n_layers(model) - 1
    if not isinstance(layer, int) or not low <= layer <= high:
        raise ValueError(f"layer {layer} is out of range: this model has layers {low}..{high}")
    return layer


def residual_module(model: Any, layer: int) -> Any:
    base = model.base_model
    return base.embed_tokens if layer == -1 else base.layers[check_layer(model, layer)]


def mlp_down(model: Any, layer: int) -> Any:
    """The MLP's output projection; its input is the layer's neuron activations."""
    return model.base_model.layers[check_layer(model, layer, allow_embeddings=False)].mlp.down_proj


def _output_tensor(output: Any) -> Any:
    return output[0] if isinstance(output, tuple) else output


def _replace_output(output: Any, tensor: Any) -> Any:
    return (tensor,) + tuple(output[1:]) if isinstance(output, tuple) else tensor


@contextmanager
def hooked(registrations: Sequence[tuple[Any, str, Callable]]) -> Iterator[None]:
    """Register (module, "forward" | "forward_pre", fn) hooks; remove every one on exit."""
    handles = []
    try:
        for module, kind, fn in registrations:
            register = module.register_forward_pre_hook if kind == "forward_pre" else module.register_forward_hook
            handles.append(register(fn))
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def capture_residuals(model: Any, layers: Sequence[int]) -> Iterator[dict[int, list[Any]]]:
    """Collect each listed layer's residual output (one tensor per forward pass)."""
    store: dict[int, list[Any]] = {layer: [] for layer in layers}

    def keeper(layer: int) -> Callable:
        return lambda _m, _args, output: store[layer].append(_output_tensor(output).detach())

    with hooked([(residual_module(model, layer), "forward", keeper(layer)) for layer in layers]):
        yield store


@contextmanager
def add_to_residual(model: Any, layer: int, vector: Any) -> Iterator[None]:
    """Add ``vector`` ((d,) for every row, or (batch, d) one per row) at every position."""
    with add_residual_delta(model, check_layer(model, layer), vector):
        yield


@contextmanager
def replace_residual(model: Any, layer: int, position: int, value: Any) -> Iterator[None]:
    """Overwrite the residual at absolute ``position`` whenever a pass reads that position.

    A pass covers positions ``cache_len .. cache_len + width``; only the first pass (no
    cache yet) holds ``position`` when decoding token by token, so the patch is applied once.
    """
    state = {"seen": 0}

    def patch(_m: Any, _args: Any, output: Any) -> Any:
        hidden = _output_tensor(output)
        start, state["seen"] = state["seen"], state["seen"] + hidden.shape[1]
        if not start <= position < state["seen"]:
            return output
        hidden = hidden.clone()
        hidden[:, position - start] = value.to(hidden.dtype)
        return _replace_output(output, hidden)

    with hooked([(residual_module(model, layer), "forward", patch)]):
        yield


@contextmanager
def capture_neurons(model: Any, layers: Sequence[int]) -> Iterator[dict[int, list[Any]]]:
    """Collect each listed layer's MLP activations (the input of ``down_proj``)."""
    store: dict[int, list[Any]] = {layer: [] for layer in layers}

    def keeper(layer: int) -> Callable:
        return lambda _m, args: store[layer].append(args[0].detach())

    with hooked([(mlp_down(model, layer), "forward_pre", keeper(layer)) for layer in layers]):
        yield store


@contextmanager
def set_neurons(model: Any, layer: int, neurons: Sequence[int], values: Any) -> Iterator[None]:
    """Force neurons ``neurons`` of ``layer`` to ``values`` (one per neuron) at every position."""
    import torch

    index = torch.tensor(list(neurons), dtype=torch.long)

    def force(_m: Any, args: Any) -> tuple:
        acts = args[0].clone()
        acts[..., index.to(acts.device)] = torch.as_tensor(values, dtype=acts.dtype, device=acts.device)
        return (acts,) + tuple(args[1:])

    with hooked([(mlp_down(model, layer), "forward_pre", force)]):
        yield


def hook_count(model: Any) -> int:
    """Forward and pre-forward hooks on any module (the leak check in tests: compare before
    and after, since transformers keeps capture hooks of its own once hidden states are asked for)."""
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


@contextmanager
def fused_attention(model: Any) -> Iterator[None]:
    """Fused (SDPA) attention for passes that never read attention weights, eager again after.

    The model is loaded eager so the attention view gets real weights; a pass that only needs
    logits (occlusion scores hundreds of copies) skips eager's materialised softmax and its
    per-head copies of the shared keys. The switch is on the model, so it is undone in
    ``finally``, and only on the model's worker thread, where every torch pass runs in turn.
    """
    before = model.config._attn_implementation  # transformers' own field; there is no public getter
    if before != "eager":
        yield
        return
    model.set_attn_implementation("sdpa")
    try:
        yield
    finally:
        model.set_attn_implementation(before)
