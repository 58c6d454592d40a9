"""The panel's method tabs on the tiny model: each runs through its StreamRunner and fills
its table; a lens click is described by the Patchscope tab; a bad form is refused."""

import json
import os

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from agents.interp.findings import (
    AttributionReady,
    FeatureReport,
    PatchscopeResult,
    SteeredGeneration,
    TokenFeatures,
)
from agents.interp.records import InspectInput, TokenSpan
from agents.interp.sae import JumpReluSae
from agents.settings import Settings
from desktop.interp.panel import InterpPanel
from tests.helpers.interp_model import build_interp_model, load_plain

TEXT = "Alice: I think the answer is forty-two. Bob: I disagree"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return load_plain(build_interp_model(tmp_path_factory.mktemp("tabs-model")))


@pytest.fixture
def panel(qtbot, tiny):
    widget = InterpPanel(lambda: Settings())
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()

    async def load():
        yield tiny

    for tab in widget.methods.values():
        tab.context.load = load  # the tiny model instead of the embedded one
    return widget


def run(qloop, tab):
    tab.run()
    assert tab.runner.running, tab.status.text()
    qloop.run_until_complete(tab.runner._task)


def table(tab):
    return [
        [tab.table.item(r, c).text() if tab.table.item(r, c) else "" for c in range(tab.table.columnCount())]
        for r in range(tab.table.rowCount())
    ]


def test_steering_tab_finds_directions_and_generates_every_mode(panel, qloop, tmp_path):
    contrast = tmp_path / "c.json"
    contrast.write_text(
        json.dumps(
            {
                "name": "c",
                "positive": ["Alice: I think", "Paris is the capital."],
                "negative": ["Bob: I disagree", "the lazy dog"],
                "eval_prompts": ["Alice:"],
                "instructions": {"positive": "Alice says", "negative": "Bob says"},
            }
        )
    )
    tab = panel.methods["steering"]
    tab.load_file(str(contrast))  # a loaded .json set becomes a choice, and is chosen
    assert tab.contrast.currentData() == str(contrast) and not tab.pairs.isVisibleTo(tab)
    tab.prompts.setValue(1)
    run(qloop, tab)
    gens = [r for r in tab.records if isinstance(r, SteeredGeneration)]
    assert [g.mode for g in gens] == ["unsteered", "steered (+)", "steered (-)", "prompted (+)", "prompted (-)"]
    rows = table(tab)
    assert len(rows) == 5 and rows[1][1] == "steered (+)" and "done" in tab.status.text()
    assert "best separating layer" in tab.log.toPlainText()


def test_neurons_tab_lists_top_neurons_and_ablates(panel, qloop):
    tab = panel.methods["neurons"]
    tab.text.setText(TEXT)
    tab.layer.setValue(1)
    tab.ablate.setText("3 4")
    run(qloop, tab)
    assert len(table(tab)) == len(tab.labels) and "#" in table(tab)[0][2]
    assert "KL=" in tab.log.toPlainText() and "promotes" in tab.log.toPlainText()
    tab.ablate.setText("three")
    tab.run()
    assert not tab.runner.running and "whole numbers" in tab.status.text()


def shot(widget, name):
    """A developer looks at it: H14_SHOTS=/tmp pytest ... (laid out first, as the loop would)."""
    folder = os.environ.get("H14_SHOTS")
    QApplication.processEvents()
    if folder:
        widget.window().grab().save(os.path.join(folder, name))


