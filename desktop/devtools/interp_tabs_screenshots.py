"""Screenshots of the interpretability panel's method tabs, run for real (offscreen).

`python -m desktop.devtools.interp_tabs_screenshots OUT_DIR [--sae params.npz --sae-layer N]`
runs each tab once on the embedded model and saves one PNG per tab.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
from typing import Any

TEXT = "Bob: Solar power is the cheapest energy source today. Alice: I completely agree with you"


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--sae", default=None)
    parser.add_argument("--sae-layer", type=int, default=9)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    import qasync
    from PySide6.QtWidgets import QApplication

    from agents.settings import Settings
    from desktop.interp.panel import InterpPanel

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    panel = InterpPanel(lambda: Settings())
    panel.resize(1500, 900)
    panel.show()
    tabs: dict[str, Any] = dict(panel.methods)  # each tab's own controls, by name
    tabs["steering"].contrast.setCurrentText("sentiment")
    tabs["steering"].prompts.setValue(1)
    tabs["neurons"].text.setText(TEXT)
    tabs["neurons"].layer.setValue(6)
    tabs["neurons"].ablate.setText("100 200")
    tabs["patchscope"].text.setText(TEXT)
    tabs["patchscope"].layer.setValue(6)
    tabs["attribution"].text.setText(TEXT)
    tabs["attribution"].unit.setCurrentText("tokens")
    if args.sae:
        tabs["sae"].path.setText(args.sae)
        tabs["sae"].text.setText(TEXT)
        tabs["sae"].layer.setValue(args.sae_layer)
    for name, tab in tabs.items():
        if name == "sae" and not args.sae:
            continue
        panel.tabs.setCurrentWidget(tab)
        tab.run()
        while tab.runner.running:
            loop.run_until_complete(asyncio.sleep(0.05))
        app.processEvents()
        path = args.out / f"interp-{name}.png"
        panel.grab().save(str(path))
        print(f"{path}: {tab.status.text()}")
    panel.close()
    panel.deleteLater()
    app.processEvents()


if __name__ == "__main__":
    main()
