"""Small widgets around the conversation: the error banner, the human input bar, the tool approval bar."""

from __future__ import annotations

import json
from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from agents.events import HumanInputRequested
from agents.tools.calls import Approval
from agents.tools.events import ToolApprovalRequested


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


class ToolApprovalBar(QWidget):
    """Shown when a tool set to "ask me" wants to run (a ToolApprovalRequested event): Approve,
    edit the arguments (JSON) then Approve, or Reject. Non-modal: the conversation stays live."""

    answered = Signal(str, object)  # call id, Approval

    def __init__(self) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        self.prompt = QLabel()
        self.arguments = QLineEdit()
        self.arguments.setToolTip("the call's arguments as JSON; edit them before approving")
        self.approve = QPushButton("Approve")
        self.reject = QPushButton("Reject")
        for widget, stretch in ((self.prompt, 0), (self.arguments, 1), (self.approve, 0), (self.reject, 0)):
            layout.addWidget(widget, stretch)
        self.approve.clicked.connect(self._approve)
        self.reject.clicked.connect(lambda: self._finish(Approval(approved=False, reason="rejected in the window")))
        self.request: ToolApprovalRequested | None = None
        self.hide()

    def ask(self, request: ToolApprovalRequested) -> None:
        self.request = request
        self.prompt.setText(f"<b>{escape(request.agent)}</b> wants to run <b>{escape(request.tool)}</b>")
        self.arguments.setText(json.dumps(request.arguments, ensure_ascii=False))
        self.arguments.setStyleSheet("")
        self.show()
        self.approve.setFocus()

    def _approve(self) -> None:
        if self.request is None:
            return
        try:
            arguments = json.loads(self.arguments.text())
        except json.JSONDecodeError:
            arguments = None
        if not isinstance(arguments, dict):
            self.arguments.setStyleSheet("QLineEdit { border: 1px solid #dc2626; }")  # say so, keep the bar
            return
        self._finish(Approval(approved=True, arguments=None if arguments == self.request.arguments else arguments))

    def _finish(self, approval: Approval) -> None:
        if self.request is None:
            return
        call_id, self.request = self.request.call_id, None
        self.hide()
        self.answered.emit(call_id, approval)

    def withdraw(self) -> None:
        self.request = None
        self.hide()
