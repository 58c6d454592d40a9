"""The Qt binding itself must not leak references to Python's singletons.

PySide6 6.12.0 on Python 3.11 drops one reference to None on every call that returns nothing
and one to True on every signal emit; after enough of them the interpreter aborts with
"Fatal Python error: none_dealloc" (a long session, a live chart). pyproject.toml bounds
PySide6 below 6.12 for that reason; this test says so if a release brings it back.
"""

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel


class _Emitter(QObject):
    flag = Signal(bool)


def test_calls_returning_nothing_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(1000):
        label.setText("x")
    assert sys.getrefcount(None) - before > -10  # a leak drops a reference per call


def test_signal_emits_keep_true_alive():
    emitter = _Emitter()
    received = []
    emitter.flag.connect(received.append)
    before = sys.getrefcount(True)
    for _ in range(1000):
        emitter.flag.emit(True)
    assert len(received) == 1000
    assert sys.getrefcount(True) - before > -10
