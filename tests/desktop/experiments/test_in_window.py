"""The Experiments dock in the main window: a clicked cell replays that item in the conversation view."""

import asyncio

from agents.events import MessageCompleted
from agents.experiments.config import ExperimentConfig, TaskSource
from desktop.experiments.grid import column_of
from desktop.main_window import MainWindow
from tests.desktop.experiments.test_panel import ITEMS, load


def test_a_clicked_cell_replays_its_session_in_the_conversation(qtbot, qloop, tmp_path):
    window = MainWindow(load=load)
    qtbot.addWidget(window)
    window.show()
    assert any(d.windowTitle() == "Experiments" for d in window.docks)
    panel = window.experiments
    config = ExperimentConfig(tasks=TaskSource(n=3), methods=("debate3x2",), concurrency=3)
    qloop.run_until_complete(panel.start(config, tmp_path / "exp"))
    panel.flush()
    seen: list = []
    window.runs.runner.batch.connect(lambda batch: seen.extend(e for e in batch if isinstance(e, MessageCompleted)))
    grid = panel.grid
    grid.cellClicked.emit(*grid.position(ITEMS[1].id, column_of("debate3x2", "local", 0)))

    async def replayed():
        while window.runs.running or not seen:
            await asyncio.sleep(0.01)

    qloop.run_until_complete(asyncio.wait_for(replayed(), 30))
    window.runs.runner.flush()
    assert len(seen) == 6 and {e.agent for e in seen} == {"Ada", "Blaise", "Carl"}
