"""Attribution on the tiny model: batched occlusion against occlusion done one by one,
gradient x input against a hand backward pass, and the roll-up by speaker."""

import numpy as np
import pytest
import torch

from agents.interp.attribution import attribution_stream
from agents.interp.findings import AttributionReady, MethodError
from agents.interp.jobs import collect, first
from agents.interp.readout import encode_text
from agents.interp.records import InspectInput, TokenSpan

ALICE, BOB, JUDGE = (
    "Alice: I think the answer is forty-two.",
    " Bob: I disagree, the evidence points elsewhere.",
    " Judge: Alice",
)


def debate(loaded, rounds=1):
    """Alice's turn, Bob's turn, then the judge's verdict (the target)."""
    a = encode_text(loaded, ALICE * rounds)
    b = loaded.tokenizer(BOB, add_special_tokens=False)["input_ids"]
    j = loaded.tokenizer(JUDGE, add_special_tokens=False)["input_ids"]
    ids = a + b + j
    spans = (TokenSpan("Alice #1", 1, len(a), "Alice"), TokenSpan("Bob #1", len(a), len(a) + len(b), "Bob"))
    return InspectInput(token_ids=tuple(ids), labels=tuple(map(str, ids)), spans=spans, focus_start=len(a) + len(b) + 2)


def target_logp(model, ids, start):
    with torch.no_grad():
        logp = torch.log_softmax(model(torch.tensor([ids])).logits[0].double(), -1)
    return float(sum(logp[i - 1, ids[i]] for i in range(start, len(ids))))


@pytest.mark.parametrize("rounds", [1, 12], ids=["short", "past-the-sliding-window"])
async def test_batched_occlusion_equals_occlusion_one_by_one(tiny, rounds, monkeypatch):
    from agents.interp import attribution

    monkeypatch.setattr(attribution, "MAX_ROWS", 7)  # several batches, the last one short
    inp = debate(tiny, rounds)
    assert (inp.focus_start - 1) % 7 and inp.focus_start - 1 > 14
    assert rounds == 1 or len(inp.token_ids) > 2 * tiny.model.config.sliding_window  # shared prefixes cross it
    found = first(await collect(attribution_stream(tiny, inp, "occlusion", "tokens", cache=None)), AttributionReady)
    ids, start = list(inp.token_ids), inp.focus_start
    full = target_logp(tiny.model, ids, start)
    want = [full - target_logp(tiny.model, ids[:i] + ids[i + 1 :], start - 1) for i in range(1, start)]
    assert found.target_logprob == pytest.approx(full, abs=1e-4)
    np.testing.assert_allclose(found.scores, want, atol=2e-4)
    assert found.starts.tolist() == list(range(1, start)) and found.target_start == start


async def test_occlusion_without_a_bos_removes_the_first_token_too(tiny):
    ids = tiny.tokenizer(ALICE + BOB, add_special_tokens=False)["input_ids"]
    assert ids[0] != tiny.tokenizer.bos_token_id
    inp = InspectInput(token_ids=tuple(ids), labels=tuple(map(str, ids)), focus_start=len(ids) - 3)
    found = first(await collect(attribution_stream(tiny, inp, "occlusion", "tokens", cache=None)), AttributionReady)
    start, full = inp.focus_start, target_logp(tiny.model, ids, inp.focus_start)
    want = [full - target_logp(tiny.model, ids[:i] + ids[i + 1 :], start - 1) for i in range(0, start)]
    assert found.starts.tolist()[0] == 0
    np.testing.assert_allclose(found.scores, want, atol=2e-4)


async def test_speaker_occlusion_removes_each_speakers_turns_together(tiny):
    inp = debate(tiny)
    found = first(await collect(attribution_stream(tiny, inp, "occlusion", "speakers", cache=None)), AttributionReady)
    ids, start = list(inp.token_ids), inp.focus_start
    full = target_logp(tiny.model, ids, start)
    for span in inp.spans:
        kept = ids[: span.start] + ids[span.end :]
        want = full - target_logp(tiny.model, kept, start - (span.end - span.start))
        assert dict(found.by_speaker)[span.agent] == pytest.approx(want, abs=2e-4)
    assert set(found.labels) == {"Alice", "Bob"}


async def test_gradient_x_input_matches_a_hand_backward_pass(tiny):
    inp = debate(tiny)
    found = first(
        await collect(attribution_stream(tiny, inp, "gradient x input", "tokens", cache=None)), AttributionReady
    )
    model, ids, start = tiny.model, list(inp.token_ids), inp.focus_start
    embeds = model.model.embed_tokens(torch.tensor([ids])).detach().requires_grad_(True)
    logp = torch.log_softmax(model(inputs_embeds=embeds).logits[0], -1)
    sum(logp[i - 1, ids[i]] for i in range(start, len(ids))).backward()
    per_token = (embeds.grad[0] * embeds[0]).sum(-1).detach().numpy()
    np.testing.assert_allclose(found.scores, per_token[1:start], rtol=1e-3, atol=1e-5)
    rolled = dict(found.by_speaker)
    for span in inp.spans:
        assert rolled[span.agent] == pytest.approx(float(per_token[span.start : span.end].sum()), rel=1e-3, abs=1e-5)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"method": "saliency"}, "method must be one of"),
        ({"unit": "words"}, "unit must be one of"),
        ({"unit": "spans", "plain": True}, "no labelled spans"),
        ({"one_token": True}, "has one token"),
    ],
)
async def test_bad_attribution_requests_are_clear_errors(tiny, kwargs, words):
    inp = debate(tiny)
    if kwargs.pop("plain", False):
        inp = InspectInput(token_ids=inp.token_ids, labels=inp.labels)
    if kwargs.pop("one_token", False):
        inp = InspectInput(token_ids=inp.token_ids[:1], labels=inp.labels[:1])
    records = await collect(attribution_stream(tiny, inp, cache=None, **kwargs))
    assert isinstance(records[-1], MethodError) and words in records[-1].message


async def test_occlusion_leaves_the_model_eager_with_attention_weights_even_when_it_fails(tiny, monkeypatch):
    from agents.interp import attribution

    inp = debate(tiny)
    seen = []
    real = attribution.SharedPrefix.continued

    def spy(self, *args):
        seen.append(tiny.model.config._attn_implementation)
        return real(self, *args)

    monkeypatch.setattr(attribution.SharedPrefix, "continued", spy)
    await collect(attribution_stream(tiny, inp, "occlusion", "tokens", cache=None))
    assert seen and set(seen) == {"sdpa"} and tiny.model.config._attn_implementation == "eager"

    def broken(self, *args):
        raise RuntimeError("mid-occlusion")

    monkeypatch.setattr(attribution.SharedPrefix, "continued", broken)
    records = await collect(attribution_stream(tiny, inp, "occlusion", "tokens", cache=None))
    assert isinstance(records[-1], MethodError) and tiny.model.config._attn_implementation == "eager"
    with torch.no_grad():
        out = tiny.model(torch.tensor([list(inp.token_ids)]), output_attentions=True)
    assert out.attentions is not None and out.attentions[0].shape[-1] == len(inp.token_ids)
