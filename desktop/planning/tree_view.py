"""The live search tree: one QGraphicsItem paints every node and edge in a few batched calls.

Thousands of QGraphicsItems would cost memory and per-item bookkeeping; one item that draws
nodes grouped by colour (``drawRects``) and edges by style (``drawLines``) stays smooth at
5,000 nodes. Zoomed far out, outlines and the node labels are skipped (level of detail).
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QWheelEvent
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsView

from desktop.planning.tree_model import PlanTreeModel, TreeNode
from desktop.zoom import ZoomableView, fit_scale

NODE = 10.0
PRUNED = QColor("#cbd5e1")
UNVALUED = QColor("#94a3b8")
LEVELS = 10
MAX_FIT_ZOOM = 1.6
MIN_FIT_ZOOM = 0.05  # nodes are drawn at least 6 px wide (TreeItem.paint): an overview of a big search still shows every node; only a huge one scrolls


def value_colour(value: float) -> QColor:
    """Red (0) through amber to green (1)."""
    v = min(1.0, max(0.0, value))
    return QColor.fromHsvF(v / 3.0, 0.75, 0.85)


def _pen(colour: str, pixels: float) -> QPen:
    """A pen as wide on screen at every zoom (cosmetic)."""
    pen = QPen(QColor(colour), pixels)
    pen.setCosmetic(True)
    return pen


class TreeItem(QGraphicsItem):
    def __init__(self, model: PlanTreeModel):
        super().__init__()
        self.model = model
        self.selected: int | None = None
        self._rect = QRectF()
        self._edges: tuple[list, list, list] = ([], [], [])
        self._groups: dict[int, list[QRectF]] = {}
        self._rects_for: float | None = None
        self._palette = [value_colour(i / (LEVELS - 1)) for i in range(LEVELS)]

    def refresh(self) -> None:
        self.prepareGeometryChange()
        xs = [n.x for n in self.model.nodes.values()] or [0.0]
        ys = [n.y for n in self.model.nodes.values()] or [0.0]
        self._rect = QRectF(min(xs) - 20, min(ys) - 20, max(xs) - min(xs) + 40, max(ys) - min(ys) + 40)
        self._edges = self._edge_groups()
        self._rects_for = None  # node squares depend on the zoom: rebuilt on the next paint
        self.update()

    def _edge_groups(self) -> tuple[list[QLineF], list[QLineF], list[QLineF]]:
        nodes = self.model.nodes
        edges: list[QLineF] = []
        pruned: list[QLineF] = []
        plan: list[QLineF] = []
        for node in nodes.values():
            parent = nodes.get(node.created.parent) if node.created.parent is not None else None
            if parent is not None:
                (plan if node.on_plan else pruned if node.pruned else edges).append(
                    QLineF(parent.x, parent.y, node.x, node.y)
                )
        return edges, pruned, plan

    def _node_groups(self, size: float) -> dict[int, list[QRectF]]:
        """Node squares grouped by colour, cached per zoom level (painting is then a few calls)."""
        if self._rects_for != size:
            half = size / 2
            groups: dict[int, list[QRectF]] = {}
            for node in self.model.nodes.values():
                groups.setdefault(self._colour_key(node), []).append(QRectF(node.x - half, node.y - half, size, size))
            self._groups, self._rects_for = groups, size
        return self._groups

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        scale = option.levelOfDetailFromTransform(painter.worldTransform())
        size = max(NODE, 6.0 / max(scale, 1e-6))  # never smaller than 6 pixels on screen
        edges, pruned_edges, plan_edges = self._edges
        painter.setPen(_pen("#94a3b8", 1))
        painter.drawLines(edges)
        painter.setPen(_pen("#e2e8f0", 1))
        painter.drawLines(pruned_edges)
        painter.setPen(_pen("#0f172a", 3))
        painter.drawLines(plan_edges)
        # Level of detail: outlines only where nodes are big enough on screen to show them.
        painter.setPen(_pen("#334155", 1) if scale > 0.6 else Qt.PenStyle.NoPen)
        for key, rects in self._node_groups(size).items():
            painter.setBrush(QBrush(PRUNED if key == -1 else UNVALUED if key == -2 else self._palette[key]))
            painter.drawRects(rects)
        self._paint_marks(painter, self.model.nodes, size)

    def _paint_marks(self, painter: QPainter, nodes: dict[int, TreeNode], size: float) -> None:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(_pen("#16a34a", 2))
        for node in nodes.values():
            if node.created.goal:
                painter.drawEllipse(QPointF(node.x, node.y), size, size)
        if self.selected in nodes:
            node = nodes[self.selected]
            painter.setPen(_pen("#2563eb", 3))
            painter.drawRect(QRectF(node.x - size, node.y - size, 2 * size, 2 * size))

    def _colour_key(self, node: TreeNode) -> int:
        if node.pruned:
            return -1
        if node.value is None:
            return -2
        return round(min(1.0, max(0.0, node.value)) * (LEVELS - 1))


class TreeView(ZoomableView):
    nodeClicked = Signal(int)

    def __init__(self, model: PlanTreeModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.setScene(QGraphicsScene(self))
        self.item = TreeItem(model)
        self.scene().addItem(self.item)
        self.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setBackgroundBrush(QColor("#ffffff"))
        self.aspect = 0.0
        self.setAccessibleName("Planning tree")
        self.setAccessibleDescription("The search tree; Ctrl+= and Ctrl+- zoom, Ctrl+0 fits it.")

    def refresh(self) -> None:
        if self.follow:  # once the user zooms or pans, the layers stop moving under them
            size = self.viewport().size()
            self.aspect = size.height() / max(1, size.width())
        self.model.layout(self.aspect)
        self.item.refresh()
        self.scene().setSceneRect(self.item.boundingRect())
        if self.follow:  # a small tree stays node-sized, not poster-sized; a huge one stays clickable
            fit_scale(self, self.item.boundingRect(), MIN_FIT_ZOOM, MAX_FIT_ZOOM)

    def select(self, node_id: int | None) -> None:
        self.item.selected = node_id
        self.item.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.hand_zoom(1.25 if event.angleDelta().y() > 0 else 0.8)

    def mousePressEvent(self, event) -> None:
        found = self.node_at(self.mapToScene(event.position().toPoint()))
        if found is not None:
            self.nodeClicked.emit(found)
        else:
            self.follow = False
        super().mousePressEvent(event)

    def node_at(self, point: QPointF) -> int | None:
        """The node under a scene point (within a node's size), nearest first."""
        best, best_d = None, (NODE * 1.2) ** 2
        for node_id, node in self.model.nodes.items():
            d = (node.x - point.x()) ** 2 + (node.y - point.y()) ** 2
            if d < best_d:
                best, best_d = node_id, d
        return best

    def fit(self) -> None:
        self.follow = True
        self.refresh()
