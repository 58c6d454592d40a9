"""The interpretability panel: rendering recorded results, and right-click → inspect, end to end."""

import asyncio

import numpy as np
import pytest

from agents.events import MessageCompleted
from agents.interp.engine import InspectCache, inspect_stream
from agents.interp.records import InspectInput, TokenSpan
from agents.settings import LocalSettings, Settings
from desktop.interp.panel import InterpPanel
from desktop.main_window import MainWindow
from tests.helpers.interp_model import build_interp_model, load_plain


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, qloop):
    """Events of one real inspection (tiny model) with two speakers' spans, replayed per test."""
    loaded = load_plain(build_interp_model(tmp_path_factory.mktemp("interp-panel-model")))
    ids = loaded.tokenizer("Alice: I think the answer is forty-two. Bob: I disagree, the evidence points elsewhere.")[
        "input_ids"
    ]
    half = len(ids) // 2
    spans = (TokenSpan("Alice #1", 1, half, "Alice"), TokenSpan("Bob (inspected)", half, len(ids), "Bob"))
    inp = InspectInput(
        token_ids=tuple(ids), labels=tuple(f"t{i}" for i in ids), spans=spans, title="test", focus_start=half
    )

    async def run():
        return [e async for e in inspect_stream(loaded, inp, cache=InspectCache())]

    return qloop.run_until_complete(run())


@pytest.fixture
def panel(qtbot, recorded):
    widget = InterpPanel(lambda: Settings())
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    for event in recorded:
        widget.apply(event)
    return widget


def test_recorded_results_render_in_every_view(panel, recorded):
    started, res = recorded[0], panel.result
    n, layers, heads = len(started.input.token_ids), started.n_layers, started.n_heads
    for tab in range(panel.tabs.count()):
        panel.tabs.setCurrentIndex(tab)
        panel.redraw()
    assert panel.lens.heatmap.values.shape == (layers + 1, n)
    np.testing.assert_array_equal(panel.lens.heatmap.values, res.lens["top_probs"][..., 0])
    panel.lens.mode.setCurrentIndex(1)
    np.testing.assert_array_equal(panel.lens.heatmap.values, res.lens["target_prob"])
    assert panel.heads.count() == layers * heads
    panel.open_head(1, 1)
    np.testing.assert_array_equal(panel.attention.heatmap.values, res.attention[1][1])
    assert panel.tabs.currentWidget() is panel.attention
    rollup = panel.rollup.heatmap.values
    assert rollup.shape == (layers * heads, 4)  # Alice, Bob, the first token (BOS), other (nothing here)
    assert np.all(rollup[:, 3] == 0.0)
    np.testing.assert_allclose(rollup.sum(1), 1.0, atol=1e-5)
    assert "parity" in panel.status.text()


def test_hover_lists_the_top_ten_and_click_highlights_row_and_column(panel, recorded):
    res = panel.result
    html = panel.lens.tooltip_html(2, 3)
    assert html.count("&nbsp;") == 10 and res.text_of(res.lens["top_ids"][2, 3, 0]) in html
    panel.select_token(4)
    assert panel.attention.heatmap.row_line.isVisible() and panel.attention.heatmap.row_line.value() == 4.5
    assert panel.lens.heatmap.col_line.isVisible() and panel.lens.heatmap.col_line.value() == 4.5


def test_exports_png_and_csv(panel, tmp_path):
    panel.tabs.setCurrentWidget(panel.lens)
    png = panel.export_png(str(tmp_path / "lens.png"))
    assert png.stat().st_size > 1000
    lens_csv = panel.export_csv(str(tmp_path / "lens.csv")).read_text().splitlines()
    assert len(lens_csv) == 1 + panel.result.rows * panel.result.n_tokens
    panel.tabs.setCurrentWidget(panel.attention)
    attention_csv = panel.export_csv(str(tmp_path / "attention.csv")).read_text().splitlines()
    assert len(attention_csv) == 1 + panel.result.n_tokens


@pytest.fixture(scope="module")
def roomy_tiny_model_dir(tmp_path_factory):
    """The tiny model with room for the debate's prompt: its persona, worked example, task and
    the first turn do not fit 512 tokens of its byte-sized vocabulary, and a trimmed prompt
    would hold no earlier message to find."""
    from tests.helpers.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("roomy-tiny-model"), max_positions=2048)