def test_typed_pairs_are_checked_as_typed_and_run(panel, qloop, tmp_path):
    tab = panel.methods["steering"]
    panel.tabs.setCurrentWidget(tab)
    tab.contrast.setCurrentIndex(tab.contrast.findText("custom pairs (typed below)"))
    assert tab.pairs.isVisibleTo(tab)
    tab.pairs.text.setPlainText("Alice: I think | Bob: I disagree\nParis is the capital. |")
    assert "line 2: the negative side is empty" in tab.pairs.check.text()
    tab.run()  # refused with the same message; nothing starts
    assert not tab.runner.running and "typed pairs cannot be used: line 2" in tab.status.text()
    shot(tab, "h14_pairs_refused.png")
    tab.pairs.text.setPlainText("Alice: I think | Bob: I disagree\nParis is the capital. | the lazy dog\n? Alice:")
    assert tab.pairs.check.text() == "2 positive, 2 negative, 1 prompt to generate from"
    tab.prompts.setValue(1)
    run(qloop, tab)
    gens = [r for r in tab.records if isinstance(r, SteeredGeneration)]
    assert [g.mode for g in gens] == ["unsteered", "steered (+)", "steered (-)"]  # no instructions typed
    assert gens[0].prompt == "Alice:" and "done" in tab.status.text()
    shot(tab, "h14_pairs_run.png")
    saved = tmp_path / "mine.json"
    tab.pairs.save(str(saved))
    data = json.loads(saved.read_text())
    assert data["name"] == "mine" and data["negative"] == ["Bob: I disagree", "the lazy dog"]
    assert "Saved to" in tab.pairs.check.text()


def test_loading_pairs_and_bad_files_say_what_is_wrong(panel, tmp_path):
    tab = panel.methods["steering"]
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("# mine\nyes | no\nsure | never\n+ gladly\n")
    tab.load_file(str(pairs))
    assert tab.contrast.currentData() == "custom pairs (typed below)"
    assert tab.pairs.contrast().positive == ("yes", "sure", "gladly") and "3 positive" in tab.pairs.check.text()
    before = tab.contrast.count()
    for content, words in (
        ("{not json", "bad.json is not valid JSON (line 1"),
        ('{"positive": ["a", "b"]}', "'negative' is missing"),
        ('{"positive": ["a", "b"], "negative": ["c", 7]}', "negative[1] is int, not a text"),
        ('{"positive": ["a", "b"], "negative": []}', "negative set of 'bad' is empty"),
    ):
        (tmp_path / "bad.json").write_text(content)
        tab.load_file(str(tmp_path / "bad.json"))
        assert words in tab.status.text() and tab.contrast.count() == before
    tab.load_file(str(tmp_path / "absent.json"))
    assert "no contrast file at" in tab.status.text()


def test_a_lens_click_is_described_by_the_patchscope_tab(panel, qloop, tiny):
    ids = tiny.tokenizer(TEXT)["input_ids"]
    inp = InspectInput(token_ids=tuple(ids), labels=tuple(map(str, ids)), title="t")

    async def inspected():
        from agents.interp.engine import InspectCache, inspect_stream

        return [e async for e in inspect_stream(tiny, inp, cache=InspectCache())]

    for event in qloop.run_until_complete(inspected()):
        panel.apply(event)
    tab = panel.methods["patchscope"]
    panel.lens.heatmap.cellClicked.emit(2, 5)  # lens row 2 = layer 1
    assert tab.runner.running
    qloop.run_until_complete(tab.runner._task)
    found = [r for r in tab.records if isinstance(r, PatchscopeResult)]
    assert found and found[0].source_layer == 1 and found[0].source_position == 5
    assert table(tab)[0][:2] == ["1", "5"]


def test_attribution_tab_rolls_up_the_inspected_message_by_speaker(panel, qloop, tiny):
    ids = tiny.tokenizer(TEXT)["input_ids"]
    spans = (TokenSpan("Alice #1", 1, 8, "Alice"), TokenSpan("Bob (inspected)", 8, len(ids), "Bob"))
    inp = InspectInput(token_ids=tuple(ids), labels=tuple(map(str, ids)), spans=spans, focus_start=10)
    panel.methods["attribution"].context.current_input = lambda: inp
    tab = panel.methods["attribution"]
    run(qloop, tab)
    found = next(r for r in tab.records if isinstance(r, AttributionReady))
    assert found.unit == "speakers" and {who for who, _ in found.by_speaker} == {"Alice", "Bob"}
    assert {row[0] for row in table(tab)} == {"Alice", "Bob"}


