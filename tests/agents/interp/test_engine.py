"""The interpretability engine on a tiny random Gemma 3: lens against a plain reference,
parity with the model's own logits, attention, events, cache and cancellation."""

import itertools
import threading

import numpy as np
import pytest
import torch

from agents.interp.engine import InspectCache, inspect_stream
from agents.interp.lens import POSITIONS_PER_CHUNK
from agents.interp.records import (
    AttentionReady,
    InspectError,
    InspectFinished,
    InspectInput,
    InspectStarted,
    LensChunkReady,
)
from agents.interp.result import InspectResult
from agents.llm.base import CancelToken
from tests.helpers.interp_model import build_interp_model, load_plain

TEXT = "Alice: I think the answer is forty-two. Bob: I disagree, the evidence points elsewhere. User: What is the capital of France?"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return build_interp_model(tmp_path_factory.mktemp("interp-model"))


@pytest.fixture(scope="module", params=[None, 3.0], ids=["no-softcap", "softcap"])
def loaded(request, model_dir):
    return load_plain(model_dir, softcap=request.param)


def make_input(loaded, text=TEXT):
    ids = loaded.tokenizer(text)["input_ids"]
    return InspectInput(token_ids=tuple(ids), labels=tuple(map(str, ids)))


async def collect(loaded, inp, cancel=None, cache=None):
    return [e async for e in inspect_stream(loaded, inp, cancel, cache=cache or InspectCache())]


def result_of(events):
    result = InspectResult()
    for event in events:
        result.apply(event)
    return result


def reference_lens(loaded, ids):
    """The straightforward lens: full log-softmax of every layer, all in memory."""
    model = loaded.model
    with torch.no_grad():
        out = model(torch.tensor([ids]), output_hidden_states=True)
        rows = [model.model.norm(h) for h in out.hidden_states[:-1]] + [out.hidden_states[-1]]
        logits = torch.stack([model.lm_head(h[0]) for h in rows])
        cap = model.config.final_logit_softcapping
        if cap:
            logits = torch.tanh(logits / cap) * cap
        return torch.log_softmax(logits.double(), -1), torch.log_softmax(out.logits[0].double(), -1)


@pytest.mark.parametrize(
    "reduction, vocab_block",
    [("native", 4096), ("native", 64), ("torch", 4096), ("torch", 64)],
    ids=["C-one-block", "C-blocks", "torch-one-block", "torch-blocks"],
)
async def test_lens_matches_reference_and_model_logits(loaded, monkeypatch, reduction, vocab_block):
    """Both block reductions (the C loop, and torch's where no compiler builds it), over one
    block and over several (the last one partial), against the straightforward lens."""
    from agents.interp import lens, lens_kernel

    monkeypatch.setenv("AGORA_LAB_INTERP_NATIVE", "1" if reduction == "native" else "0")
    if reduction == "native" and lens_kernel.load() is None:
        pytest.skip("no C compiler here")
    monkeypatch.setattr(lens, "VOCAB_BLOCK", vocab_block)
    vocab = loaded.model.config.vocab_size
    assert vocab_block > vocab or vocab % vocab_block  # one block, or several with the last one partial
    if vocab_block < vocab:  # eager: torch.compile would build two more shapes for the same math
        monkeypatch.setenv("AGORA_LAB_INTERP_COMPILE", "0")
    inp = make_input(loaded)
    assert len(inp.token_ids) > POSITIONS_PER_CHUNK  # several chunks, the last one padded
    res = result_of(await collect(loaded, inp))
    logp, model_logp = reference_lens(loaded, list(inp.token_ids))
    # Parity: the last lens row is the model's own distribution, at every position.
    assert torch.allclose(logp[-1], model_logp, atol=1e-5)
    assert res.finished.parity_max_abs_diff < 1e-4
    top_v, top_i = logp.topk(10, dim=-1)
    assert np.array_equal(res.lens["top_ids"], top_i.numpy())
    np.testing.assert_allclose(res.lens["top_probs"], top_v.exp().numpy(), atol=1e-5)
    p = logp.exp()
    np.testing.assert_allclose(res.lens["entropy"], -(p * logp).sum(-1).numpy(), atol=1e-4)
    kl = (p * (logp - logp[-1:])).sum(-1).numpy()
    np.testing.assert_allclose(res.lens["kl_to_final"], kl, atol=1e-4)
    assert np.all(res.lens["kl_to_final"][-1] < 1e-5)
    targets = torch.tensor(inp.token_ids[1:])
    target_logp = logp[:, :-1].gather(-1, targets.expand(logp.shape[0], -1)[..., None])[..., 0]
    np.testing.assert_allclose(res.lens["target_prob"][:, :-1], target_logp.exp().numpy(), atol=1e-5)
    rank = (logp[:, :-1] > target_logp[..., None]).sum(-1).numpy()
    assert np.array_equal(res.lens["target_rank"][:, :-1], rank)
    assert np.all(np.isnan(res.lens["target_prob"][:, -1])) and np.all(res.lens["target_rank"][:, -1] == -1)


