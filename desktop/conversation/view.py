"""Live conversation: one coloured bubble per message, round separators, verdict cards."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QMenu, QScrollArea, QVBoxLayout, QWidget

from agents.events import (
    ErrorEvent,
    MessageCompleted,
    MessageStarted,
    Notice,
    RoundStarted,
    Terminated,
    VerdictReached,
    VoteTallied,
)
from agents.session.export import PALETTE  # one colour per agent, as in exports
from desktop.bridge import RunBridge



class MessageBubble(QFrame):
    def __init__(self, agent: str, model: str, colour: str):
        super().__init__()
        self.setObjectName("bubble")
        self.setStyleSheet(
            f"#bubble {{ border-left: 5px solid {colour}; border-radius: 8px; background: palette(base); }}"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        self.header = QLabel(f"<b style='color:{colour}'>{escape(agent)}</b> <span style='color:gray'>· {escape(model)}</span>")
        self.body = QLabel("")
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setTextFormat(Qt.TextFormat.PlainText)  # Markdown once complete: cheap while streaming
        self.footer = QLabel("<span style='color:gray'>streaming…</span>")
        for widget in (self.header, self.body, self.footer):
            layout.addWidget(widget)
        self.text = ""

    def append(self, text: str) -> None:
        self.text += text
        self.body.setText(self.text)

    def complete(self, event: MessageCompleted) -> None:
        self.text = event.text
        self.body.setTextFormat(Qt.TextFormat.MarkdownText)
        self.body.setText(event.text or "*(empty)*")
        approx = "~" if event.usage.estimated else ""
        self.footer.setText(
            f"<span style='color:gray'>{approx}{event.usage.completion_tokens} tokens · "
            f"{event.latency_s:.2f} s · {event.finish_reason}</span>"
        )


class Card(QLabel):
    """A verdict, vote, notice or error between the bubbles."""

    STYLES = {
        "verdict": "background:#eef2ff; border:1px solid #a5b4fc;",
        "final": "background:#fffbeb; border:1px solid #f59e0b;",
        "error": "background:#fef2f2; border:1px solid #fca5a5;",
        "info": "color:gray; border:none;",
    }

    def __init__(self, html: str, kind: str):
        super().__init__(html)
        self.kind = kind
        self.setWordWrap(True)
        self.setStyleSheet(f"QLabel {{ {self.STYLES[kind]} border-radius:8px; padding:6px; color:#111827; }}")


class ConversationView(QScrollArea):
    inspectRequested = Signal(str)  # message id: the bubble's "Inspect with local model"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self._content = QWidget()
        self._layout = QVBoxLayout(self._content)
        self._layout.addStretch(1)
        self.setWidget(self._content)
        self.bubbles: dict[str, MessageBubble] = {}
        self.cards: list[Card] = []
        self._colours: dict[str, str] = {}

    def connect_bridge(self, bridge: RunBridge) -> None:
        bridge.messageStarted.connect(self.on_started)
        bridge.textAppended.connect(self.on_text)
        bridge.messageCompleted.connect(self.on_completed)
        bridge.eventReceived.connect(self.on_event)
        bridge.errorRaised.connect(self.on_error)

    def clear(self) -> None:
        for widget in list(self.bubbles.values()) + self.cards:
            widget.deleteLater()
        self.bubbles.clear()
        self.cards.clear()
        self._colours.clear()

    def colour_of(self, agent: str) -> str:
        return self._colours.setdefault(agent, PALETTE[len(self._colours) % len(PALETTE)])

    def on_started(self, event: MessageStarted) -> None:
        bubble = MessageBubble(event.agent, event.model, self.colour_of(event.agent))
        self.bubbles[event.message_id] = bubble
        bubble.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        bubble.body.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)  # the bubble's menu, on the text too
        bubble.customContextMenuRequested.connect(
            lambda pos, b=bubble, m=event.message_id: self.message_menu(m).popup(b.mapToGlobal(pos))
        )
        self._add(bubble)

    def message_menu(self, message_id: str) -> QMenu:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per right-click; gone once closed
        menu.addAction("Inspect with local model", lambda: self.inspectRequested.emit(message_id))
        menu.addAction("Copy text", lambda: QApplication.clipboard().setText(self.bubbles[message_id].text))
        return menu

    def on_text(self, message_id: str, text: str) -> None:
        bubble = self.bubbles.get(message_id)
        if bubble is not None:
            bubble.append(text)
            self._follow()

    def on_completed(self, event: MessageCompleted) -> None:
        bubble = self.bubbles.get(event.message_id)
        if bubble is None:  # a replay can start mid-message
            self.on_started(MessageStarted(message_id=event.message_id, agent=event.agent, model=event.model))
            bubble = self.bubbles[event.message_id]
        bubble.complete(event)
        self._follow()

    def on_event(self, event) -> None:
        if isinstance(event, RoundStarted):
            self._card(f"<b>Round {event.round}</b>", "info")
        elif isinstance(event, VerdictReached):
            title = "Final judgment" if event.final else f"Verdict after round {event.round}"
            winner = f" — winner: <b>{escape(event.winner)}</b>" if event.winner else ""
            self._card(
                f"<b>{title}</b> ({escape(event.judge)}): {event.decision}{winner}"
                f"<br><small>{escape(event.reason)} · read by {event.method}</small>",
                "final" if event.final else "verdict",
            )
        elif isinstance(event, VoteTallied):
            self._card(f"<b>Majority vote:</b> {escape(event.winner or 'no majority')} <small>{escape(str(event.counts))}</small>", "final")
        elif isinstance(event, Terminated):
            self._card(f"Stopped: {escape(event.condition)}", "info")
        elif isinstance(event, Notice):
            self._card(escape(event.text), "info")

    def on_error(self, event: ErrorEvent) -> None:
        self._card(f"<b>Error ({event.kind}):</b> {escape(event.message)}", "error")

    def _card(self, html: str, kind: str) -> None:
        card = Card(html, kind)
        self.cards.append(card)
        self._add(card)

    def _add(self, widget: QWidget) -> None:
        self._layout.insertWidget(self._layout.count() - 1, widget)
        self._follow()

    def _follow(self) -> None:
        bar = self.verticalScrollBar()
        if bar.value() >= bar.maximum() - 40:  # only when the user has not scrolled up
            bar.setValue(bar.maximum())
