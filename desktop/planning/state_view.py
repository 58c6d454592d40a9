"""Imagined and real states side by side: block stacks, the maze grid, or the numbers left.

Differences are highlighted in red on the imagined side (what the world model got wrong) and
in green on the real side (what it should have predicted).
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

BLOCK_COLOURS = {
    "red": "#ef4444",
    "blue": "#3b82f6",
    "orange": "#f97316",
    "yellow": "#facc15",
    "white": "#f8fafc",
    "magenta": "#d946ef",
    "green": "#22c55e",
    "cyan": "#06b6d4",
}
WRONG, RIGHT = QColor("#dc2626"), QColor("#16a34a")


def differing(view: dict | None, other: dict | None) -> set:
    """The parts of ``view`` that differ from ``other``: blocks, grid cells or numbers."""
    if view is None or other is None or view.get("kind") != other.get("kind"):
        return set()
    if view["kind"] == "blocks":
        return {block for block, _ in _positions(view) - _positions(other)}
    if view["kind"] == "grid":
        return set() if view["agent"] == other["agent"] and view["keys"] == other["keys"] else {"agent"}
    theirs = list(other["numbers"])
    out = set()
    for i, number in enumerate(view["numbers"]):
        (theirs.remove(number) if number in theirs else out.add(i))
    return out


def _positions(view: dict) -> set:
    out = {(b, "below:" + (s[i - 1] if i else "table")) for s in view["stacks"] for i, b in enumerate(s)}
    return out | ({(view["holding"], "held")} if view.get("holding") else set())


class StateView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(360, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.panes: list[tuple[str, dict | None, set, QColor]] = []
        self.note = "Select a node to compare its imagined state with the real one."

    def show_states(
        self, imagined: dict | None, real: dict | None, note: str = "", titles=("imagined", "real")
    ) -> None:
        self.panes = [
            (titles[0], imagined, differing(imagined, real), WRONG),
            (titles[1], real, differing(real, imagined), RIGHT),
        ]
        self.note = note
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#f8fafc"))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor("#334155"))
        painter.drawText(
            QRectF(8, self.height() - 40, self.width() - 16, 38),
            Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
            self.note,
        )
        width = (self.width() - 24) / max(1, len(self.panes))
        for i, (title, view, changed, colour) in enumerate(self.panes):
            painter.save()  # each drawing may change the font
            box = QRectF(8 + i * (width + 8), 8, width, self.height() - 54)
            painter.setPen(QPen(QColor("#cbd5e1")))
            painter.setBrush(QColor("#ffffff"))
            painter.drawRoundedRect(box, 6, 6)
            painter.setPen(QColor("#0f172a"))
            painter.drawText(box.adjusted(8, 4, -8, 0), Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft, title)
            inner = box.adjusted(10, 26, -10, -10)
            if view is None:
                painter.drawText(inner, Qt.AlignmentFlag.AlignCenter, "(could not be read)")
            else:
                {"blocks": _draw_blocks, "grid": _draw_grid, "numbers": _draw_numbers}[view["kind"]](
                    painter, inner, view, changed, colour
                )
            painter.restore()
        painter.end()


def _draw_blocks(painter: QPainter, box: QRectF, view: dict, changed: set, colour: QColor) -> None:
    stacks = view["stacks"]
    tallest = max([len(s) for s in stacks] + [1]) + (1 if view.get("holding") else 0)
    side = min(box.width() / (len(stacks) + 1.5), box.height() / (tallest + 0.5), 48)
    table_y = box.bottom()
    painter.setPen(QPen(QColor("#64748b"), 2))
    painter.drawLine(QLineF(box.left(), table_y, box.right(), table_y))
    for i, stack in enumerate(stacks):
        for level, block in enumerate(stack):
            _block(
                painter,
                QRectF(box.left() + (i + 0.5) * side * 1.1, table_y - (level + 1) * side, side, side),
                block,
                block in changed,
                colour,
            )
    if view.get("holding"):
        held = view["holding"]
        _block(painter, QRectF(box.right() - side * 1.3, box.top(), side, side), held, held in changed, colour)
        painter.drawText(
            QRectF(box.right() - side * 2.6, box.top(), side * 1.2, side), Qt.AlignmentFlag.AlignCenter, "hand"
        )


def _block(painter: QPainter, rect: QRectF, name: str, wrong: bool, colour: QColor) -> None:
    painter.setBrush(QColor(BLOCK_COLOURS.get(name, "#a3a3a3")))
    painter.setPen(QPen(colour, 4) if wrong else QPen(QColor("#1e293b"), 1))
    painter.drawRect(rect.adjusted(1, 1, -1, -1))
    painter.setPen(QColor("#0f172a"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, name[:3])


def _draw_grid(painter: QPainter, box: QRectF, view: dict, changed: set, colour: QColor) -> None:
    rows = view["rows"]
    cell = min(box.width() / len(rows[0]), box.height() / len(rows))
    fills = {"#": "#334155", "G": "#86efac"}
    painter.setFont(QFont(painter.font().family(), max(6, int(cell * 0.5))))
    for r, row in enumerate(rows):
        for c, ch in enumerate(row):
            rect = QRectF(box.left() + c * cell, box.top() + r * cell, cell, cell)
            painter.setPen(QPen(QColor("#e2e8f0"), 0.5))
            painter.setBrush(
                QColor(
                    "#fde68a" if ch.isupper() and ch != "G" else "#fef3c7" if ch.islower() else fills.get(ch, "#ffffff")
                )
            )
            painter.drawRect(rect)
            if ch.isalpha():
                painter.setPen(QColor("#0f172a"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, ch)
    r, c = view["agent"]
    painter.setPen(QPen(colour, 3) if changed else QPen(QColor("#1d4ed8"), 1))
    painter.setBrush(QColor("#3b82f6"))
    painter.drawEllipse(QRectF(box.left() + c * cell + 2, box.top() + r * cell + 2, cell - 4, cell - 4))


def _draw_numbers(painter: QPainter, box: QRectF, view: dict, changed: set, colour: QColor) -> None:
    numbers = view["numbers"]
    side = min(box.width() / max(1, len(numbers)) - 8, box.height(), 64)
    painter.setFont(QFont(painter.font().family(), max(8, int(side * 0.3))))
    for i, number in enumerate(numbers):
        rect = QRectF(box.left() + i * (side + 8), box.top() + (box.height() - side) / 2, side, side)
        painter.setBrush(QColor("#e0e7ff"))
        painter.setPen(QPen(colour, 4) if i in changed else QPen(QColor("#6366f1"), 1))
        painter.drawRoundedRect(rect, 8, 8)
        painter.setPen(QColor("#1e1b4b"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, number)
