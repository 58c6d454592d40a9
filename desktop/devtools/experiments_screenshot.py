"""Render the Experiments panel on a stored experiment to PNG (no model runs):
`QT_QPA_PLATFORM=offscreen python -m desktop.devtools.experiments_screenshot DIR OUT.png [WIDTHxHEIGHT]`.

DIR is an experiment directory (e.g. one `tests/bench/experiments_proof.py` wrote); the
picture shows its form, progress, the live charts and the items x methods grid as a user who
opened it sees them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from desktop.experiments.panel import ExperimentsPanel


def main(directory: str, out: str, size: str = "1500x950") -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    width, height = (int(n) for n in size.split("x"))
    panel = ExperimentsPanel()
    panel.resize(width, height)
    panel.show()
    panel.open_directory(Path(directory))
    app.processEvents()
    panel.grab().save(out)


if __name__ == "__main__":
    main(*sys.argv[1:])
