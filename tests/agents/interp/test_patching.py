"""Patchscopes on the tiny model against a patched forward pass written out in the test."""

import pytest
import torch

from agents.interp.findings import MethodError, PatchscopeResult
from agents.interp.hooks import hook_count
from agents.interp.jobs import collect, first
from agents.interp.patching import IDENTITY_PROMPT, patchscope_stream, sweep_stream, target_ids
from agents.interp.readout import encode_text

SOURCE = "Alice: I think the answer is forty-two."


def block_output(model, layer, ids):
    seen = []
    handle = model.model.layers[layer].register_forward_hook(lambda m, a, o: seen.append(o))
    try:
        with torch.no_grad():
            model(torch.tensor([ids]))
    finally:
        handle.remove()
    return seen[0][0]


def patched_greedy(model, layer, ids, at, state, steps):
    """Full recompute each step, the placeholder's residual overwritten in every pass."""

    def patch(m, a, o):
        o = o.clone()
        o[0, at] = state
        return o

    handle = model.model.layers[layer].register_forward_hook(patch)
    try:
        out, tops = list(ids), None
        with torch.no_grad():
            for step in range(steps):
                logits = model(torch.tensor([out])).logits[0, -1]
                tops = tops if step else torch.softmax(logits.double(), -1).topk(3)
                out.append(int(logits.argmax()))
        return out[len(ids) :], tops
    finally:
        handle.remove()


@pytest.mark.parametrize("layer, position", [(0, 4), (1, -1)])
async def test_patchscope_matches_an_explicit_patched_pass(tiny, layer, position):
    ids = encode_text(tiny, SOURCE)
    before = hook_count(tiny.model)
    records = await collect(patchscope_stream(tiny, ids, layer, position, max_new_tokens=5, k=3, cache=None))
    result = first(records, PatchscopeResult)
    assert hook_count(tiny.model) == before
    target, at = target_ids(tiny, IDENTITY_PROMPT)
    assert result.target_position == at and tiny.tokenizer.decode([target[at]]).strip() == "?"
    state = block_output(tiny.model, layer, ids)[position]
    want, tops = patched_greedy(tiny.model, layer, target, at, state, 5)
    got = list(result.token_ids)
    assert got == want[: len(got)] and got  # generation may stop early at a newline
    assert [p for _, p in result.first_token_top] == pytest.approx(tops.values.tolist(), rel=1e-4)
    # Patching a state changes what the model says at the placeholder; a plain pass is untouched.
    plain, _ = patched_greedy(tiny.model, layer, target, at, block_output(tiny.model, layer, target)[at], 5)
    with torch.no_grad():
        free = [int(tiny.model(torch.tensor([target])).logits[0, -1].argmax())]
    assert plain[0] == free[0]


async def test_sweep_describes_every_layer(tiny):
    ids = encode_text(tiny, SOURCE)
    results = [
        r
        for r in await collect(sweep_stream(tiny, ids, 3, [-1, 0, 1], max_new_tokens=3, cache=None))
        if isinstance(r, PatchscopeResult)
    ]
    assert [r.source_layer for r in results] == [-1, 0, 1] and all(r.source_position == 3 for r in results)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"layer": 2, "position": 0}, "layer 2 is out of range"),
        ({"layer": 0, "position": 99}, "position 99 is out of range"),
        ({"layer": 0, "position": 0, "prompt": "no placeholder here"}, "no placeholder"),
    ],
)
async def test_bad_patchscopes_are_clear_errors(tiny, kwargs, words):
    records = await collect(patchscope_stream(tiny, encode_text(tiny, SOURCE), cache=None, **kwargs))
    assert isinstance(records[-1], MethodError) and words in records[-1].message
