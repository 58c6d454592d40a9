"""Paints one conversation row (a bubble or a card) and says how tall it is."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyledItemDelegate

from desktop.conversation.entries import CardEntry, Entry, MessageEntry
from desktop.theme import card_colours, is_dark

ENTRY_ROLE = Qt.ItemDataRole.UserRole
MARGIN, PAD, BAR = 6, 10, 5


class ConversationDelegate(QStyledItemDelegate):
    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self._line_height: int | None = None

    def text_width(self) -> int:
        return self.view.viewport().width() - 2 * MARGIN - 2 * PAD - BAR

    def line_height(self) -> int:
        if self._line_height is None:
            self._line_height = QFontMetrics(self.view.font()).height() + 4
        return self._line_height

    def sizeHint(self, option, index) -> QSize:
        # Called for every row at every layout: the height is cached on the entry.
        entry: Entry = index.data(ENTRY_ROLE)
        width = self.text_width()
        if entry.height_at != width:
            body = entry.document(width).size().height()
            extra = 2 * self.line_height() + PAD if isinstance(entry, MessageEntry) else 0
            entry.height, entry.height_at = int(body + extra + 2 * MARGIN + PAD), width
        return QSize(width, entry.height)

    def paint(self, painter: QPainter, option, index) -> None:
        entry: Entry = index.data(ENTRY_ROLE)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(option.rect).adjusted(MARGIN, MARGIN / 2, -MARGIN, -MARGIN / 2)
        if isinstance(entry, MessageEntry):
            self._paint_message(painter, option, box, entry)
        elif isinstance(entry, CardEntry):
            self._paint_card(painter, option, box, entry)
        painter.restore()

    def _paint_message(self, painter: QPainter, option, box: QRectF, entry: MessageEntry) -> None:
        palette, selected = option.palette, bool(option.state & option.state.State_Selected)
        painter.setPen(QColor("#1f6feb") if selected else Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(box, 8, 8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(entry.colour))
        painter.drawRoundedRect(QRectF(box.left(), box.top(), BAR, box.height()), 2, 2)
        left, line = box.left() + BAR + PAD, self.line_height()
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor(entry.colour))
        name_width = QFontMetrics(bold).horizontalAdvance(entry.agent)
        painter.drawText(
            QRectF(left, box.top() + PAD / 2, name_width + 2, line), Qt.AlignmentFlag.AlignLeft, entry.agent
        )
        painter.setFont(option.font)
        painter.setPen(QColor("gray"))
        painter.drawText(
            QRectF(left + name_width + 6, box.top() + PAD / 2, box.width(), line),
            Qt.AlignmentFlag.AlignLeft,
            f"· {entry.model}",
        )
        self._draw_doc(painter, entry, left, box.top() + PAD / 2 + line, palette.color(QPalette.ColorRole.Text))
        painter.setPen(QColor("gray"))
        painter.drawText(
            QRectF(left, box.bottom() - line - PAD / 2 + 2, box.width(), line), Qt.AlignmentFlag.AlignLeft, entry.footer
        )

    def _paint_card(self, painter: QPainter, option, box: QRectF, entry: CardEntry) -> None:
        fill, border, text = card_colours(entry.kind, is_dark(option.palette))
        if fill is not None and border is not None:
            painter.setPen(border)
            painter.setBrush(fill)
            painter.drawRoundedRect(box, 8, 8)
        self._draw_doc(painter, entry, box.left() + PAD, box.top() + PAD / 2, text)

    def _draw_doc(self, painter: QPainter, entry: Entry, x: float, y: float, colour: QColor) -> None:
        doc = entry.document(self.text_width())
        painter.save()
        painter.translate(x, y)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, colour)
        doc.documentLayout().draw(painter, context)
        painter.restore()
