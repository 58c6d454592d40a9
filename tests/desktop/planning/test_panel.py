"""The planning panel, offscreen: a small search grows the tree, nodes show details, replay works."""

import pytest

from agents.events import PlanNodeCreated
from agents.planning.run import PlanConfig
from agents.planning.search.tree import Budget
from agents.session.library import list_sessions
from desktop.planning.panel import PlanningPanel
from desktop.planning.state_view import differing


@pytest.fixture
def panel(qtbot):
    widget = PlanningPanel()
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    return widget


def run(qloop, panel, config):
    qloop.run_until_complete(panel.start(config))
    panel.flush()


def test_a_search_grows_the_tree_and_is_stored_as_a_session(qloop, panel, tmp_path):
    run(qloop, panel, PlanConfig(env="maze", seed=1, algo="mcts"))
    created = [e for e in panel.events if isinstance(e, PlanNodeCreated)]
    assert len(panel.model.nodes) == len(created) > 10
    assert panel.tree.item.boundingRect().width() > 0
    assert "Solved (goal): 12 steps, optimal 12" in panel.metrics.text()
    assert [log.session_id for log in list_sessions()] == [panel.session_id]
    out = panel.export(str(tmp_path / "plan.html"))
    assert out is not None and "<h2>Plan</h2>" in out.read_text()


def test_clicking_a_node_shows_its_details_and_states(qloop, panel):
    run(qloop, panel, PlanConfig(env="blocksworld", seed=0, algo="beam"))
    step = panel.model.steps[0]
    node = panel.model.nodes[step.node_id]
    point = panel.tree.mapFromScene(node.x, node.y)
    panel.tree.mousePressEvent(_press(point))
    text = panel.details.toPlainText()
    assert f"Action: {step.action}" in text and "On the chosen plan." in text and "Value:" in text
    assert panel.states.panes[0][1]["kind"] == "blocks" and panel.states.panes[0][1] == panel.states.panes[1][1]
    assert "no differences" in panel.states.note


def test_the_slider_replays_the_search_iteration_by_iteration(qloop, panel):
    run(qloop, panel, PlanConfig(env="game24", seed=1, algo="dfs"))
    total = len(panel.model.nodes)
    assert panel.slider.maximum() == len(panel.iteration_index) > 2
    panel.slider.setValue(1)
    first = len(panel.model.nodes)
    assert 1 < first < total and panel.slider_label.text().startswith("iteration 1 /")
    panel.slider.setValue(panel.slider.maximum())
    assert len(panel.model.nodes) == total


def test_stop_ends_a_long_search_cleanly(qloop, panel):
    task = panel.start(PlanConfig(env="blocksworld", seed=2, algo="mcts", budget=Budget(max_expansions=100_000)))
    qloop.run_until_complete(_stop_soon(panel))
    qloop.run_until_complete(task)
    panel.flush()
    assert "cancelled" in panel.metrics.text() and not panel.running and panel.controls.run_button.isEnabled()


def test_a_stored_planning_session_opens_in_the_panel(qloop, panel):
    run(qloop, panel, PlanConfig(env="maze", seed=2, algo="beam"))
    nodes = len(panel.model.nodes)
    log = list_sessions()[0]
    panel.show_events([])
    assert not panel.model.nodes
    panel.show_session(log)
    assert len(panel.model.nodes) == nodes


def test_differences_are_found_for_each_kind_of_drawing():
    blocks = {"kind": "blocks", "stacks": [["red", "blue"]], "holding": None}
    moved = {"kind": "blocks", "stacks": [["red"], ["blue"]], "holding": None}
    assert differing(blocks, moved) == {"blue"} and differing(blocks, blocks) == set()
    assert differing({"kind": "numbers", "numbers": ["4", "6"]}, {"kind": "numbers", "numbers": ["4", "5"]}) == {1}
    grid = {"kind": "grid", "rows": ["..."], "agent": [0, 1], "keys": ""}
    assert differing(grid, dict(grid, agent=[0, 2])) == {"agent"}


async def _stop_soon(panel):
    import asyncio

    while len(panel.events) < 50:
        await asyncio.sleep(0.01)
    panel.stop()


def _press(point):
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    return QMouseEvent(
        QMouseEvent.Type.MouseButtonPress,
        QPointF(point),
        QPointF(point),
        Qt.MouseButton.LeftButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )


def test_a_team_planners_search_is_fed_into_the_panel(qloop, panel):
    from agents.llm.scripted import ScriptedProvider
    from agents.spec import parse_team
    from agents.teams.run import TeamRun
    from tests.agents.planning.test_team import TEAM

    providers = {name: ScriptedProvider(lambda r: "fine") for name in ("Planner", "Critic")}

    async def collect():
        return [e async for e in TeamRun(parse_team(TEAM), providers).run_stream("Plan the maze seed 2.")]

    events = qloop.run_until_complete(collect())
    half = len(events) // 2
    panel.feed(events[:half])  # as the window's runner delivers them: in batches
    panel.feed(events[half:])
    assert panel.model.started is not None and panel.model.steps
    assert len(panel.model.nodes) == sum(isinstance(e, PlanNodeCreated) for e in events)
    assert panel.session_id == events[0].run_id


def test_the_window_hosts_the_panel_and_its_runs_appear_in_the_sessions_browser(qtbot, qloop):
    from desktop.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    assert isinstance(win.planning, PlanningPanel)
    run(qloop, win.planning, PlanConfig(env="game24", seed=2, algo="beam"))
    assert win.planning.session_id in [log.session_id for log in win.sessions.logs]


def test_a_bad_model_reference_is_a_clear_problem_not_a_crash(qloop, panel):
    problems = []
    panel.problem.connect(problems.append)
    panel.controls.model.setText("gpt-99")
    run(qloop, panel, PlanConfig(env="maze", seed=1, world_model="llm"))
    assert problems and "gpt-99" in problems[0] and not panel.running
    assert panel.controls.run_button.isEnabled()


def test_a_run_goes_through_the_runner_and_the_pipeline_closes_its_model(qtbot, qloop):
    from desktop.runner import StreamRunner
    from tests.desktop.test_main_window import Scripted, loader

    opened, seen = [], []
    widget = PlanningPanel(load=loader(lambda name: Scripted(lambda request: "no idea", name=name), opened, seen))
    qtbot.addWidget(widget)
    batches = []
    widget.runner.batch.connect(batches.append)
    widget.controls.model.setText("scripted-model")
    config = PlanConfig(
        env="maze",
        seed=1,
        algo="beam",
        world_model="llm",
        budget=Budget(max_expansions=2, branching=2, beam_width=2, max_real_steps=1),
    )
    task = widget.start(config)
    assert isinstance(widget.runner, StreamRunner) and widget.running and not widget.controls.run_button.isEnabled()
    assert widget.start(config) is None  # one run at a time
    qloop.run_until_complete(task)
    assert seen == [{"scripted-model"}] and len(opened) == 1 and opened[0].closed == 1
    delivered = [e for batch in batches for e in batch]
    assert delivered == widget.events and any(isinstance(e, PlanNodeCreated) for e in delivered)
    assert widget.session_id == delivered[0].run_id and not widget.running and widget.controls.run_button.isEnabled()
