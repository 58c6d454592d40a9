"""Waiting for the Memory panel's reader: on its idle signal, never on a clock."""

import asyncio

from desktop.memory.panel import MemoryPanel

HANG_GUARD_S = 60  # far above any read here: only a hang reaches it


def settle(qloop, panel: MemoryPanel) -> None:
    """Run the loop until everything asked of the reader so far is drawn."""
    if not panel.reader.busy:
        return
    done = qloop.create_future()

    def idle() -> None:
        if not done.done():
            done.set_result(None)

    panel.reader.idle.connect(idle)
    try:
        qloop.run_until_complete(asyncio.wait_for(done, HANG_GUARD_S))
    finally:
        panel.reader.idle.disconnect(idle)
