"""What the conversation shows, as plain records: message bubbles and cards between them.

Each entry keeps its own laid-out text document, so a row's height is computed once per
change and painting a long transcript only touches the rows on screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from PySide6.QtGui import QTextDocument

from agents.events import MessageCompleted
from agents.session.render import Card

# Model text is Markdown but never HTML: "<no> I disagree" must show, not vanish as a tag.
MARKDOWN = QTextDocument.MarkdownFeature.MarkdownDialectGitHub | QTextDocument.MarkdownFeature.MarkdownNoHTML


@dataclass(eq=False)
class Entry:
    doc: QTextDocument | None = field(default=None, repr=False)
    laid_out_width: int = -1
    # The row's height in pixels and the text width it was measured at (-1: measure again).
    height: int = 0
    height_at: int = -1

    def fill(self, doc: QTextDocument) -> None:
        raise NotImplementedError

    def document(self, width: int) -> QTextDocument:
        """The entry's text laid out at ``width`` (rebuilt only after a change)."""
        if self.doc is None:
            self.doc = QTextDocument()
            self.doc.setDocumentMargin(0)
            self.fill(self.doc)
            self.laid_out_width = -1
        if width != self.laid_out_width:
            self.doc.setTextWidth(max(width, 40))
            self.laid_out_width = width
        return self.doc

    def changed(self) -> None:
        self.doc = None
        self.height_at = -1


@dataclass(eq=False)
class MessageEntry(Entry):
    message_id: str = ""
    agent: str = ""
    model: str = ""
    colour: str = "#4c8bf5"
    text: str = ""
    done: MessageCompleted | None = None
    card: Card | None = None  # the completed message's card

    @classmethod
    def started(cls, card: Card) -> MessageEntry:
        """A bubble for a message that has just started (its card's meta is the model)."""
        return cls(message_id=card.message_id or "", agent=card.agent, model=card.meta, colour=card.colour)

    def fill(self, doc: QTextDocument) -> None:
        if self.done is None:
            doc.setPlainText(self.text)  # plain while streaming: cheap, and half-written Markdown flickers
        else:
            doc.setMarkdown(self.text or "*(empty)*", MARKDOWN)

    def append(self, text: str) -> None:
        self.text += text
        if self.doc is not None and self.done is None:
            cursor = self.doc.rootFrame().lastCursorPosition()
            cursor.insertText(text)  # extend the laid-out text instead of rebuilding it
        self.height_at = -1

    def complete(self, event: MessageCompleted, card: Card) -> None:
        self.text, self.done, self.card = card.body, event, card
        self.changed()

    @property
    def footer(self) -> str:
        return "streaming…" if self.card is None else self.card.meta


@dataclass(eq=False)
class CardEntry(Entry):
    card: Card = field(default_factory=lambda: Card("notice", ""))

    @property
    def kind(self) -> str:
        """The card's tone, which is what the delegate paints it by."""
        return self.card.tone

    @property
    def text(self) -> str:
        return " ".join(
            part for part in (self.card.title, self.card.facts_text, self.card.body, self.card.meta) if part
        )

    def fill(self, doc: QTextDocument) -> None:
        doc.setHtml(card_html(self.card))


def card_html(card: Card) -> str:
    """A card as Qt rich text; every field is escaped, so no text from a model becomes markup."""
    if card.kind == "round":
        return f"<b>{escape(card.title)}</b>"
    who = f" ({escape(card.agent)})" if card.agent else ""
    facts = " · ".join(f"{escape(key)}: <b>{escape(value)}</b>" for key, value in card.facts)
    text = " — ".join(part for part in (facts, escape(card.body).replace("\n", "<br>")) if part)
    head = f"<b>{escape(card.title)}</b>{who}" + (f": {text}" if text else "")
    return head + (f"<br><small>{escape(card.meta)}</small>" if card.meta else "")
