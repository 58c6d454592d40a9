"""The team canvas: agents are nodes, arrows are links; cards are dropped from the palette.

The canvas never changes the draft itself: it reports what the user did (dropped a card,
moved a node, dragged an arrow, pressed Delete) and redraws from the draft it is shown.
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsLineItem, QGraphicsPathItem, QGraphicsScene, QGraphicsView

from agents.agent import Agent, SteeringSpec
from agents.spec import Link
from agents.team_draft import TeamDraft
from desktop.builder.palette import ROLE_MIME, role_colour
from desktop.zoom import STEP, ZoomableView, fit_scale

NODE_W, NODE_H, PORT_R = 150.0, 58.0, 7.0
MARK_H = 18.0  # a steered card is this much taller: its steering line sits below the role line
BADGE_W = 46.0  # the "steered" badge beside the name
MARK_COLOUR = "#8250df"  # steering's colour, distinct from every role colour
MIN_FIT = 0.8  # below this a node's 8-point role line is no longer readable: scroll instead


def steering_detail(spec: SteeringSpec) -> str:
    """What a steered card's band says: the vector (a file by its name), layer and strength."""
    vector = spec.vector.replace("\\", "/").rsplit("/", 1)[-1]
    layer = "auto" if spec.layer is None else f"L{spec.layer}"
    return f"{vector} @{layer} ×{spec.strength:g}"


def steering_mark(spec: SteeringSpec | None) -> str:
    """A card's steering mark in words, e.g. "steered: sentiment @L6 ×-3.5" ("" for an unsteered agent)."""
    return "" if spec is None else f"steered: {steering_detail(spec)}"


