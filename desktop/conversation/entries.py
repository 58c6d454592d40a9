"""What the conversation shows, as plain records: message bubbles and cards between them.

Each entry keeps its own laid-out text document, so a row's height is computed once per
change and painting a long transcript only touches the rows on screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QTextDocument

from agents.events import MessageCompleted

# Model text is Markdown but never HTML: "<no> I disagree" must show, not vanish as a tag.
MARKDOWN = QTextDocument.MarkdownFeature.MarkdownDialectGitHub | QTextDocument.MarkdownFeature.MarkdownNoHTML
CARD_BACKGROUNDS = {
    "verdict": ("#eef2ff", "#a5b4fc"),
    "final": ("#fffbeb", "#f59e0b"),
    "error": ("#fef2f2", "#fca5a5"),
    "info": (None, None),
}


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

    def complete(self, event: MessageCompleted) -> None:
        self.text, self.done = event.text, event
        self.changed()

    @property
    def footer(self) -> str:
        if self.done is None:
            return "streaming…"
        event = self.done
        approx = "~" if event.usage.estimated else ""
        return f"{approx}{event.usage.completion_tokens} tokens · {event.latency_s:.2f} s · {event.finish_reason}"


@dataclass(eq=False)
class CardEntry(Entry):
    html: str = ""
    kind: str = "info"

    def fill(self, doc: QTextDocument) -> None:
        doc.setHtml(self.html)
