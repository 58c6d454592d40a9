"""Steering on the tiny model: directions against a hand difference of means, generation
against a hand-hooked reference, scores, cache, bad input, and no hook left behind."""

import json

import numpy as np
import pytest
import torch

from agents.interp.contrasts import ContrastSet, from_dict, load_contrast, shipped_names
from agents.interp.findings import DirectionsReady, MethodError, MethodFinished, SteeredGeneration
from agents.interp.hooks import hook_count
from agents.interp.jobs import ResultCache, collect, first
from agents.interp.readout import encode_text
from agents.interp.steer_generate import SteerSettings, steer_stream, summarise
from agents.interp.steering import SteeringVector, directions_stream

POS = ["Alice: I think the answer is forty-two.", "The quick brown fox jumps.", "Paris is the capital."]
NEG = ["Bob: I disagree, the evidence points elsewhere.", "What is the capital of France?", "the lazy dog"]
CONTRAST = ContrastSet(
    name="test",
    positive=tuple(POS),
    negative=tuple(NEG),
    eval_prompts=("Alice: I think",),
    instructions={"positive": "Alice: the answer"},
    probe=" Bob:",
    markers={"positive": (" Paris",), "negative": (" dog",)},
)


def reference_means(loaded, texts):
    """Each text alone, unpadded: block outputs via output_hidden_states, the last by a hook."""
    model, reps = loaded.model, []
    for text in texts:
        ids = encode_text(loaded, text)
        seen = []
        handle = model.model.layers[-1].register_forward_hook(
            lambda m, a, o, seen=seen: seen.append(o[0] if isinstance(o, tuple) else o)
        )
        try:
            with torch.no_grad():
                out = model(torch.tensor([ids]), output_hidden_states=True)
        finally:
            handle.remove()
        states = list(out.hidden_states[:-1]) + [seen[0]]  # embeddings, blocks 0..n-2, block n-1 un-normed
        reps.append(torch.stack([h[0, 1:].mean(0) for h in states]))
    return torch.stack(reps, 1)


async def test_directions_are_the_hand_difference_of_means(tiny):
    records = await collect(directions_stream(tiny, CONTRAST, cache=None))
    found = first(records, DirectionsReady)
    assert isinstance(records[-1], MethodFinished)
    pos, neg = reference_means(tiny, POS), reference_means(tiny, NEG)
    want = (pos.mean(1) - neg.mean(1)).numpy()
    assert found.layers.tolist() == [-1, 0, 1]
    np.testing.assert_allclose(found.directions, want, rtol=1e-4, atol=1e-5)
    unit = want / np.linalg.norm(want, axis=-1, keepdims=True)
    pp, pn = (pos.numpy() * unit[:, None]).sum(-1), (neg.numpy() * unit[:, None]).sum(-1)
    d = (pp.mean(1) - pn.mean(1)) / np.sqrt((pp.var(1, ddof=1) + pn.var(1, ddof=1)) / 2)
    np.testing.assert_allclose(found.separation, d, rtol=1e-3)
    assert np.all((found.accuracy >= 0) & (found.accuracy <= 1))
    assert found.best_layer() in (0, 1)


async def test_steered_generation_matches_a_hand_hooked_one_and_leaves_no_hook(tiny):
    found = first(await collect(directions_stream(tiny, CONTRAST, cache=None)), DirectionsReady)
    vector = SteeringVector.from_directions(found, 0)
    settings = SteerSettings(strength=50.0, max_new_tokens=6, repetition_penalty=1.0)
    before = hook_count(tiny.model)
    gens = [
        r
        for r in await collect(steer_stream(tiny, vector, ["Alice: I think"], CONTRAST, settings, cache=None))
        if isinstance(r, SteeredGeneration)
    ]
    assert [g.mode for g in gens] == [
        "unsteered",
        "steered (+)",
        "steered (-)",
        "prompted (+)",
    ]  # no negative instruction
    assert hook_count(tiny.model) == before  # transformers keeps its own capture hooks
    ids = encode_text(tiny, "Alice: I think")

    def greedy(delta):
        handle = tiny.model.model.layers[0].register_forward_hook(lambda m, a, o: o + torch.tensor(delta))
        try:
            out = list(ids)
            with torch.no_grad():
                for _ in range(6):
                    out.append(int(tiny.model(torch.tensor([out])).logits[0, -1].argmax()))
            return out[len(ids) :]
        finally:
            handle.remove()

    assert list(gens[0].token_ids) == greedy(np.zeros_like(vector.vector))
    assert list(gens[1].token_ids) == greedy(vector.vector * 50.0)
    assert list(gens[2].token_ids) == greedy(vector.vector * -50.0)
    assert gens[1].token_ids != gens[0].token_ids  # a strength this large must change something
    assert gens[1].layer == 0 and gens[0].layer is None and gens[2].strength == -50.0
    assert all(g.marker_logodds is not None and np.isfinite(g.surprisal) for g in gens)
    table = summarise(gens)
    assert set(table) == {g.mode for g in gens} and table["unsteered"]["n"] == 1


