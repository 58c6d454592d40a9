"""Neurons on the tiny model: top activations, zero and mean ablation against ablation done
by editing the weights by hand, value vectors through a hand-written RMSNorm, bad input."""

import numpy as np
import pytest
import torch

from agents.interp.findings import AblationResult, MethodError, NeuronVector, TopNeurons
from agents.interp.hooks import hook_count
from agents.interp.jobs import collect, first
from agents.interp.neurons import ablation_stream, neuron_vector_stream, neurons_stream
from agents.interp.readout import encode_text

TEXT = "Alice: I think the answer is forty-two. Bob: I disagree"


def mlp_acts(model, ids, layer):
    """act(gate(x)) * up(x) from the MLP's own input, captured by a hook of the test's own."""
    seen = []
    mlp = model.model.layers[layer].mlp
    handle = mlp.register_forward_hook(lambda m, a, o: seen.append(a[0]))
    try:
        with torch.no_grad():
            model(torch.tensor([ids]))
            x = seen[0]
            return (mlp.act_fn(mlp.gate_proj(x)) * mlp.up_proj(x))[0]
    finally:
        handle.remove()


def last_logp(model, ids):
    with torch.no_grad():
        return torch.log_softmax(model(torch.tensor([ids])).logits[0, -1].double(), -1)


async def test_top_neurons_are_the_largest_activations(tiny):
    ids = encode_text(tiny, TEXT)
    records = await collect(neurons_stream(tiny, ids, k=5, cache=None))
    tops = [r for r in records if isinstance(r, TopNeurons)]
    assert [t.layer for t in tops] == [0, 1]
    for top in tops:
        acts = mlp_acts(tiny.model, ids, top.layer)
        want = acts.abs().topk(5, dim=-1).indices.numpy()
        assert np.array_equal(top.neuron_ids, want)
        np.testing.assert_allclose(top.activations, np.take_along_axis(acts.numpy(), want, -1), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", ["zero", "mean"])
async def test_ablation_matches_editing_the_weights_by_hand(tiny, mode):
    ids, layer, neurons = encode_text(tiny, TEXT), 1, [3, 17, 40]
    before_hooks = hook_count(tiny.model)
    result = first(await collect(ablation_stream(tiny, ids, layer, neurons, mode, cache=None)), AblationResult)
    assert hook_count(tiny.model) == before_hooks
    down = tiny.model.model.layers[layer].mlp.down_proj
    means = mlp_acts(tiny.model, ids, layer)[1:, neurons].mean(0)  # BOS left out
    before = last_logp(tiny.model, ids)
    saved = down.weight.detach().clone()
    with torch.no_grad():
        # A neuron reaches the residual only through its column of down_proj: zero it, and
        # for mean ablation add its mean activation times that column back as a bias.
        bias = (saved[:, neurons] * means).sum(-1) if mode == "mean" else None
        down.weight[:, neurons] = 0.0
        down.bias = torch.nn.Parameter(bias) if bias is not None else None
    try:
        after = last_logp(tiny.model, ids)
    finally:
        with torch.no_grad():
            down.weight.copy_(saved)
        down.bias = None
    kl = float((before.exp() * (before - after)).sum())
    assert result.kl == pytest.approx(kl, rel=1e-3, abs=1e-6)
    assert result.kl > 0  # three neurons of a random model move something
    assert result.top_after[0][1] == pytest.approx(float(after.exp().max()), rel=1e-4)
    assert result.top_before[0][1] == pytest.approx(float(before.exp().max()), rel=1e-4)
    # The hooks are gone: a plain pass gives the unablated distribution again.
    torch.testing.assert_close(last_logp(tiny.model, ids), before)


async def test_value_vector_is_read_through_both_norms(tiny):
    model, layer, neuron = tiny.model, 0, 5
    found = first(await collect(neuron_vector_stream(tiny, layer, [neuron], k=4, cache=None)), NeuronVector)

    def rms(x, norm):
        return x / torch.sqrt((x * x).mean() + norm.eps) * (1.0 + norm.weight)

    with torch.no_grad():
        v = model.model.layers[layer].mlp.down_proj.weight[:, neuron]
        x = rms(rms(v, model.model.layers[layer].post_feedforward_layernorm), model.model.norm)
        logits = model.lm_head(x)
    assert [s for _, s in found.promoted] == pytest.approx(logits.topk(4).values.tolist(), rel=1e-4)
    assert [s for _, s in found.suppressed] == pytest.approx((-logits).topk(4).values.neg().tolist(), rel=1e-4)


@pytest.mark.parametrize(
    "layer, neurons, mode, words",
    [
        (5, [0], "zero", "layer 5 is out of range"),
        (-1, [0], "zero", "layer -1 is out of range"),
        (0, [64], "zero", "neuron 64 is out of range: layer 0 has neurons 0..63"),
        (0, [], "zero", "no neurons"),
        (0, [1], "half", "mode must be"),
    ],
)
async def test_bad_ablations_are_clear_errors(tiny, layer, neurons, mode, words):
    records = await collect(ablation_stream(tiny, [2, 5, 6], layer, neurons, mode, cache=None))
    assert isinstance(records[-1], MethodError) and words in records[-1].message
