"""`agora-lab interp ...` on the tiny model: every method prints its records (JSON lines),
and bad input exits 1 or 2 with the method's own message."""

import json

import pytest

from agents.cli import interp as cli_interp
from agents.cli.commands import main

TEXT = "Alice: I think the answer is forty-two. Bob: I disagree"


@pytest.fixture
def on_tiny(tiny, monkeypatch):
    async def load(ref):
        return tiny

    monkeypatch.setattr(cli_interp, "load_model", load)
    return tiny


def run_json(capsys, *argv):
    code = main(["interp", *argv, "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    return code, lines


def types(lines):
    return [line["type"] for line in lines]


def test_steer_finds_a_layer_generates_and_summarises(on_tiny, capsys, tmp_path):
    contrast = tmp_path / "c.json"
    contrast.write_text(
        json.dumps(
            {
                "name": "c",
                "positive": ["Alice: I think", "Paris is the capital."],
                "negative": ["Bob: I disagree", "the lazy dog"],
                "eval_prompts": ["Alice:", "Bob:"],
                "instructions": {"positive": "Alice says"},
                "probe": " so",
                "markers": {"positive": [" Paris"], "negative": [" dog"]},
            }
        )
    )
    vector = tmp_path / "v.npz"
    code, lines = run_json(
        capsys,
        "steer",
        "--contrast",
        str(contrast),
        "--prompts",
        "2",
        "--max-tokens",
        "3",
        "--save-vector",
        str(vector),
    )
    assert code == 0 and vector.exists()
    assert types(lines).count("SteeredGeneration") == 8 and lines[-1]["type"] == "SteeringSummary"
    directions = next(line for line in lines if line["type"] == "DirectionsReady")
    assert len(directions["separation"]) == 3 and lines[-1]["layer"] in (0, 1)


def test_neurons_ablation_and_vectors(on_tiny, capsys):
    code, lines = run_json(capsys, "neurons", TEXT, "--layer", "1", "--ablate", "3", "4", "--read", "7")
    assert code == 0
    assert {"TopNeurons", "AblationResult", "NeuronVector"} <= set(types(lines))
    ablation = next(line for line in lines if line["type"] == "AblationResult")
    assert ablation["neurons"] == [3, 4] and ablation["kl"] >= 0


def test_patch_and_sweep(on_tiny, capsys):
    code, lines = run_json(capsys, "patch", TEXT, "--layer", "0", "--position", "3", "--sweep")
    assert code == 0 and [line["source_layer"] for line in lines if line["type"] == "PatchscopeResult"] == [-1, 0, 1]


def test_attribute_a_text(on_tiny, capsys):
    code, lines = run_json(capsys, "attribute", TEXT, "--method", "gradient")
    found = next(line for line in lines if line["type"] == "AttributionReady")
    assert code == 0 and found["method"] == "gradient x input" and len(found["scores"]) == len(found["labels"])


def test_sae_train_features_and_report(on_tiny, capsys, tmp_path):
    path = tmp_path / "sae.safetensors"
    code, lines = run_json(
        capsys, "sae", "train", "--layer", "0", "--features", "32", "--steps", "20", "--out", str(path)
    )
    assert code == 0 and path.exists() and "SaeSaved" in types(lines)
    code, lines = run_json(capsys, "sae", "features", TEXT, "--sae", str(path))
    assert code == 0 and {"TokenFeatures", "SaeQuality"} <= set(types(lines))
    code, lines = run_json(capsys, "sae", "report", "--sae", str(path), "--feature", "1", "2")
    assert code == 0 and [line["feature"] for line in lines if line["type"] == "FeatureReport"] == [1, 2]


def test_sae_report_defaults_to_selective_features_not_the_dense_ones(on_tiny, capsys, tmp_path):
    import torch

    from agents.interp.sae import encode, load_sae, residuals, selective_features
    from agents.interp.sae_train import corpus_rows, corpus_texts
    from agents.llm.base import CancelToken

    path = tmp_path / "sae.npz"
    run_json(capsys, "sae", "train", "--layer", "0", "--features", "32", "--steps", "20", "--out", str(path))
    code, lines = run_json(capsys, "sae", "report", "--sae", str(path))
    reports = [line for line in lines if line["type"] == "FeatureReport"]
    sae = load_sae(path)
    x, _ = residuals(on_tiny, corpus_rows(on_tiny, corpus_texts()), 0, CancelToken())
    with torch.inference_mode():
        acts = encode(sae.torch(x.device), x)
    share = (acts > 0).float().mean(0)
    assert code == 0 and [r["feature"] for r in reports] == selective_features(acts)
    assert [r["frequency"] for r in reports] == pytest.approx([float(share[r["feature"]]) for r in reports])
    in_band = int(((share >= 0.005) & (share <= 0.2)).sum())
    assert all(0.005 <= r["frequency"] <= 0.2 for r in reports[: min(5, in_band)])


def test_sae_train_and_report_read_a_corpus_of_your_own(on_tiny, capsys, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    texts = {"a.txt": "zebra quartz zebra quartz " * 12, "b.md": "# Notes\nviolet umbra violet umbra " * 10}
    for name, text in texts.items():
        (corpus / name).write_text(text, encoding="utf-8")
    path = tmp_path / "own.npz"
    code, lines = run_json(
        capsys, "sae", "train", "--layer", "0", "--features", "16", "--steps", "10", "--out", str(path),
        "--corpus", str(corpus),
    )  # fmt: skip
    assert code == 0 and path.exists()
    own = next(line for line in lines if line["type"] == "SaeSaved")["n_tokens"]
    code, lines = run_json(
        capsys, "sae", "train", "--layer", "0", "--features", "16", "--steps", "10", "--out", str(tmp_path / "s.npz")
    )
    shipped = next(line for line in lines if line["type"] == "SaeSaved")["n_tokens"]
    assert 0 < own < shipped  # two short files, not the shipped corpus
    code, lines = run_json(capsys, "sae", "report", "--sae", str(path), "--feature", "1", "--corpus", str(corpus))
    contexts = [text for line in lines if line["type"] == "FeatureReport" for text, _ in line["top_contexts"]]
    assert code == 0 and contexts
    plain = [c.removeprefix("<bos>").replace("[", "").replace("]", "") for c in contexts]  # e.g. '<bos>ze[br]a'
    assert all(any(c in text for text in texts.values()) for c in plain), plain


@pytest.mark.parametrize("kind", ["missing", "empty folder", "not utf-8"])
def test_a_bad_corpus_exits_two_naming_the_path_before_the_model_loads(monkeypatch, capsys, tmp_path, kind):
    from tests.agents.interp.test_corpus import bad_corpus

    loads = []

    async def load(ref):
        loads.append(ref)

    monkeypatch.setattr(cli_interp, "load_model", load)
    path = bad_corpus(tmp_path, kind)
    for argv in (["train", "--layer", "0", "--out", str(tmp_path / "x.npz")], ["report", "--sae", "x.npz"]):
        assert main(["interp", "sae", *argv, "--corpus", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and str(path) in err and "Traceback" not in err
    assert loads == [] and not (tmp_path / "x.npz").exists()


def test_method_errors_exit_one_with_the_message(on_tiny, capsys):
    code, lines = run_json(capsys, "patch", TEXT, "--layer", "9")
    assert code == 1 and "layer 9 is out of range" in lines[-1]["message"]


def test_bad_usage_exits_two(on_tiny, capsys):
    assert main(["interp", "neurons", TEXT, "--ablate", "3"]) == 2
    assert "--ablate and --read need --layer" in capsys.readouterr().err
    assert main(["interp", "steer", "--contrast", "nope"]) == 2


def test_a_remote_model_is_refused(capsys):
    assert main(["interp", "neurons", "hi", "--model", "openai-compatible:http://localhost:1/v1#m"]) == 2
    assert "needs a local model" in capsys.readouterr().err
