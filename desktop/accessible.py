"""Names for screen readers: every widget that takes focus says what it is.

Qt already names buttons by their text and form fields by their form label. For the rest a
panel names its widgets where it builds them; ``name_unnamed`` then gives any still unnamed
widget the label beside it, its placeholder or its tooltip (what a sighted user reads there).
"""

from __future__ import annotations

from itertools import pairwise
from typing import cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QWidget,
)


def spoken_name(widget: QWidget) -> str:
    """The name a screen reader announces (Qt's accessibility interface, as AT-SPI reads it).

    A combo box Qt names by its current value ("mcts"), which says nothing of what it chooses:
    it counts as named only with a name of its own.
    """
    if isinstance(widget, QComboBox):
        return widget.accessibleName()
    face = QAccessible.queryAccessibleInterface(widget)
    return (face.text(QAccessible.Text.Name) if face is not None else "") or widget.accessibleName()


def needs_name(widget: QWidget, window: QWidget) -> bool:
    """Focusable, in this window, and not a part Qt's own accessibility speaks for (a combo's line edit, a viewport)."""
    if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or widget.window() is not window:
        return False
    return _own(widget)


def name_unnamed(window: QWidget) -> list[QWidget]:
    """Name what is still unnamed from what is written beside it; returns the widgets left unnamed."""
    left = []
    for widget in window.findChildren(QWidget):
        if not needs_name(widget, window) or spoken_name(widget):
            continue
        name = _written_beside(widget)
        if name:
            widget.setAccessibleName(name)
        else:
            left.append(widget)
    return left


def _written_beside(widget: QWidget) -> str:
    label = _label_before(widget)
    if label:
        return label
    if isinstance(widget, (QLineEdit, QPlainTextEdit)) and widget.placeholderText():
        return widget.placeholderText()
    if isinstance(widget, QTabWidget):
        return "Tabs: " + ", ".join(widget.tabText(i).replace("&", "") for i in range(widget.count()))
    return widget.toolTip()


def _label_before(widget: QWidget) -> str:
    """The text of the QLabel just left of the widget in its layout (a label that is not set as buddy)."""
    parent = widget.parentWidget()
    layout = _layout_holding(parent.layout(), widget) if parent is not None else None
    if layout is None:
        return ""
    index = layout.indexOf(widget)
    label: QWidget | None = None
    if isinstance(layout, QFormLayout):
        label = layout.labelForField(widget)
    elif isinstance(layout, QGridLayout):
        # PySide6 types the position as a bare object; it is (row, column, row span, column span).
        row, column, _rows, _columns = cast(tuple[int, int, int, int], layout.getItemPosition(index))
        item = layout.itemAtPosition(row, column - 1) if column > 0 else None
        label = item.widget() if item is not None else None
    elif index > 0:
        item = layout.itemAt(index - 1)
        label = item.widget() if item is not None else None
    return label.text().replace("&", "").rstrip(":") if isinstance(label, QLabel) else ""


def _layout_holding(layout: QLayout | None, widget: QWidget) -> QLayout | None:
    if layout is None:
        return None
    if layout.indexOf(widget) >= 0:
        return layout
    for i in range(layout.count()):
        item = layout.itemAt(i)
        inner = item.layout() if item is not None else None
        found = _layout_holding(inner, widget)
        if found is not None:
            return found
    return None


def order_tabs(window: QWidget, regions: list[QWidget]) -> list[QWidget]:
    """Make Tab walk the window region by region, in the order given (the screen's: left to right,
    top to bottom), keeping each region's own order; returns the resulting chain."""
    chain = _focus_chain(window)
    ordered = [w for region in regions for w in chain if region is w or region.isAncestorOf(w)]
    for first, second in pairwise(ordered):
        QWidget.setTabOrder(first, second)
    return ordered


def _focus_chain(window: QWidget) -> list[QWidget]:
    """The window's focusable widgets in Tab order, without the parts Qt focuses through their owner."""
    chain: list[QWidget] = []
    widget = window.nextInFocusChain()
    while widget is not None and widget is not window and widget not in chain:
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.focusProxy() is None and _own(widget):
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def _own(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    if isinstance(parent, (QComboBox, QAbstractSpinBox)):
        return False
    return not (isinstance(parent, QAbstractScrollArea) and parent.viewport() is widget)
