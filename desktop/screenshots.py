"""Render the window's main states to PNG: `xvfb-run python -m desktop.screenshots OUTDIR`.

Runs a real team on the configured default model (the embedded Gemma), so the pictures
show what a user sees: the empty window, a debate streaming, the finished debate.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

from desktop.main_window import MainWindow


async def _shoot(window: MainWindow, folder: Path) -> None:
    app = QApplication.instance()
    window.grab().save(str(folder / "01-window.png"))
    window.template_box.setCurrentIndex(window.template_box.findData("debate_with_judge"))
    window.start_run()
    while len(window.conversation.bubbles) < 2 and window.bridge.running:
        await asyncio.sleep(0.1)
    app.processEvents()
    window.grab().save(str(folder / "02-debate-streaming.png"))
    while window.bridge.running:
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.3)
    window.conversation.verticalScrollBar().setValue(window.conversation.verticalScrollBar().maximum())
    app.processEvents()
    window.grab().save(str(folder / "03-debate-finished.png"))


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