async def test_a_second_run_is_cached(tiny):
    cache = ResultCache()
    one = await collect(directions_stream(tiny, CONTRAST, cache=cache))
    two = await collect(directions_stream(tiny, CONTRAST, cache=cache))
    assert not one[0].cached and two[0].cached and first(two, DirectionsReady) is first(one, DirectionsReady)


def test_vector_round_trips_through_a_file(tmp_path):
    found = SteeringVector("x", 3, np.arange(4, dtype=np.float32), 1.5, -0.5)
    back = SteeringVector.load(found.save(tmp_path / "v.npz"))
    assert back.layer == 3 and back.name == "x" and back.midpoint == 0.5
    np.testing.assert_array_equal(back.vector, found.vector)


@pytest.mark.parametrize(
    "positive, negative, words",
    [
        ((), ("a", "b"), "positive set of 'bad' is empty"),
        (("a", "b"), ("  ",), "negative set of 'bad' is empty"),
        (("a", "b"), ("c",), "has one prompt"),
    ],
)
def test_one_sided_or_empty_sets_are_refused(positive, negative, words):
    with pytest.raises(ValueError, match=words):
        from_dict({"name": "bad", "positive": list(positive), "negative": list(negative)})


async def test_a_layer_out_of_range_is_a_clear_error(tiny):
    vector, before = SteeringVector("x", 7, np.zeros(32, np.float32)), hook_count(tiny.model)
    records = await collect(steer_stream(tiny, vector, ["hi"], cache=None))
    assert isinstance(records[-1], MethodError) and "layer 7 is out of range" in records[-1].message
    assert "-1..1" in records[-1].message and hook_count(tiny.model) == before


def test_shipped_sets_load_with_twenty_prompts_a_side():
    names = shipped_names()
    assert {"sentiment", "formality", "language", "agreement"} <= set(names)
    for name in names:
        found = load_contrast(name)
        assert len(found.positive) >= 20 and len(found.negative) >= 20 and len(found.eval_prompts) >= 20
        assert found.instructions.get("positive") and found.probe and found.markers.get("positive")
    with pytest.raises(ValueError, match="shipped sets are"):
        load_contrast("nope")


async def test_prompts_batched_together_generate_as_they_would_alone(tiny):
    vector = SteeringVector("x", 1, np.random.default_rng(0).normal(size=32).astype(np.float32) * 20)
    settings = SteerSettings(max_new_tokens=4, repetition_penalty=1.0, modes=("unsteered", "steered (-)"))
    prompts = ["Alice:", "Bob: I disagree", "The quick brown fox", "Paris", "What is the capital of France?"]

    async def run(texts):
        records = await collect(steer_stream(tiny, vector, texts, settings=settings, cache=None))
        return [(g.prompt, g.mode, g.token_ids) for g in records if isinstance(g, SteeredGeneration)]

    together = await run(prompts)
    alone = [row for p in prompts for row in await run([p])]
    assert together == alone and len(together) == 10


async def test_a_team_files_vector_resolves_from_a_set_or_a_file(tiny, tmp_path):
    from agents.interp.steering import resolve_vector

    contrast = tmp_path / "set.json"
    contrast.write_text(json.dumps({"name": "set", "positive": POS, "negative": NEG}))
    best = await resolve_vector(tiny, str(contrast))
    found = first(
        await collect(directions_stream(tiny, from_dict({"name": "set", "positive": POS, "negative": NEG}))),
        DirectionsReady,
    )
    assert best.layer == found.steering_layer()
    at0 = await resolve_vector(tiny, str(contrast), 0)
    np.testing.assert_allclose(at0.vector, found.directions[found.row(0)])
    saved = at0.save(tmp_path / "v.npz")
    assert (await resolve_vector(tiny, str(saved))).layer == 0
    with pytest.raises(ValueError, match="found at layer 0, not 1"):
        await resolve_vector(tiny, str(saved), 1)
    with pytest.raises(ValueError, match="layer 5 is out of range"):
        await resolve_vector(tiny, str(contrast), 5)
    SteeringVector("w", 0, np.zeros(640, np.float32)).save(tmp_path / "wide.npz")
    with pytest.raises(ValueError, match="has 640 values; this model's residual has 32"):
        await resolve_vector(tiny, str(tmp_path / "wide.npz"))


def test_the_steering_layer_avoids_the_late_blocks():
    d = np.array([5.0, 1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], np.float32)  # -1..17
    zeros = np.zeros(19, np.float32)
    found = DirectionsReady(
        "x", np.arange(-1, 18, dtype=np.int32), np.zeros((19, 4), np.float32), d, zeros, zeros, zeros, zeros
    )
    assert found.best_layer() == 17  # the last block separates best...
    assert found.steering_layer() == 12  # ...but steering uses the best of blocks 0..12
