"""Render the window's main states to PNG: `xvfb-run python -m desktop.devtools.screenshots OUTDIR`.

Runs a real team on the configured default model (the embedded Gemma), so the pictures
show what a user sees: the team builder, a debate streaming and finished, the dark theme.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

from desktop.main_window import MainWindow


def _save(widget, folder: Path, name: str) -> None:
    QApplication.processEvents()
    widget.grab().save(str(folder / name))


async def _builder_states(window: MainWindow, folder: Path) -> None:
    builder = window.builder
    builder.new_team()
    builder.document.apply("Add", builder.draft.with_card("debater", (0, 0)).with_card("critic", (200, 0)))
    builder.canvas.fit()
    _save(window, folder, "02-builder-incomplete.png")
    gallery = builder.open_gallery()
    await asyncio.sleep(0.2)
    _save(gallery, folder, "03-template-gallery.png")
    gallery.reject()
    builder.open_template("debate_with_judge")
    await asyncio.sleep(0.2)
    builder.canvas.select("Judge")
    _save(window, folder, "01-builder.png")


async def _shoot(window: MainWindow, folder: Path) -> None:
    await _builder_states(window, folder)
    window.runs.start_run()
    while len(window.conversation.bubbles) < 2 and window.runs.running:
        await asyncio.sleep(0.1)
    _save(window, folder, "04-debate-streaming.png")
    while window.runs.running:
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.3)
    window.conversation.verticalScrollBar().setValue(window.conversation.verticalScrollBar().maximum())
    _save(window, folder, "05-debate-finished.png")
    window.set_theme("dark")
    await asyncio.sleep(0.2)
    _save(window, folder, "06-dark-theme.png")
    window.set_theme("system")


def render(folder: str, make_widget, scenario, size=(1400, 900), pattern: str = "*.png") -> None:
    """Show ``make_widget()`` on a qasync loop, run ``await scenario(widget, folder)``, list the PNGs."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    widget = make_widget()
    widget.resize(*size)
    widget.show()
    with loop:
        loop.run_until_complete(scenario(widget, out))
    print("\n".join(str(p) for p in sorted(out.glob(pattern))))


def main(folder: str) -> None:
    render(folder, MainWindow, _shoot)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/screenshots")
