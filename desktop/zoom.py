"""Zoom for the graphics views (team canvas, planning tree): fit within readable bounds, keys, wheel.

Fitting shrinks a scene only down to a scale at which its text stays readable; below that the
view scrolls. The standard zoom keys (Ctrl+= / Ctrl++, Ctrl+-, Ctrl+0) work the same in every view.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QGraphicsView, QWidget

STEP = 1.15
FOCUS_FRAME = (  # a view has no focus rectangle of its own: the keyboard user must see where keys go
    "QGraphicsView { border: 2px solid transparent; } QGraphicsView:focus { border: 2px solid palette(highlight); }"
)
LIMITS = (0.2, 4.0)  # hand zoom stays within these; fit has its own, tighter bounds


def fit_scale(view: QGraphicsView, rect: QRectF, low: float, high: float) -> float:
    """The scale that shows ``rect`` whole, clamped to [low, high]; applied, centred on ``rect``."""
    area = view.viewport().rect()
    if rect.isEmpty() or area.isEmpty():
        return view.transform().m11()
    scale = max(low, min(high, area.width() / rect.width(), area.height() / rect.height()))
    view.resetTransform()
    view.scale(scale, scale)
    if scale * rect.height() <= area.height():
        view.centerOn(rect.center())
    else:  # too tall at a readable size: start at the top (a tree's root, a team's first row), scroll down
        view.centerOn(QPointF(rect.center().x(), rect.top() + area.height() / scale / 2))
    return scale


def zoom_by(view: QGraphicsView, factor: float) -> None:
    current = view.transform().m11()
    target = max(LIMITS[0], min(LIMITS[1], current * factor))
    view.scale(target / current, target / current)


def zoom_key(event: QKeyEvent) -> str | None:
    """ "in", "out" or "reset" for the standard zoom keys, else None."""
    if event.matches(QKeySequence.StandardKey.ZoomIn) or _ctrl(event, Qt.Key.Key_Equal, Qt.Key.Key_Plus):
        return "in"
    if event.matches(QKeySequence.StandardKey.ZoomOut) or _ctrl(event, Qt.Key.Key_Minus):
        return "out"
    if _ctrl(event, Qt.Key.Key_0):
        return "reset"
    return None


class ZoomableView(QGraphicsView):
    """A view that keeps its scene fitted (``fit``) until the user zooms by hand, with the zoom keys."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.follow = True  # re-fit on resize until the user zooms by hand; Ctrl+0 fits again
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet(FOCUS_FRAME)

    def fit(self) -> None:
        raise NotImplementedError

    def zoom(self) -> float:
        return self.transform().m11()

    def hand_zoom(self, factor: float) -> None:
        self.follow = False
        zoom_by(self, factor)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.follow:
            self.fit()

    def keyPressEvent(self, event) -> None:
        zoom = zoom_key(event)
        if zoom == "reset":
            self.fit()
        elif zoom is not None:
            self.hand_zoom(STEP if zoom == "in" else 1 / STEP)
        else:
            super().keyPressEvent(event)


def _ctrl(event: QKeyEvent, *keys: Qt.Key) -> bool:
    return bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier) and event.key() in keys
