"""SAEs on the tiny model: encoding against numpy, file formats, shape errors that name both
shapes, training that beats the mean and reloads, and a cancel that writes nothing."""

import dataclasses

import numpy as np
import pytest
import torch

from agents.interp.findings import (
    FeatureReport,
    MethodError,
    SaeQuality,
    SaeSaved,
    SaeTrainingProgress,
    TokenFeatures,
)
from agents.interp.jobs import collect, first
from agents.interp.readout import encode_text
from agents.interp.sae import JumpReluSae, feature_report_stream, features_stream, load_sae, selective_features
from agents.interp.sae_train import SaeTrainSettings, corpus_rows, corpus_texts, train_stream
from tests.helpers.cancel_after import CancelAfter

TEXT = "Alice: I think the answer is forty-two. Bob: I disagree, the evidence points elsewhere."


def random_sae(d=32, m=48, layer=0, seed=0):
    rng = np.random.default_rng(seed)
    return JumpReluSae(
        W_enc=rng.normal(size=(d, m)).astype(np.float32) * 0.3,
        b_enc=rng.normal(size=m).astype(np.float32) * 0.1,
        W_dec=rng.normal(size=(m, d)).astype(np.float32) * 0.3,
        b_dec=rng.normal(size=d).astype(np.float32) * 0.1,
        threshold=np.abs(rng.normal(size=m)).astype(np.float32),
        layer=layer,
    ).check()


def block_output(model, layer, ids):
    seen = []
    handle = model.model.layers[layer].register_forward_hook(lambda m, a, o: seen.append(o))
    try:
        with torch.no_grad():
            model(torch.tensor([ids]))
    finally:
        handle.remove()
    return seen[0][0].numpy()


async def test_token_features_and_quality_match_numpy(tiny):
    sae, ids = random_sae(), encode_text(tiny, TEXT)
    records = await collect(features_stream(tiny, sae, ids, k=4, cache=None))
    feats, qual = first(records, TokenFeatures), first(records, SaeQuality)
    x = block_output(tiny.model, 0, ids)[1:]  # BOS dropped
    pre = x @ sae.W_enc + sae.b_enc
    acts = pre * (pre > sae.threshold)
    want = np.argsort(-acts, axis=-1, kind="stable")[:, :4]
    np.testing.assert_allclose(feats.activations, np.take_along_axis(acts, want, -1), rtol=1e-4, atol=1e-5)
    recon = acts @ sae.W_dec + sae.b_dec
    fvu = ((x - recon) ** 2).sum() / ((x - x.mean(0)) ** 2).sum()
    assert qual.fvu == pytest.approx(fvu, rel=1e-4) and qual.n_tokens == len(ids) - 1
    assert qual.mean_l0 == pytest.approx((acts > 0).sum(-1).mean(), rel=1e-5)


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_files_round_trip_in_both_formats(tmp_path, suffix):
    sae = random_sae(layer=1)
    back = load_sae(sae.save(tmp_path / f"params{suffix}"))
    assert back.layer == 1 and not list(tmp_path.glob("*.partial"))
    for name in ("W_enc", "b_enc", "W_dec", "b_dec", "threshold"):
        np.testing.assert_array_equal(getattr(back, name), getattr(sae, name))
    assert load_sae(tmp_path / f"params{suffix}", layer=0).layer == 0


async def test_an_sae_of_another_width_names_both_shapes(tiny):
    sae = random_sae(d=640, m=16)
    records = await collect(features_stream(tiny, sae, encode_text(tiny, TEXT), cache=None))
    assert isinstance(records[-1], MethodError)
    assert (
        "(640, 16)" in records[-1].message
        and "32 wide" in records[-1].message
        and "(32, n_features)" in records[-1].message
    )


def test_inconsistent_or_incomplete_files_are_refused(tmp_path):
    good = random_sae()
    np.savez(
        tmp_path / "bad.npz",
        W_enc=good.W_enc,
        b_enc=good.b_enc,
        W_dec=good.W_dec.T,
        b_dec=good.b_dec,
        threshold=good.threshold,
    )
    with pytest.raises(ValueError, match=r"W_dec has shape \(32, 48\), but W_enc \(32, 48\) needs \(48, 32\)"):
        load_sae(tmp_path / "bad.npz")
    np.savez(tmp_path / "part.npz", W_enc=good.W_enc)
    with pytest.raises(ValueError, match="lacks b_enc, W_dec, b_dec, threshold"):
        load_sae(tmp_path / "part.npz")