class AgentNode(QGraphicsItem):
    """One agent: a card with its name, role, model and steering mark, and a port to drag links from."""

    def __init__(self, canvas: TeamCanvas, agent: Agent):
        super().__init__()
        self.canvas, self.name = canvas, agent.name
        self.role, self.model, self.steering = agent.role, agent.model, agent.steering
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsMovable | flags.ItemIsSelectable | flags.ItemSendsGeometryChanges)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.show_agent(agent)

    def show_agent(self, agent: Agent) -> None:
        """Take the agent's role, model and steering; a steered card grows by its steering line."""
        if (agent.steering is None) != (self.steering is None):
            self.prepareGeometryChange()  # the card's height changes with it
        self.role, self.model, self.steering = agent.role, agent.model, agent.steering
        tip = f"{self.name} ({self.role}) — drag the dot on the right to another agent to link them"
        if agent.steering is not None:
            tip += f"\nSteered: {agent.steering.label}"
        self.setToolTip(tip)
        self.update()

    @property
    def mark(self) -> str:
        return steering_mark(self.steering)

    def height(self) -> float:
        return NODE_H if self.steering is None else NODE_H + MARK_H

    def boundingRect(self) -> QRectF:
        return QRectF(-2, -2, NODE_W + PORT_R + 4, self.height() + 4)

    def port_centre(self) -> QPointF:
        return QPointF(NODE_W, NODE_H / 2)

    def on_port(self, scene_pos: QPointF) -> bool:
        return QLineF(self.mapFromScene(scene_pos), self.port_centre()).length() <= PORT_R + 3

    def paint(self, painter: QPainter, option, widget=None) -> None:
        colour = QColor(role_colour(self.role))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(
            QPen(QColor("#1f6feb") if self.isSelected() else colour.darker(140), 3 if self.isSelected() else 1.5)
        )
        painter.setBrush(QBrush(colour.lighter(175)))
        painter.drawRoundedRect(QRectF(0, 0, NODE_W, self.height()), 10, 10)
        painter.setPen(QColor("#1b1b1b"))
        bold = QFont(painter.font())
        bold.setBold(True)
        painter.setFont(bold)
        name_w = NODE_W - 20 - (0 if self.steering is None else BADGE_W + 4)
        name = painter.fontMetrics().elidedText(self.name, Qt.TextElideMode.ElideRight, int(name_w))
        painter.drawText(QRectF(10, 6, name_w, 22), Qt.AlignmentFlag.AlignLeft, name)
        painter.setFont(QFont(painter.font().family(), 8))
        painter.drawText(QRectF(10, 30, NODE_W - 20, 20), Qt.AlignmentFlag.AlignLeft, f"{self.role} · {self.model}")
        if self.steering is not None:
            self._paint_mark(painter, self.steering)
        painter.setPen(QPen(colour.darker(160), 1.5))
        painter.setBrush(QBrush(colour))
        painter.drawEllipse(self.port_centre(), PORT_R, PORT_R)

    def _paint_mark(self, painter: QPainter, spec: SteeringSpec) -> None:
        """A violet "steered" badge by the name and a band with the vector, layer and strength:
        the whole mark does not fit one line of a card this narrow, and the details must not be cut."""
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor(MARK_COLOUR)))
        badge = QRectF(NODE_W - 10 - BADGE_W, 7, BADGE_W, 15)
        band = QRectF(6, NODE_H - 8, NODE_W - 12, MARK_H + 2)
        painter.drawRoundedRect(badge, 7, 7)
        painter.drawRoundedRect(band, 5, 5)
        painter.setPen(QColor("white"))
        centred = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignHCenter
        painter.setFont(QFont(painter.font().family(), 7))
        painter.drawText(badge, centred, "steered")
        painter.setFont(QFont(painter.font().family(), 8))
        detail = steering_detail(spec)
        text = painter.fontMetrics().elidedText(detail, Qt.TextElideMode.ElideMiddle, int(band.width() - 10))
        painter.drawText(band.adjusted(5, 0, -5, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            self.canvas.redraw_links()
        return super().itemChange(change, value)


class LinkArrow(QGraphicsPathItem):
    """An arrow between two nodes; dashed when it is a judge's."""

    def __init__(self, link: Link):
        super().__init__()
        self.link = link
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(-1)
        self.setToolTip(f"{link.source} {link.kind.replace('_', ' ')} {link.target}")

    def route(self, source: AgentNode, target: AgentNode, selected: bool) -> None:
        start = source.mapToScene(source.port_centre())
        end_rect = target.sceneBoundingRect().adjusted(0, 0, -PORT_R, 0)
        end = _border_point(end_rect, start)
        path = QPainterPath(start)
        path.lineTo(end)
        line = QLineF(end, start)
        line.setLength(12)
        for angle in (-25, 25):
            wing = QLineF(line)
            wing.setAngle(line.angle() + angle)
            path.moveTo(end)
            path.lineTo(wing.p2())
        pen = QPen(QColor("#1f6feb" if selected else "#8b949e"), 3 if selected else 2)
        if self.link.kind == "judges":
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        self.setPath(path)


def _border_point(rect: QRectF, towards: QPointF) -> QPointF:
    """Where the line from the rectangle's centre to ``towards`` leaves the rectangle."""
    centre = rect.center()
    dx, dy = towards.x() - centre.x(), towards.y() - centre.y()
    if dx == 0 and dy == 0:
        return centre
    scale = min(rect.width() / 2 / abs(dx) if dx else float("inf"), rect.height() / 2 / abs(dy) if dy else float("inf"))
    return QPointF(centre.x() + dx * scale, centre.y() + dy * scale)


class TeamCanvas(ZoomableView):
    cardDropped = Signal(str, QPointF)  # role, scene position
    nodeMoved = Signal(str, QPointF)  # agent name, new scene position
    linkRequested = Signal(str, str)  # source, target
    deleteRequested = Signal(list, list)  # agent names, links
    selectionChangedTo = Signal(str)  # the one selected agent's name, or ""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))  # parented, so Python does not collect it
        self.scene().setSceneRect(QRectF(-200, -200, 1200, 900))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAcceptDrops(True)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setAccessibleName("Team canvas")
        self.setAccessibleDescription(
            "Agents and their links. Up and Down select an agent, Delete removes it, Ctrl+L links two agents, "
            "Ctrl+= and Ctrl+- zoom, Ctrl+0 fits the team."
        )
        self.nodes: dict[str, AgentNode] = {}
        self.arrows: list[LinkArrow] = []
        self._pending_link: tuple[AgentNode, QGraphicsLineItem] | None = None
        self._press_positions: dict[str, QPointF] = {}
        self.scene().selectionChanged.connect(self._selection_changed)

    # --- drawing from the draft ---------------------------------------------------
    def show_draft(self, draft: TeamDraft) -> None:
        selected = self.selected_names()
        self.scene().blockSignals(True)
        for name in [n for n in self.nodes if n not in {a.name for a in draft.agents}]:
            self.scene().removeItem(self.nodes.pop(name))
        for agent in draft.agents:
            node = self.nodes.get(agent.name)
            if node is None:
                node = self.nodes[agent.name] = AgentNode(self, agent)
                self.scene().addItem(node)
            node.show_agent(agent)
            node.setPos(QPointF(*draft.position(agent.name)))
            node.setSelected(agent.name in selected)
        for arrow in self.arrows:
            self.scene().removeItem(arrow)
        self.arrows = [LinkArrow(link) for link in draft.links]
        for arrow in self.arrows:
            self.scene().addItem(arrow)
        self.scene().blockSignals(False)
        self.redraw_links()

    def fit(self) -> None:
        """Show every agent at natural size (100%) when they fit; shrink only down to a readable scale."""
        self.follow = True
        fit_scale(self, self.scene().itemsBoundingRect().adjusted(-30, -30, 30, 30), MIN_FIT, 1.0)

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:  # Ctrl+wheel zooms
            self.hand_zoom(STEP if event.angleDelta().y() > 0 else 1 / STEP)
            return
        super().wheelEvent(event)

    def redraw_links(self) -> None:
        for arrow in self.arrows:
            source, target = self.nodes.get(arrow.link.source), self.nodes.get(arrow.link.target)
            if source and target:
                arrow.route(source, target, arrow.isSelected())

    def select(self, name: str) -> None:
        self.scene().clearSelection()
        if name in self.nodes:
            self.nodes[name].setSelected(True)

    def selected_names(self) -> list[str]:
        return [n for n, node in self.nodes.items() if node.isSelected()]

    def _selection_changed(self) -> None:
        names = self.selected_names()
        self.redraw_links()
        self.selectionChangedTo.emit(names[0] if len(names) == 1 else "")

    # --- palette drops ------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        event.setAccepted(event.mimeData().hasFormat(ROLE_MIME))

    def dragMoveEvent(self, event) -> None:
        event.setAccepted(event.mimeData().hasFormat(ROLE_MIME))

    def dropEvent(self, event) -> None:
        role = bytes(event.mimeData().data(ROLE_MIME)).decode()
        event.acceptProposedAction()
        at = self.mapToScene(event.position().toPoint()) - QPointF(NODE_W / 2, NODE_H / 2)
        self.cardDropped.emit(role, at)

    # --- linking and moving -------------------------------------------------------
    def node_at(self, scene_pos: QPointF) -> AgentNode | None:
        for item in self.scene().items(scene_pos):
            if isinstance(item, AgentNode):
                return item
        return None

    def mousePressEvent(self, event) -> None:
        scene_pos = self.mapToScene(event.position().toPoint())
        node = self.node_at(scene_pos)
        if node is not None and event.button() == Qt.MouseButton.LeftButton and node.on_port(scene_pos):
            start = node.mapToScene(node.port_centre())
            line = self.scene().addLine(QLineF(start, scene_pos), QPen(QColor("#1f6feb"), 2, Qt.PenStyle.DashLine))
            self._pending_link = (node, line)
            return
        self._press_positions = {n: node.pos() for n, node in self.nodes.items()}
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pending_link is not None:
            _node, line = self._pending_link
            line.setLine(QLineF(line.line().p1(), self.mapToScene(event.position().toPoint())))
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pending_link is not None:
            source, line = self._pending_link
            self._pending_link = None
            self.scene().removeItem(line)
            target = self.node_at(self.mapToScene(event.position().toPoint()))
            if target is not None and target is not source:
                self.linkRequested.emit(source.name, target.name)
            return
        super().mouseReleaseEvent(event)
        for name, before in self._press_positions.items():
            node = self.nodes.get(name)
            if node is not None and node.pos() != before:
                self.nodeMoved.emit(name, node.pos())
        self._press_positions = {}

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selection()
        elif event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.nodes:
            self.select_next(1 if event.key() == Qt.Key.Key_Down else -1)
        else:
            super().keyPressEvent(event)

    def select_next(self, step: int) -> None:
        """Keyboard selection: the next (or previous) agent in the team's order."""
        names = list(self.nodes)
        current = self.selected_names()
        index = (names.index(current[0]) + step) % len(names) if current else 0
        self.select(names[index])
        self.ensureVisible(self.nodes[names[index]])

    def free_spot(self) -> QPointF:
        """Where a card added from the keyboard goes: right of the team, on its top row."""
        if not self.nodes:
            return QPointF(0, 0)
        rect = self.scene().itemsBoundingRect()
        return QPointF(rect.right() + 40, rect.top() + 2)

    def delete_selection(self) -> None:
        links = [a.link for a in self.arrows if a.isSelected()]
        if self.selected_names() or links:
            self.deleteRequested.emit(self.selected_names(), links)
