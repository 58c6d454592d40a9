"""Frame rate of the planning tree view at 5,000 nodes (offscreen; a helper of bench_planning)."""

from __future__ import annotations

import asyncio
import os
import time

from agents.planning.run import PlanConfig, PlanRun
from agents.planning.search.tree import Budget

TARGET_NODES = 5000


def _events() -> list:
    # A breadth-first sweep of a five-number game: thousands of nodes, many pruned.
    config = PlanConfig(
        env="game24",
        algo="beam",
        budget=Budget(max_expansions=100_000, beam_width=100_000),
        env_options={"numbers": (2, 3, 5, 7, 11)},
    )

    async def collect():
        out, nodes = [], 0
        async for event in PlanRun(config).run_stream():
            nodes += event.type == "plan_node_created"
            if nodes > TARGET_NODES:
                break
            out.append(event)
        return out

    return asyncio.run(collect())


def frame_rate(frames: int = 30) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from desktop.planning.tree_model import PlanTreeModel
    from desktop.planning.tree_view import TreeView

    app = QApplication.instance() or QApplication([])
    model = PlanTreeModel()
    for event in _events():
        model.apply(event)
    view = TreeView(model)
    view.resize(1200, 800)
    view.show()
    app.processEvents()
    started = time.perf_counter()
    view.refresh()
    layout_ms = (time.perf_counter() - started) * 1000
    for label, zoom in (("whole tree in view", 1.0), ("zoomed in 8x", 8.0)):
        view.scale(zoom, zoom)
        started = time.perf_counter()
        for _ in range(frames):
            view.viewport().repaint()
        fps = frames / (time.perf_counter() - started)
        print(
            f"tree view, {len(model.nodes)} nodes, {label}: {fps:.0f} frames/s (repaint of the scene, 1200x800 offscreen)"
        )
    print(
        f"tree view: a layout + refresh of {len(model.nodes)} nodes takes {layout_ms:.1f} ms (done at most ~30 times a second while a search runs)"
    )
    view.close()
