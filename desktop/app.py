"""Agora Lab's window on a qasync event loop (asyncio and Qt share one thread)."""

from __future__ import annotations

import asyncio
import sys

import qasync
from PySide6.QtWidgets import QApplication

from desktop.main_window import MainWindow


def configure_domain() -> None:
    """What the window asks of the domain beyond the defaults: once a local model's weights
    load, the logit lens is compiled on their loading thread, so that the first inspection
    neither waits for it nor freezes the window while torch.compile runs."""
    from agents.interp.lens import warm_up
    from agents.llm.local_weights import warm_up_with_weights

    warm_up_with_weights(warm_up)


def main(argv: list[str] | None = None) -> int:
    configure_domain()
    app = QApplication.instance() or QApplication(sys.argv if argv is None else ["agora-lab", *argv])
    app.setApplicationName("Agora Lab")
    app.setOrganizationName("Agora Lab")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow()
    window.show()
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    with loop:
        loop.run_until_complete(closed.wait())
    return 0


if __name__ == "__main__":
    sys.exit(main())
