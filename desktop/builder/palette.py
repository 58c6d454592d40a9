"""The palette of role cards that are dragged onto the canvas."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem

from agents.team_draft import CARD_TITLES, ROLE_CARDS

ROLE_MIME = "application/x-agora-role"
ROLE_COLOURS = {
    "debater": "#4c8bf5",
    "judge": "#e0a100",
    "manager": "#8e44ad",
    "worker": "#16a085",
    "critic": "#d35400",
    "planner": "#2e86c1",
    "human": "#7f8c8d",
    "assistant": "#27ae60",
}


def role_colour(role: str) -> str:
    return ROLE_COLOURS.get(role, "#95a5a6")


def card_title(role: str) -> str:
    return CARD_TITLES.get(role, ROLE_CARDS[role][0])


class RolePalette(QListWidget):
    """One card per role; dragging a card carries its role in ``ROLE_MIME``."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(18, 18))
        self.setGridSize(QSize(74, 40))
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setMaximumHeight(88)
        self.setAccessibleName("Role cards")
        self.setAccessibleDescription("Drag a card onto the canvas, or press Enter to add it beside the team.")
        for role in ROLE_CARDS:
            item = QListWidgetItem(_swatch(role_colour(role)), card_title(role))
            item.setData(Qt.ItemDataRole.UserRole, role)
            item.setToolTip(f"Drag onto the canvas to add a {card_title(role)}")
            self.addItem(item)

    def item_for(self, role: str) -> QListWidgetItem:
        return next(self.item(i) for i in range(self.count()) if self.item(i).data(Qt.ItemDataRole.UserRole) == role)

    def mimeTypes(self) -> list[str]:
        return [ROLE_MIME]

    def mimeData(self, items) -> QMimeData:
        data = QMimeData()
        data.setData(ROLE_MIME, items[0].data(Qt.ItemDataRole.UserRole).encode())
        return data


def _swatch(colour: str) -> QIcon:
    pixmap = QPixmap(18, 18)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(QColor(colour).darker(140))
    painter.drawRoundedRect(1, 1, 16, 16, 4, 4)
    painter.end()
    return QIcon(pixmap)
