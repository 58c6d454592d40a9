"""Patchscopes: let the model describe one of its own hidden states.

The residual at (layer, position) of a source input is written over the residual of a
placeholder token in an identity-style target prompt ("cat -> cat; 1135 -> 1135; hello ->
hello; ? ->"), at the same layer by default, and the model continues the target greedily.
Whatever it writes after the placeholder's arrow is its reading of the patched state.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from agents.interp.findings import PatchscopeResult
from agents.interp.hooks import capture_residuals, check_layer, replace_residual
from agents.interp.jobs import CACHE, ResultCache, check_cancel, method_stream, torch_pass
from agents.interp.neurons import check_ids
from agents.interp.readout import continuation_ids, encode_text, padded, top_tokens, unembed
from agents.llm.base import CancelToken
from agents.llm.local_batch import GenerationJob
from agents.llm.local_generate import GenerationSpec, generate_batch

IDENTITY_PROMPT = "cat -> cat\n1135 -> 1135\nhello -> hello\n? ->"
PLACEHOLDER = "?"


def target_ids(loaded: Any, prompt: str, placeholder: str = PLACEHOLDER) -> tuple[list[int], int]:
    """The target prompt's ids and the placeholder's position (its last occurrence).

    Built piece by piece so the placeholder is exactly one known position, whatever the
    tokenizer would merge it with.
    """
    cut = prompt.rfind(placeholder)
    if cut < 0:
        raise ValueError(f"the target prompt has no placeholder {placeholder!r} to patch into")
    before = encode_text(loaded, prompt[:cut]) if prompt[:cut] else encode_text(loaded, "")
    mark = continuation_ids(loaded, placeholder)
    after = continuation_ids(loaded, prompt[cut + len(placeholder) :]) if prompt[cut + len(placeholder) :] else []
    return before + mark[:1] + after, len(before)


def source_state(loaded: Any, token_ids: list[int], layer: int, position: int, cancel: CancelToken) -> Any:
    model = loaded.model
    with torch_pass(model, cancel), capture_residuals(model, [layer]) as store:
        model.base_model(input_ids=padded(loaded, [token_ids]), use_cache=False)
    return store[layer][0][0, position].clone()


def run_patchscope(
    loaded: Any,
    token_ids: list[int],
    layer: int,
    position: int,
    target_layer: int | None,
    prompt: str,
    max_new_tokens: int,
    k: int,
    cancel: CancelToken,
    emit: Callable,
) -> None:
    import torch

    model = loaded.model
    check_ids(loaded, token_ids)
    check_layer(model, layer)
    target_layer = layer if target_layer is None else check_layer(model, target_layer)
    if not -len(token_ids) <= position < len(token_ids):
        raise ValueError(f"position {position} is out of range: the input has {len(token_ids)} tokens")
    state = source_state(loaded, token_ids, layer, position, cancel)
    ids, at = target_ids(loaded, prompt)
    with torch_pass(model, cancel), replace_residual(model, target_layer, at, state):
        hidden = model.base_model(input_ids=padded(loaded, [ids]), use_cache=False).last_hidden_state
        first_top = top_tokens(loaded, torch.log_softmax(unembed(model, hidden[0, -1]), -1), k)
    check_cancel(cancel)
    out: list[int] = []
    spec = GenerationSpec(ids, max_new_tokens, 0.0, 1.0, 0, ("\n",), 1.0)
    with replace_residual(model, target_layer, at, state):
        generate_batch(loaded, [(GenerationJob(loaded, spec, cancel), lambda item: out.append(item[0]))], in_torch=True)
    check_cancel(cancel)
    emit(
        PatchscopeResult(
            source_layer=layer,
            source_position=position % len(token_ids),
            target_layer=target_layer,
            target_prompt=prompt,
            target_position=at,
            text=loaded.tokenizer.decode(out, skip_special_tokens=True).split("\n")[0].strip(),
            token_ids=tuple(out),
            first_token_top=first_top,
        )
    )


def patchscope_stream(
    loaded: Any,
    token_ids: list[int],
    layer: int,
    position: int,
    target_layer: int | None = None,
    prompt: str = IDENTITY_PROMPT,
    max_new_tokens: int = 8,
    k: int = 5,
    cancel: CancelToken | None = None,
    cache: ResultCache | None = CACHE,
) -> AsyncIterator[Any]:
    """One PatchscopeResult for the hidden state at (``layer``, ``position``) of ``token_ids``."""
    key = (tuple(token_ids), layer, position, target_layer, prompt, max_new_tokens, k)
    meta = {"layer": layer, "position": position, "target_layer": target_layer}
    return method_stream(
        loaded,
        "patchscope",
        meta,
        key,
        lambda emit, c: run_patchscope(
            loaded, list(token_ids), layer, position, target_layer, prompt, max_new_tokens, k, c, emit
        ),
        cancel,
        cache,
    )


def sweep_stream(
    loaded: Any,
    token_ids: list[int],
    position: int,
    layers: list[int],
    prompt: str = IDENTITY_PROMPT,
    max_new_tokens: int = 8,
    cancel: CancelToken | None = None,
    cache: ResultCache | None = CACHE,
) -> AsyncIterator[Any]:
    """One PatchscopeResult per layer for one position (a column of the lens, described)."""

    def work(emit: Callable, c: CancelToken) -> None:
        for layer in layers:
            run_patchscope(loaded, list(token_ids), layer, position, None, prompt, max_new_tokens, 5, c, emit)

    key = (tuple(token_ids), position, tuple(layers), prompt, max_new_tokens)
    return method_stream(loaded, "patchscope sweep", {"position": position}, key, work, cancel, cache)