def test_right_click_inspects_a_generated_message_with_its_exact_ids(qtbot, qloop, roomy_tiny_model_dir):
    window = MainWindow(settings=Settings(local=LocalSettings(device="cpu", context_tokens=2048)))
    qtbot.addWidget(window)
    window.builder.open_template("debate_with_judge")
    window.run_bar.model_box.setEditText(f"local:{roomy_tiny_model_dir}")
    window.runs.start_run()

    async def until(condition, timeout=60):
        async def poll():
            while not condition():
                await asyncio.sleep(0.02)

        await asyncio.wait_for(poll(), timeout)

    generated = lambda: [m for m in window.interp.messages if isinstance(m, MessageCompleted) and m.token_ids]  # noqa: E731
    qloop.run_until_complete(until(lambda: len(generated()) >= 2 or not window.runs.running))
    window.runs.stop_run()  # two messages are enough; the user stops the debate
    qloop.run_until_complete(until(lambda: not window.runs.running))
    generated = generated()
    assert len(generated) >= 2
    target = generated[1]
    window.conversation.message_menu(target.message_id).actions()[0].trigger()
    qloop.run_until_complete(until(lambda: window.interp.result.finished is not None or window.interp.result.error))
    res = window.interp.result
    assert res.error is None and res.input.exact_ids and res.input.exact_prompt
    assert res.input.focus_start == target.usage.prompt_tokens  # the very prompt the model saw
    assert res.input.token_ids[-len(target.token_ids) :] == target.token_ids
    assert res.input.focus_start == len(res.input.token_ids) - len(target.token_ids)
    assert res.finished.parity_max_abs_diff < 1e-4
    assert all(a is not None for a in res.attention) and res.filled_to == res.n_tokens
    assert any(s.message_id == generated[0].message_id for s in res.input.spans)


def test_the_views_fill_from_runner_batches(qtbot, recorded):
    from desktop.runner import StreamRunner

    widget = InterpPanel(lambda: Settings())
    qtbot.addWidget(widget)
    widget.show()
    assert isinstance(widget.runner, StreamRunner)
    widget.tabs.setCurrentWidget(widget.lens)
    half = len(recorded) // 2
    widget.runner.batch.emit(recorded[:half])  # as the runner delivers them, ~30 times a second
    assert widget.result.started is recorded[0] and widget.result.finished is None
    widget.runner.batch.emit(recorded[half:])
    assert widget.result.finished is recorded[-1] and "parity" in widget.status.text()
    np.testing.assert_array_equal(widget.lens.heatmap.values, widget.result.lens["top_probs"][..., 0])


def test_a_second_inspection_waits_for_the_first_and_a_refusal_is_shown(qtbot, qloop, tiny_model_dir):
    from agents.interp.context import text_input
    from agents.llm.refs import LocalRef

    widget = InterpPanel(lambda: Settings(local=LocalSettings(device="cpu", context_tokens=512)))
    qtbot.addWidget(widget)
    results = []
    widget.finished.connect(lambda result: results.append(result.started.input.title if result.started else None))
    ref = LocalRef(path=str(tiny_model_dir))
    first = widget.start(ref, lambda loaded: text_input(loaded, "The first text to inspect.", "first"))
    assert (
        widget.runner.running
        and widget.start(ref, lambda loaded: text_input(loaded, "The second one.", "second")) is None
    )
    assert widget.cancel.cancelled  # the running one is asked to stop; the second starts when it has ended
    qloop.run_until_complete(first)

    async def second_done():
        while widget.runner.running or len(results) < 2:
            await asyncio.sleep(0.01)

    qloop.run_until_complete(asyncio.wait_for(second_done(), 60))
    assert len(results) == 2 and results[-1] == "second"
    assert widget.result.finished is not None and widget.result.input.title == "second"
    missing = widget.start(LocalRef(path=str(tiny_model_dir / "missing")), lambda loaded: text_input(loaded, "x"))
    qloop.run_until_complete(missing)
    assert widget.status.text().startswith("Cannot inspect:") and not widget.runner.running
