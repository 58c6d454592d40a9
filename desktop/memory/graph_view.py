"""The knowledge graph drawn: entities sized by how many memories name them, relations as
lines; clicking an entity asks for its memories."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsScene, QGraphicsSimpleTextItem, QGraphicsView

from agents.memory.inspector import DrawnGraph

SPREAD = 260.0  # scene units for the layout's [-1, 1]


class GraphView(QGraphicsView):
    entityClicked = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.items_by_entity: dict[str, QGraphicsEllipseItem] = {}

    def show_graph(self, drawn: DrawnGraph) -> None:
        scene = self.scene()
        scene.clear()
        self.items_by_entity = {}
        points = [(float(x) * SPREAD, float(y) * SPREAD) for x, y in drawn.positions]
        edge_pen = QPen(QColor("#94a3b8"))
        for a, b, label, weight in drawn.edges:
            edge_pen.setWidthF(min(1.0 + weight / 2, 4.0))
            line = scene.addLine(*points[a], *points[b], edge_pen)
            line.setToolTip(label)
        for name, (x, y), size in zip(drawn.nodes, points, drawn.sizes):
            radius = 6.0 + 3.0 * math.sqrt(size)
            node = QGraphicsEllipseItem(x - radius, y - radius, 2 * radius, 2 * radius)
            node.setBrush(QBrush(QColor("#60a5fa")))
            node.setPen(QPen(QColor("#1e3a8a")))
            node.setToolTip(f"{name}: {size} memor{'y' if size == 1 else 'ies'}")
            node.setData(0, name)
            node.setCursor(Qt.CursorShape.PointingHandCursor)
            scene.addItem(node)
            text = QGraphicsSimpleTextItem(name, node)
            text.setPos(x + radius + 2, y - 7)
            self.items_by_entity[name] = node
        if not drawn.nodes:
            scene.addSimpleText("No entities yet: names, numbers and identifiers in memories appear here.")
        self.setSceneRect(scene.itemsBoundingRect().adjusted(-20, -20, 20, 20))
        self.fit()

    def fit(self) -> None:
        """The whole graph in view (the wheel zooms from there)."""
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    def mousePressEvent(self, event) -> None:
        item = self.itemAt(event.position().toPoint())
        while item is not None and item.data(0) is None:
            item = item.parentItem()
        if item is not None:
            self.entityClicked.emit(str(item.data(0)))
            return
        super().mousePressEvent(event)

    def wheelEvent(self, event) -> None:
        factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
        self.scale(factor, factor)
