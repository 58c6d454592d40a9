"""Small widgets around the conversation: the error banner and the human input bar."""

from __future__ import annotations

import asyncio
from html import escape

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from agents.agent import Agent


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
    """Shown when a Human agent's turn comes: the run waits until the person answers."""

    def __init__(self) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        self.prompt = QLabel()
        self.edit = QLineEdit()
        self.send = QPushButton("Send")
        layout.addWidget(self.prompt)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.send)
        self.send.clicked.connect(self._answer)
        self.edit.returnPressed.connect(self._answer)
        self._future: asyncio.Future | None = None
        self.hide()

    async def ask(self, agent: Agent, prompt: str) -> str:
        self._future = asyncio.get_running_loop().create_future()
        self.prompt.setText(f"<b>{escape(agent.name)}</b>: {escape(prompt)}")
        self.show()
        self.edit.setFocus()
        try:
            return await self._future
        finally:
            self.hide()

    def _answer(self) -> None:
        self.release(self.edit.text())
        self.edit.clear()

    def release(self, text: str = "") -> None:
        if self._future is not None and not self._future.done():
            self._future.set_result(text)