async def test_training_beats_the_mean_reloads_and_reports_features(tiny, tmp_path):
    settings = SaeTrainSettings(layer=1, n_features=64, steps=150, batch=128, lr=3e-3, sparsity=1e-4)
    path = tmp_path / "sae.npz"
    records = await collect(train_stream(tiny, settings, path, texts=corpus_texts()[:4]))
    progress = [r for r in records if isinstance(r, SaeTrainingProgress)]
    saved, qual = first(records, SaeSaved), first(records, SaeQuality)
    assert saved is not None, records[-1]
    assert progress and progress[-1].step == 150 and progress[0].loss > progress[-1].loss
    assert 0 < qual.fvu < 0.5 and 0 < qual.mean_l0 < 64  # held-out tokens
    sae = load_sae(path)
    assert sae.layer == 1 and sae.n_features == 64
    rows = corpus_rows(tiny, corpus_texts()[:2])
    again = first(await collect(features_stream(tiny, sae, rows[0], cache=None)), TokenFeatures)
    assert again.feature_ids.shape == (len(rows[0]) - 1, 8)
    top = int(np.bincount(again.feature_ids[:, 0]).argmax())
    reports = [
        r
        for r in await collect(feature_report_stream(tiny, sae, rows, [top, 0], cache=None))
        if isinstance(r, FeatureReport)
    ]
    assert [r.feature for r in reports] == [top, 0]
    assert reports[0].top_contexts and "[" in reports[0].top_contexts[0][0] and reports[0].frequency > 0
    assert len(reports[0].promoted) == 5


def hand_made_activations(tokens=1000):
    """Six features over ``tokens`` tokens, each with a known share and mean activation when on."""
    acts = np.zeros((tokens, 6), np.float32)
    acts[:, 0] = 9.0  # dense: on every token, like a bias
    acts[:100:10, 1] = [1.0, 5.0] * 5  # 1%, mean 3 (max 5)
    acts[:20, 2] = 1.0  # 2%, mean 1
    # feature 3 never fires
    acts[500, 4] = 20.0  # one token (0.1%): rare
    acts[200:250, 5] = 4.0  # 5%, mean 4 (max 4)
    return torch.from_numpy(acts)


def test_selective_features_rank_the_band_by_mean_activation_then_rare_then_dense():
    acts = hand_made_activations()
    # in the band (0.5-20%) by mean when on, not max: 5 (4), 1 (3), 2 (1); then the rare 4, then the dense 0
    assert selective_features(acts, n=3) == [5, 1, 2]
    assert selective_features(acts, n=6) == [5, 1, 2, 4, 0]  # 3 never fires, so it is never chosen
    assert selective_features(acts, n=2, band=(0.0005, 1.0)) == [4, 0]  # a wider band admits rare and dense
    assert selective_features(torch.zeros(10, 4)) == []


async def test_a_report_without_features_picks_the_selective_ones_over_the_corpus(tiny):
    sae = random_sae(layer=1)
    rows = corpus_rows(tiny, corpus_texts()[:2])
    x = np.concatenate([block_output(tiny.model, 1, row)[1:] for row in rows])  # by hand, row by row
    pre = x @ sae.W_enc + sae.b_enc
    want = selective_features(torch.from_numpy(pre * (pre > sae.threshold)), n=4)
    records = await collect(feature_report_stream(tiny, sae, rows, None, k=3, cache=None, n_selective=4))
    reports = [r for r in records if isinstance(r, FeatureReport)]
    assert len(want) == 4 and [r.feature for r in reports] == want, records[-1]
    share = (pre > sae.threshold).mean(0)
    assert [r.frequency for r in reports] == pytest.approx([float(share[i]) for i in want], abs=1e-6)
    silent = dataclasses.replace(sae, threshold=np.full(48, 1e9, np.float32))
    records = await collect(feature_report_stream(tiny, silent, rows, None, cache=None))
    assert isinstance(records[-1], MethodError) and "no feature of this SAE fires" in records[-1].message


async def test_cancel_mid_training_writes_nothing(tiny, tmp_path):
    settings = SaeTrainSettings(layer=0, n_features=32, steps=10_000, batch=64)
    path = tmp_path / "never.npz"
    records = await collect(train_stream(tiny, settings, path, texts=corpus_texts()[:1], cancel=CancelAfter(400)))
    assert any(isinstance(r, SaeTrainingProgress) for r in records)  # it was training when cancelled
    assert isinstance(records[-1], MethodError) and records[-1].cancelled
    assert not path.exists() and not list(tmp_path.iterdir())


async def test_training_at_a_missing_layer_is_a_clear_error(tiny, tmp_path):
    records = await collect(train_stream(tiny, SaeTrainSettings(layer=9), tmp_path / "x.npz", texts=["hello"]))
    assert isinstance(records[-1], MethodError) and "layer 9 is out of range" in records[-1].message
