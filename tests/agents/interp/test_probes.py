"""The marker-probe check on the tiny model: each text's score against a straight forward
pass of text + probe, the framing by evaluation prompts, and the separation summary."""

import numpy as np
import pytest
import torch

from agents.interp.contrasts import ContrastSet
from agents.interp.probes import ProbeCheck, check_probe, framed, marker_logodds
from agents.interp.readout import continuation_ids, encode_text
from agents.interp.steer_generate import marker_ids

SET = ContrastSet(
    name="t",
    positive=("Paris is the capital.", "Alice: I think so."),
    negative=("the lazy dog", "Bob: I disagree."),
    eval_prompts=("Alice:",),
    probe=" Bob:",
    markers={"positive": (" Paris", " Alice"), "negative": (" dog",)},
)


def straight(loaded, text, probe, markers):
    ids = encode_text(loaded, text) + continuation_ids(loaded, probe)
    with torch.no_grad():
        logp = torch.log_softmax(loaded.model(torch.tensor([ids])).logits[0, -1].double(), -1)
    return float(logp[markers[0]].logsumexp(0) - logp[markers[1]].logsumexp(0))


def test_marker_logodds_equal_a_straight_forward_pass_per_text(tiny):
    markers = marker_ids(tiny, SET)
    texts = list(SET.positive + SET.negative) + ["one more, longer than the others in the batch"]
    found = marker_logodds(tiny, texts, SET.probe, markers)
    np.testing.assert_allclose(found, [straight(tiny, t, SET.probe, markers) for t in texts], atol=1e-4)


def test_check_probe_frames_each_side_and_summarises_the_separation(tiny):
    assert framed(SET, ["x", "y"]) == ["Alice: x", "Alice: y"]
    found = check_probe(tiny, SET)
    markers = marker_ids(tiny, SET)
    want = [straight(tiny, f"Alice: {t}", SET.probe, markers) for t in SET.positive]
    np.testing.assert_allclose(found.positive, want, atol=1e-4)
    other = check_probe(tiny, SET, probe=" Alice:", markers={"positive": [" dog"], "negative": [" Paris"]})
    assert other.probe == " Alice:" and not np.allclose(other.positive, found.positive)
    with pytest.raises(ValueError, match="marker words on both sides"):
        check_probe(tiny, SET, markers={"positive": [" Paris"]})


def test_accuracy_is_the_roc_area_and_d_the_standardised_gap():
    check = ProbeCheck("p", np.array([3.0, 2.0, 1.0], np.float32), np.array([0.0, 1.0, -1.0], np.float32))
    assert check.accuracy == pytest.approx((3 + 3 + 2 + 0.5) / 9)  # 1 vs 1 is a tie: half a win
    assert check.d == pytest.approx(2.0 / np.sqrt((np.var([3, 2, 1]) + np.var([0, 1, -1])) / 2))
