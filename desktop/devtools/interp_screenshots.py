"""Render the interpretability panel with real results: `xvfb-run python -m desktop.devtools.interp_screenshots OUTDIR`.

Runs a short debate (one round, short turns) on the embedded Gemma, right-clicks the
Negative's reply as a user would, waits for the inspection, and saves each view.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QDockWidget

from agents.spec import load_template
from desktop.devtools.screenshots import render
from desktop.main_window import MainWindow


def short_debate():
    spec = load_template("debate_with_judge")
    agents = tuple(a.model_copy(update={"max_tokens": 40}) for a in spec.agents)
    protocol = spec.protocol.model_copy(update={"max_rounds": 1})
    return spec.model_copy(update={"agents": agents, "protocol": protocol})


async def _shoot(window: MainWindow, folder: Path) -> None:
    app = QApplication.instance()
    assert app is not None
    window.runs.start(short_debate(), "Proposition: cities should ban cars from their centres.")
    while window.runs.running:
        await asyncio.sleep(0.2)
    target = next(m for m in window.interp.messages if m.agent == "Negative")
    window.conversation.message_menu(target.message_id).actions()[0].trigger()
    dock = window.findChild(QDockWidget, "dock-interpretability")
    assert dock is not None
    dock.setFloating(True)
    dock.resize(1500, 900)
    while window.interp.result.finished is None and window.interp.result.error is None:
        await asyncio.sleep(0.2)
    panel = window.interp
    panel.attention.select(3, None)
    shots = (
        ("interp-attention", panel.attention),
        ("interp-lens", panel.lens),
        ("interp-heads", panel.heads),
        ("interp-by-speaker", panel.rollup),
    )
    for name, view in shots:
        panel.tabs.setCurrentWidget(view)
        panel.redraw_all()
        for _ in range(5):
            app.processEvents()
            await asyncio.sleep(0.1)
        dock.grab().save(str(folder / f"{name}.png"))
    n = panel.result.n_tokens
    panel.tabs.setCurrentWidget(panel.lens)
    panel.lens.heatmap.plot.getViewBox().setRange(xRange=(n - 24, n), yRange=(0, panel.result.rows), padding=0)
    panel.select_token(n - 8)
    for _ in range(5):
        app.processEvents()
        await asyncio.sleep(0.1)
    dock.grab().save(str(folder / "interp-lens-zoomed.png"))


def main(folder: str) -> None:
    render(folder, MainWindow, _shoot, (1400, 900), "interp-*.png")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/screenshots")
