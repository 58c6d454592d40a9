"""Small widgets around the conversation: the error banner and the human input bar."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from agents.events import HumanInputRequested


class Banner(QLabel):
    """A non-modal, dismissable error line above the conversation: never a blocking dialog."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setStyleSheet("QLabel { background:#fef2f2; color:#991b1b; border:1px solid #fca5a5; padding:6px; }")
        self.hide()

    def show_problem(self, text: str) -> None:
        line = f"⚠ {escape(text)}"
        self.setText(f"{self.text()}<br>{line}" if self.isVisible() and self.text() else line)
        self.show()

    def mousePressEvent(self, event) -> None:  # click to dismiss
        self.hide()


class HumanInputBar(QWidget):
    """Shown when a run asks a Human agent's turn (a HumanInputRequested event); Send answers it."""

    answered = Signal(str, str)  # request id, text

    def __init__(self) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        self.prompt = QLabel()
        self.edit = QLineEdit()
        self.edit.setAccessibleName("Your answer")
        self.send = QPushButton("Send")
        layout.addWidget(self.prompt)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.send)
        self.send.clicked.connect(self._answer)
        self.edit.returnPressed.connect(self._answer)
        self.request_id: str | None = None
        self.hide()

    def ask(self, request: HumanInputRequested) -> None:
        self.request_id = request.request_id
        self.prompt.setText(f"<b>{escape(request.agent)}</b>: {escape(request.prompt)}")
        self.show()
        self.edit.setFocus()

    def _answer(self) -> None:
        if self.request_id is None:
            return
        request_id, self.request_id = self.request_id, None
        text = self.edit.text()
        self.edit.clear()
        self.hide()
        self.answered.emit(request_id, text)

    def withdraw(self) -> None:
        """The run ended or was stopped: nothing is asked any more."""
        self.request_id = None
        self.hide()