async def test_attention_rows_sum_to_one_and_are_causal(loaded):
    inp = make_input(loaded)
    res = result_of(await collect(loaded, inp))
    n = len(inp.token_ids)
    assert len(res.attention) == loaded.model.config.num_hidden_layers
    for weights in res.attention:
        assert weights.shape == (loaded.model.config.num_attention_heads, n, n)
        np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
        assert np.all(np.triu(weights, k=1) == 0.0)


async def test_events_arrive_in_order_as_numpy_only(loaded):
    events = await collect(loaded, make_input(loaded))
    assert isinstance(events[0], InspectStarted) and isinstance(events[-1], InspectFinished)
    layers = [e.layer for e in events if isinstance(e, AttentionReady)]
    assert layers == list(range(loaded.model.config.num_hidden_layers))
    chunks = [(e.start, e.end) for e in events if isinstance(e, LensChunkReady)]
    assert chunks[0][0] == 0 and all(a[1] == b[0] for a, b in itertools.pairwise(chunks))
    assert chunks[-1][1] == len(events[0].input.token_ids)
    for event in events:
        for value in vars(event).values():
            assert not isinstance(value, torch.Tensor)
            if isinstance(value, np.ndarray):
                assert value.dtype in (np.float32, np.int32) and value.flags.c_contiguous


async def test_second_run_comes_from_the_cache(loaded):
    cache, inp = InspectCache(), make_input(loaded)
    first = await collect(loaded, inp, cache=cache)
    second = await collect(loaded, inp, cache=cache)
    assert not first[0].cached and second[0].cached and second[-1].cached
    firsts = [e for e in first if isinstance(e, AttentionReady)]
    seconds = [e for e in second if isinstance(e, AttentionReady)]
    assert all(a.weights is b.weights for a, b in zip(firsts, seconds))
    other = await collect(loaded, make_input(loaded, "Bob: something else entirely"), cache=cache)
    assert not other[0].cached


async def test_cancel_stops_between_layers_and_is_not_cached(loaded, monkeypatch):
    """The worker waits after the first layer until the test has pressed cancel, so the test
    never races it: before, a fast worker finished every layer before the cancel arrived
    (about one run in four with both cores busy)."""
    from agents.interp import engine

    released = threading.Event()

    def held_after_first_layer(out, emit, cancel):
        def emit_then_wait(event):
            emit(event)
            if isinstance(event, AttentionReady) and event.layer == 0:
                assert released.wait(timeout=120), "the test never released the worker"

        real_emit_attention(out, emit_then_wait, cancel)

    real_emit_attention = engine.emit_attention
    monkeypatch.setattr(engine, "emit_attention", held_after_first_layer)
    cache, inp, cancel = InspectCache(), make_input(loaded), CancelToken()
    events = []
    async for event in inspect_stream(loaded, inp, cancel, cache=cache):
        events.append(event)
        if isinstance(event, AttentionReady):
            cancel.cancel()
            released.set()
    assert [e.layer for e in events if isinstance(e, AttentionReady)] == [0]
    assert isinstance(events[-1], InspectError) and events[-1].cancelled
    assert not any(isinstance(e, (LensChunkReady, InspectFinished)) for e in events)
    monkeypatch.setattr(engine, "emit_attention", real_emit_attention)
    assert not (await collect(loaded, inp, cache=cache))[0].cached


@pytest.mark.parametrize("ids, words", [((), "nothing to inspect"), ((1, 10**7), "outside the model's vocabulary")])
async def test_bad_input_is_a_clear_error(loaded, ids, words):
    events = await collect(loaded, InspectInput(token_ids=ids, labels=tuple(map(str, ids))))
    assert isinstance(events[-1], InspectError) and words in events[-1].message


def test_a_compiler_that_fails_on_first_use_falls_back_to_eager(monkeypatch):
    """No C compiler (a user's desktop, the packaged app): torch.compile only fails when called."""
    import torch

    from agents.interp import lens

    def broken_compile(fn, **kwargs):
        def call(*args):
            raise RuntimeError("inductor: no working C compiler")

        return call

    monkeypatch.setattr(torch, "compile", broken_compile)
    monkeypatch.setattr(lens, "_COMPILED", {})
    monkeypatch.delenv("AGORA_LAB_INTERP_COMPILE", raising=False)
    reduce = lens.block_reducer()
    x, w = torch.randn(6, 8), torch.randn(50, 8)
    args = (x, w, None, None, torch.full((6, 1), -float("inf")), 3, 5)
    got, want = reduce(*args), lens.reduce_block(*args)
    for a, b in zip(got, want):
        assert torch.equal(a, b)
    assert reduce.working is lens.reduce_block


async def test_a_warm_up_compiles_everything_the_first_inspection_runs(loaded, monkeypatch):
    import torch._dynamo
    from torch._dynamo.utils import counters

    from agents.interp import lens

    monkeypatch.setattr(lens, "_COMPILED", {})
    monkeypatch.delenv("AGORA_LAB_INTERP_COMPILE", raising=False)
    torch._dynamo.reset()
    lens.warm_up(loaded.model)
    compiled = counters["stats"]["unique_graphs"]
    assert compiled > 0
    events = await collect(loaded, make_input(loaded))
    assert isinstance(events[-1], InspectFinished)
    assert counters["stats"]["unique_graphs"] == compiled  # nothing left to compile
