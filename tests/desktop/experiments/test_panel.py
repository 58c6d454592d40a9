"""The Experiments panel, offscreen, on scripted models: it runs, fills the grid and charts,
opens an item's session, resumes, and reports a bad form without running anything."""

import pytest

from agents.experiments.config import ExperimentConfig, TaskSource
from agents.experiments.stats import summarise
from agents.experiments.store import read_rows
from agents.experiments.tasks import generate
from agents.llm.scripted import ScriptedProvider
from desktop.experiments.charts import FLIPS_NO_DEBATE, FLIPS_NONE
from desktop.experiments.grid import column_of
from desktop.experiments.panel import ExperimentsPanel

ITEMS = generate("arithmetic", 8, seed=0)
ANSWER = {i.question: int(i.answer) for i in ITEMS}


def reply(request):
    question = next(m.content for m in request.messages if m.role == "user")
    wrong = request.speaker == "Solver" and ITEMS.index(next(i for i in ITEMS if i.question == question)) % 2
    return f"Answer: {ANSWER[question] + (1 if wrong else 0)}"


async def load(refs, settings, into):
    for name in refs:
        into[name] = ScriptedProvider(reply, scorer=lambda c: 0.0)
    return
    yield


@pytest.fixture
def panel(qtbot):
    widget = ExperimentsPanel(load=load)
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    return widget


CONFIG = ExperimentConfig(tasks=TaskSource(n=8), methods=("single", "debate3x2"), concurrency=3)


def run(qloop, panel, directory, config=CONFIG):
    qloop.run_until_complete(panel.start(config, directory))
    panel.flush()


def test_a_run_fills_progress_grid_and_charts(qloop, panel, tmp_path):
    run(qloop, panel, tmp_path / "exp")
    assert panel.progress.value() == panel.progress.maximum() == 16
    assert len(panel.rows) == 16 and "Finished: 16/16" in panel.status.text()
    assert panel.grid.verdict_at(ITEMS[0].id, column_of("single", "local", 0)) == "✓"
    assert panel.grid.verdict_at(ITEMS[1].id, column_of("single", "local", 0)) == "✗"
    assert panel.charts.labels == ["single", "debate3x2"]
    bars = [i for i in panel.charts.accuracy.getPlotItem().items if type(i).__name__ == "BarGraphItem"]
    assert list(bars[0].opts["width"]) == [0.5, 1.0]  # horizontal bars: length is width


def test_clicking_a_cell_opens_that_items_session(qloop, panel, tmp_path):
    run(qloop, panel, tmp_path / "exp")
    opened = []
    panel.sessionRequested.connect(opened.append)
    row = next(r for r in panel.rows if r.method == "debate3x2" and r.item_id == ITEMS[2].id)
    panel.grid.cellClicked.emit(*panel.grid.position(ITEMS[2].id, column_of("debate3x2", "local", 0)))
    assert len(opened) == 1 and opened[0].path == tmp_path / "exp" / row.session
    assert opened[0].status == "completed" and len(opened[0].messages) == 6


def test_a_bad_form_is_a_problem_not_a_run(panel):
    problems = []
    panel.problem.connect(problems.append)
    panel.controls.methods.setText("single,nonsense")
    assert panel.start() is None
    assert "unknown method 'nonsense'" in problems[0] and not panel.running


def test_opening_a_stored_experiment_shows_it_and_writes_a_report(qloop, panel, tmp_path):
    run(qloop, panel, tmp_path / "exp")
    panel.open_directory(tmp_path / "exp")
    assert len(panel.rows) == len(read_rows(tmp_path / "exp")) == 16
    paths = panel.report()
    assert any(p.name == "report.html" for p in paths)


def test_running_a_half_done_directory_resumes_and_shows_what_was_done(qloop, panel, tmp_path):
    half = ExperimentConfig(tasks=TaskSource(n=8), methods=("single",), concurrency=2)
    run(qloop, panel, tmp_path / "exp", half)
    results = tmp_path / "exp" / "results.jsonl"
    results.write_text("".join(results.read_text().splitlines(keepends=True)[:5]))  # as if killed after 5
    run(qloop, panel, tmp_path / "exp", half)
    assert len(panel.rows) == 8 and len(read_rows(tmp_path / "exp")) == 8
    assert panel.progress.value() == 8


def test_opening_a_half_done_directory_counts_against_the_whole_experiment(qloop, panel, tmp_path):
    run(qloop, panel, tmp_path / "exp")
    results = tmp_path / "exp" / "results.jsonl"
    rows = read_rows(tmp_path / "exp")
    kept = [r for r in rows if r.method == "single" and not r.correct][:3]
    kept += [r for r in rows if r.method == "debate3x2" and r.correct][:2]
    lines = [line for line in results.read_text().splitlines(keepends=True) if any(r.key in line for r in kept)]
    results.write_text("".join(lines))  # as if killed after these 5
    panel.open_directory(tmp_path / "exp")
    assert (panel.progress.value(), panel.progress.maximum()) == (5, 16)
    assert "5 of 16 results" in panel.status.text() and "the other 11" in panel.status.text()
    # single has no right answer: its tokens-per-correct bar is labelled so, not drawn as 0 tokens.
    labels = [label for _, label in panel.charts.cost.getAxis("left")._tickLevels[0]]
    assert [label.endswith("(none right)") for label in labels] == [s.correct == 0 for s in summarise(panel.rows)]
    assert "single (none right)" in labels


def test_an_unknown_model_is_shown_as_a_problem(qloop, panel, tmp_path):
    problems = []
    panel.problem.connect(problems.append)
    config = ExperimentConfig(tasks=TaskSource(n=2), methods=("single",), models=("nonsense:x",))
    qloop.run_until_complete(panel.start(config, tmp_path / "exp"))
    panel.flush()
    assert "unknown model reference 'nonsense:x'" in problems[0] and not panel.running
    assert not (tmp_path / "exp").exists()


def _notes(plot):
    return [i.textItem.toPlainText() for i in plot.getPlotItem().items if type(i).__name__ == "TextItem"]


def test_the_flips_chart_says_why_it_is_empty(qloop, panel, tmp_path):
    """Flips count from round 2: with none, the chart says so instead of showing a bare frame."""
    run(qloop, panel, tmp_path / "single", ExperimentConfig(tasks=TaskSource(n=2), methods=("single",)))
    assert _notes(panel.charts.flips) == [FLIPS_NO_DEBATE]
    run(qloop, panel, tmp_path / "debate", ExperimentConfig(tasks=TaskSource(n=2), methods=("debate3x1",)))
    assert _notes(panel.charts.flips) == [FLIPS_NONE]
    run(qloop, panel, tmp_path / "two", ExperimentConfig(tasks=TaskSource(n=2), methods=("debate3x2",)))
    assert _notes(panel.charts.flips) == []
