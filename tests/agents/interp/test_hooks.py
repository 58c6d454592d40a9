"""Hooks never outlive their use: not after an exception, not after a cancel mid-generation,
and a later plain forward pass gives exactly the unhooked logits."""

import numpy as np
import pytest
import torch

from agents.interp import hooks
from agents.interp.findings import MethodError
from agents.interp.jobs import collect
from agents.interp.readout import encode_text
from agents.interp.steer_generate import SteerSettings, steer_stream
from agents.interp.steering import SteeringVector
from tests.helpers.cancel_after import CancelAfter

IDS = [2, 40, 41, 42, 43, 44, 45]


def logits(model):
    with torch.no_grad():
        return model(torch.tensor([IDS])).logits


CONTEXTS = {
    "add": lambda m: hooks.add_to_residual(m, 0, torch.ones(32) * 100.0),
    "add embeddings": lambda m: hooks.add_to_residual(m, -1, torch.ones(32) * 100.0),
    "replace": lambda m: hooks.replace_residual(m, 1, 2, torch.ones(32) * 100.0),
    "neurons": lambda m: hooks.set_neurons(m, 1, [0, 1, 2], [50.0, 50.0, 50.0]),
    "capture": lambda m: hooks.capture_residuals(m, [-1, 0, 1]),
    "capture neurons": lambda m: hooks.capture_neurons(m, [0, 1]),
}


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_every_hook_is_removed_even_after_an_exception(tiny, name):
    model = tiny.model
    plain, count = logits(model), hooks.hook_count(model)
    with CONTEXTS[name](model):
        inside = logits(model)
        assert hooks.hook_count(model) > count
    if not name.startswith("capture"):
        assert not torch.allclose(inside, plain)  # the hook really did something
    with pytest.raises(RuntimeError, match="boom"), CONTEXTS[name](model):
        raise RuntimeError("boom")
    assert hooks.hook_count(model) == count
    torch.testing.assert_close(logits(model), plain, rtol=0, atol=0)


async def test_a_cancel_mid_steered_generation_leaves_no_hook(tiny):
    model = tiny.model
    plain, count = logits(model), hooks.hook_count(model)
    vector = SteeringVector("x", 0, np.full(32, 10.0, np.float32))
    settings = SteerSettings(max_new_tokens=50, repetition_penalty=1.0)
    # Cancelled after a few per-layer checks: inside the hooked generation, not between prompts.
    records = await collect(
        steer_stream(tiny, vector, ["Alice: I think"], settings=settings, cancel=CancelAfter(12), cache=None)
    )
    assert isinstance(records[-1], MethodError) and records[-1].cancelled
    assert hooks.hook_count(model) == count
    torch.testing.assert_close(logits(model), plain, rtol=0, atol=0)


def test_layer_names_resolve_and_out_of_range_is_refused(tiny):
    model = tiny.model
    assert hooks.residual_module(model, -1) is model.model.embed_tokens
    assert hooks.residual_module(model, 1) is model.model.layers[1]
    for bad in (2, -2):
        with pytest.raises(ValueError, match=rf"layer {bad} is out of range: this model has layers -1\.\.1"):
            hooks.residual_module(model, bad)
    with pytest.raises(ValueError, match=r"layers 0\.\.1"):
        hooks.mlp_down(model, -1)
    assert len(encode_text(tiny, "hello")) > 1
