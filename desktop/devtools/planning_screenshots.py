"""Render the planning panel to PNG: `xvfb-run python -m desktop.devtools.planning_screenshots OUTDIR [--llm]`.

Real runs: an exact-model MCTS caught mid-search, a finished maze run with a node selected,
and (with --llm) a search whose world model is the embedded Gemma, showing its imagined
state against the real one.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from agents.planning.run import PlanConfig
from agents.planning.search.tree import Budget
from desktop.devtools.screenshots import render
from desktop.planning.panel import PlanningPanel


async def _mid_search(panel: PlanningPanel, path: Path) -> None:
    panel.controls.seed.setValue(2)
    task = panel.start(
        PlanConfig(
            env="blocksworld", seed=2, algo="mcts", budget=Budget(max_expansions=400), env_options={"n_blocks": 6}
        )
    )
    assert task is not None
    while len(panel.model.nodes) < 600 and not task.done():
        await asyncio.sleep(0.05)
    _select_deepest_plan_node(panel)
    panel.grab().save(str(path))
    panel.stop()
    await task


async def _finished(panel: PlanningPanel, config: PlanConfig, path: Path) -> None:
    panel.controls.env.setCurrentText(config.env)
    panel.controls.seed.setValue(config.seed)
    panel.controls.algo.setCurrentText(config.algo)
    panel.controls.world_model.setCurrentText(config.world_model)
    panel.controls.policy.setCurrentText(config.policy)
    task = panel.start(config)
    assert task is not None
    await task
    _select_deepest_plan_node(panel, prefer_divergence=True)
    await asyncio.sleep(0.1)
    panel.grab().save(str(path))


def _select_deepest_plan_node(panel: PlanningPanel, prefer_divergence: bool = False) -> None:
    nodes = list(panel.model.nodes.values())
    wrong = [n for n in nodes if n.created.true_state not in (None, n.created.state) and n.created.parsed]
    chosen = wrong if prefer_divergence and wrong else [n for n in nodes if n.on_plan] or nodes
    panel.select_node(max(chosen, key=lambda n: n.created.depth).created.node_id)


async def _shoot(panel: PlanningPanel, folder: Path, llm: bool) -> None:
    await _mid_search(panel, folder / "planning-mid-search.png")
    await _finished(
        panel, PlanConfig(env="maze", seed=3, algo="beam", budget=Budget(beam_width=3)), folder / "planning-maze.png"
    )
    if llm:
        config = PlanConfig(
            env="blocksworld",
            seed=1,
            algo="beam",
            world_model="llm",
            policy="llm",
            budget=Budget(max_expansions=2, branching=2, beam_width=2, max_real_steps=2),
            env_options={"n_blocks": 3},
        )
        await _finished(panel, config, folder / "planning-imagined-vs-real.png")


def main(argv: list[str]) -> None:
    llm = "--llm" in argv
    folder = next((a for a in argv if not a.startswith("--")), "out/screenshots")
    render(folder, PlanningPanel, lambda panel, out: _shoot(panel, out, llm), (1500, 820), "planning-*.png")


if __name__ == "__main__":
    main(sys.argv[1:])