def tiny_sae(folder):
    """A random 16-feature SAE of the tiny model's layer 0, saved under ``folder``."""
    rng = np.random.default_rng(0)
    return JumpReluSae(
        rng.normal(size=(32, 16)).astype(np.float32),
        np.zeros(16, np.float32),
        rng.normal(size=(16, 32)).astype(np.float32),
        np.zeros(32, np.float32),
        np.zeros(16, np.float32),
        layer=0,
    ).save(folder / "sae.npz")


def test_sae_tab_shows_features_per_token(panel, qloop, tmp_path):
    path = tiny_sae(tmp_path)
    tab = panel.methods["sae"]
    tab.path.setText(str(path))
    tab.text.setText(TEXT)
    tab.layer.setValue(0)
    run(qloop, tab)
    assert any(isinstance(r, TokenFeatures) for r in tab.records) and len(table(tab)) == len(tab.labels) - 1
    tab.path.clear()
    tab.run()
    assert "give the SAE file" in tab.status.text()


def test_sae_tab_reports_a_feature_over_a_corpus_of_your_own(panel, qloop, tmp_path):
    path = tiny_sae(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "own.txt").write_text("zebra quartz zebra quartz " * 8, encoding="utf-8")
    tab = panel.methods["sae"]
    tab.path.setText(str(path))
    tab.layer.setValue(0)
    tab.action.setCurrentText("feature report")
    tab.corpus.setText(str(corpus))
    tab.feature.setValue(3)
    run(qloop, tab)
    assert {row[0].split()[0] for row in table(tab)} == {"#3"}
    contexts = [row[1].removeprefix("<bos>").replace("[", "").replace("]", "") for row in table(tab)]
    assert contexts and all(c in "zebra quartz " * 8 for c in contexts), contexts
    tab.corpus.setText(str(tmp_path / "nowhere"))
    run(qloop, tab)
    assert tab.status.text() == f"Cannot run: no corpus at {tmp_path / 'nowhere'}"


def test_the_sae_tab_reports_the_selective_features_by_default(panel, qloop, tiny, tmp_path):
    from agents.interp.jobs import collect
    from agents.interp.sae import feature_report_stream, load_sae
    from agents.interp.sae_train import corpus_rows, corpus_texts

    path = tiny_sae(tmp_path)
    tab = panel.methods["sae"]
    tab.path.setText(str(path))
    tab.layer.setValue(0)
    tab.action.setCurrentText("feature report")
    assert tab.feature.value() == -1 and tab.feature.text() == "5 selective"
    run(qloop, tab)
    shown = [r.feature for r in tab.records if isinstance(r, FeatureReport)]
    rows = corpus_rows(tiny, corpus_texts())
    want = qloop.run_until_complete(collect(feature_report_stream(tiny, load_sae(path), rows, None, cache=None)))
    assert shown == [r.feature for r in want if isinstance(r, FeatureReport)] and len(shown) == 5
    assert {row[0].split()[0] for row in table(tab)} == {f"#{i}" for i in shown}  # one table, all five


def test_an_empty_form_without_an_inspected_message_is_refused(panel, qloop):
    tab = panel.methods["attribution"]
    run(qloop, tab)
    assert "type a text, or inspect a message first" in tab.status.text()


def test_the_steering_tab_renders_offscreen(panel, qloop, tmp_path):
    tab = panel.methods["steering"]
    panel.tabs.setCurrentWidget(tab)
    zeros = np.zeros(3, np.float32)
    from agents.interp.findings import DirectionsReady

    tab.apply(
        DirectionsReady(
            "x",
            np.arange(-1, 2, dtype=np.int32),
            np.zeros((3, 4), np.float32),
            np.array([1.0, 3.0, 2.0], np.float32),
            zeros + 0.9,
            zeros,
            zeros,
            zeros,
        )
    )
    path = tmp_path / "steering.png"
    panel.grab().save(str(path))
    assert path.stat().st_size > 1000 and table(tab)[1][3] == "← steering layer"
