"""Live conversation: one coloured bubble per message, round separators, verdict cards.

A model/view list, not a widget per message: a transcript of thousands of messages costs
only the rows on screen to paint, and a streaming message re-lays out only itself.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu, QWidget

from agents.events import (
    ErrorEvent,
    EventBase,
    Finished,
    MessageCompleted,
    MessageStarted,
    ModelLoadProgress,
    TokenDelta,
)
from agents.session.render import Card, CardMaker, in_transcript, message_card, started_card
from desktop.conversation.delegate import ENTRY_ROLE, ConversationDelegate
from desktop.conversation.entries import CardEntry, Entry, MessageEntry
from desktop.runner import Handlers, StreamRunner, route

RELAYOUT_MS = 33


class ConversationModel(QAbstractListModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.entries: list[Entry] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.entries)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        entry = self.entries[index.row()]
        if role == ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{entry.agent}: {entry.text}" if isinstance(entry, MessageEntry) else entry.text
        return None

    def append(self, entry: Entry) -> QModelIndex:
        row = len(self.entries)
        self.beginInsertRows(QModelIndex(), row, row)
        self.entries.append(entry)
        self.endInsertRows()
        return self.index(row)

    def reset(self) -> None:
        self.beginResetModel()
        self.entries.clear()
        self.endResetModel()


class ConversationView(QListView):
    inspectRequested = Signal(str)  # message id: "Inspect with local model" from the context menu

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.conversation = ConversationModel(self)
        self.setModel(self.conversation)
        self.card_delegate = ConversationDelegate(self)  # kept typed: on_text asks it for the text width
        self.setItemDelegate(self.card_delegate)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setStyleSheet(
            "QListView { background: palette(window); border: 2px solid transparent; }"
            " QListView:focus { border: 2px solid palette(highlight); }"  # focus visible
        )
        self.setAccessibleName("Conversation")
        self.setAccessibleDescription("The run's messages; Up and Down select one, Ctrl+I inspects it.")
        self.bubbles: dict[str, MessageEntry] = {}
        self.cards: list[CardEntry] = []
        self._rows: dict[str, int] = {}
        self.maker = CardMaker()  # the agents' colours follow the team's order, as in exports
        self._follow = True
        self._relayout = QTimer(self)  # one layout for any number of new or grown rows
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(RELAYOUT_MS)
        self._relayout.timeout.connect(self._do_relayout)

    def connect_runner(self, runner: StreamRunner) -> None:
        handlers: Handlers = {
            MessageStarted: self.on_started,
            TokenDelta: lambda delta: self.on_text(delta.message_id, delta.text),
            MessageCompleted: self.on_completed,
            ErrorEvent: self.on_error,
            ModelLoadProgress: None,  # the window's loading dialog shows these
            Finished: None,
        }
        runner.batch.connect(lambda batch: route(batch, handlers, self.on_event))
        runner.failed.connect(self.on_error)

    def clear(self) -> None:
        self.conversation.reset()
        self.bubbles.clear()
        self.cards.clear()
        self._rows.clear()
        self.maker = CardMaker()

    def restyle(self) -> None:
        """Repaint with the new palette after a theme change."""
        self.setStyleSheet(self.styleSheet())
        self.viewport().update()

    def colour_of(self, agent: str) -> str:
        return self.maker.colour(agent)

    # --- events from the runner ---------------------------------------------------
    def on_started(self, event: MessageStarted) -> None:
        entry = MessageEntry.started(started_card(event, self.maker.colour))
        self.bubbles[event.message_id] = entry
        self._add(entry)
        self._rows[event.message_id] = len(self.conversation.entries) - 1

    def on_text(self, message_id: str, text: str) -> None:
        entry = self.bubbles.get(message_id)
        if entry is None:
            return
        width = self.card_delegate.text_width()
        before = entry.document(width).size().height()
        entry.append(text)
        self._changed(message_id, entry.document(width).size().height() != before)

    def on_completed(self, event: MessageCompleted) -> None:
        entry = self.bubbles.get(event.message_id)
        if entry is None:  # a replay can start mid-message
            self.on_started(MessageStarted(message_id=event.message_id, agent=event.agent, model=event.model))
            entry = self.bubbles[event.message_id]
        entry.complete(event, message_card(event, self.maker.colour))
        self._changed(event.message_id, True)

    def on_event(self, event: EventBase) -> None:
        card = self.maker.card(event)  # also learns the team's order from the run's header
        if card is not None and in_transcript(card) and card.kind != "message":
            self._card(card)

    def on_error(self, event: ErrorEvent) -> None:
        self.on_event(event)

    def show_message(self, message_id: str) -> bool:
        """Scroll to one message of the run shown (the Memory panel's source links); False if absent."""
        row = self._rows.get(message_id)
        if row is not None:
            self.scrollTo(self.conversation.index(row), QListView.ScrollHint.PositionAtCenter)
        return row is not None

    # --- layout -------------------------------------------------------------------
    def _card(self, card: Card) -> None:
        entry = CardEntry(card=card)
        self.cards.append(entry)
        self._add(entry)

    def _add(self, entry: Entry) -> None:
        self._relayout_soon()
        self.conversation.append(entry)

    def _changed(self, message_id: str, height_changed: bool) -> None:
        """Repaint one row; only a row that grew makes the list lay out again (at most ~30 Hz)."""
        if height_changed:
            self._relayout_soon()
        if not self._relayout.isActive():  # asking for a row's rectangle would force the pending layout now
            self.update(self.conversation.index(self._rows[message_id]))

    def _relayout_soon(self) -> None:
        if not self._relayout.isActive():
            self._follow = self._following()  # decided before the rows grow
            self._relayout.start()

    def _do_relayout(self) -> None:
        self.scheduleDelayedItemsLayout()
        self.executeDelayedItemsLayout()
        if self._follow:
            self.scrollToBottom()
        self.viewport().update()

    def _following(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 40  # only when the user has not scrolled up

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout_soon()  # text re-wraps at the new width

    # --- context menu ---------------------------------------------------------------
    def entry_at(self, pos) -> Entry | None:
        index = self.indexAt(pos)
        return index.data(ENTRY_ROLE) if index.isValid() else None

    def contextMenuEvent(self, event) -> None:
        if event.reason() == event.Reason.Keyboard:  # the Menu key: the selected message, not the mouse's
            entry, pos = self.selected_entry(), self.visualRect(self.currentIndex()).center()
        else:
            entry, pos = self.entry_at(event.pos()), event.pos()
        if isinstance(entry, MessageEntry):
            self.message_menu(entry.message_id).popup(self.viewport().mapToGlobal(pos))

    def selected_entry(self) -> Entry | None:
        index = self.currentIndex()
        return index.data(ENTRY_ROLE) if index.isValid() else None

    def selected_message_id(self) -> str | None:
        """The selected message if it has finished (only those can be inspected)."""
        entry = self.selected_entry()
        return entry.message_id if isinstance(entry, MessageEntry) and entry.done is not None else None

    def message_menu(self, message_id: str) -> QMenu:
        entry = self.bubbles[message_id]
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per right-click; gone once closed
        inspect = menu.addAction("Inspect with local model", lambda: self.inspectRequested.emit(message_id))
        inspect.setEnabled(entry.done is not None)  # not while it is still streaming
        menu.addAction("Copy text", lambda: QGuiApplication.clipboard().setText(entry.text))
        return menu
