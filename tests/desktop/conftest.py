import asyncio
import gc

import pytest
import qasync
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication


@pytest.fixture(autouse=True)
def qt_objects_die_on_the_main_thread(qapp):
    """Windows, stream runners and the loop's timers are destroyed here, after each test.

    Left to the garbage collector they may be freed later on a torch worker thread,
    which Qt reports ("Timers cannot be stopped from another thread") and can crash on.
    """
    yield
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(scope="session")
def qloop(qapp):
    """One qasync loop for the whole session, as the app has one for its whole life.

    Scenarios run with loop.run_until_complete. A loop per test left closed loops (Qt
    timers and signallers in reference cycles) for the garbage collector, which may run
    on a torch worker thread: Qt then warns and can crash.
    """
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop.run_until_complete(asyncio.sleep(0.05))
    loop.close()
    asyncio.set_event_loop(None)
    del loop
    gc.collect()


@pytest.fixture(autouse=True)
def isolated_data(tmp_path, monkeypatch):
    monkeypatch.setenv("AGORA_LAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # QSettings stay in the sandbox
