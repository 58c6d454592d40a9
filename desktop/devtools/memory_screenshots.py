"""Render the Memory dock to PNG: `python -m desktop.devtools.memory_screenshots OUTDIR`
(offscreen: `QT_QPA_PLATFORM=offscreen`).

A store like the workflow proof leaves it (a planner that solved two Game of 24 instances, its
plans kept as workflows), a few facts and a reflection citing them; one shot per tab, a search,
and the banner a damaged file gets. Each shot waits for the panel's ``shown`` (or ``problem``)
signal: the reads run off the GUI thread.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import SignalInstance

from agents.memory.records import Memory
from agents.memory.reflect import workflow_text
from agents.memory.store import MemoryStore
from desktop.devtools.screenshots import render
from desktop.memory.panel import MemoryPanel

FACTS = (
    "Canberra is the capital of Australia.",
    "Parliament House stands in Canberra.",
    "Zara's locker code is 4817.",
    "Always check the arithmetic before answering.",
)
WORKFLOWS = (
    ("1 2 3 4", ("1 + 2 = 3", "3 + 3 = 6", "4 * 6 = 24")),
    ("1 2 3 5", ("1 + 2 = 3", "3 + 5 = 8", "3 * 8 = 24")),
)


def _fill(path: Path) -> None:
    with MemoryStore(path) as store:
        for numbers, steps in WORKFLOWS:
            text = workflow_text(f"Use {numbers} and + - * / to obtain 24 (each number once).", steps)
            store.add(
                Memory(agent="Planner", text=text, kind="workflow", importance=8, source_session="s1"), "workflow"
            )
        made = [store.add(Memory(agent="Planner", text=t, kind="fact", importance=6), "user") for t in FACTS]
        insight = "Canberra comes up often: the capital, and where Parliament House stands."
        store.add(
            Memory(agent="Planner", text=insight, kind="reflection", links=(made[0].id, made[1].id)), "reflection"
        )
        store.update(made[2].id, "user", text="Zara's locker code is 4818 (changed in May).")


async def _next(signal: SignalInstance, act) -> None:
    """Do ``act`` and wait for ``signal``."""
    done = asyncio.get_running_loop().create_future()

    def fire(*_args) -> None:
        if not done.done():
            done.set_result(None)

    signal.connect(fire)
    try:
        act()
        await asyncio.wait_for(done, 60)
    finally:
        signal.disconnect(fire)


async def _shoot(panel: MemoryPanel, out: Path, data: Path) -> None:
    _fill(data / "memory.sqlite3")

    def search(text: str) -> None:
        panel.search.setText(text)
        panel.refresh()

    def page(widget) -> None:
        panel.search.setText("")
        panel.tabs.setCurrentWidget(widget)

    shots = (
        ("memory-table.png", lambda: panel.set_agents(["Planner"])),
        ("memory-search.png", lambda: search("obtain 24")),
        ("memory-changes.png", lambda: page(panel.history)),
        ("memory-reflections.png", lambda: page(panel.reflections)),
        ("memory-graph.png", lambda: page(panel.graph)),
    )
    for name, act in shots:
        await _next(panel.shown, act)
        panel.grab().save(str(out / name))
    bad = data / "damaged.sqlite3"
    bad.write_bytes(b"not a database" * 300)
    broken = MemoryPanel(str(bad))
    broken.resize(panel.size())
    broken.show()
    await _next(broken.problem, lambda: broken.set_agents(["Planner"]))
    broken.grab().save(str(out / "memory-damaged.png"))
    for shown in (panel, broken):
        shown.close()


def main(argv: list[str]) -> None:
    folder = argv[0] if argv else "out/screenshots"
    data = Path(tempfile.mkdtemp(prefix="agora-memory-shots-"))
    render(
        folder,
        lambda: MemoryPanel(str(data / "memory.sqlite3")),
        lambda panel, out: _shoot(panel, out, data),
        (1100, 560),
        "memory-*.png",
    )


if __name__ == "__main__":
    main(sys.argv[1:])
