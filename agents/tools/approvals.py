"""Answering "ask me" approvals through the stream, without the domain awaiting a widget.

A call set to "ask" yields a ``ToolApprovalRequested`` carrying its ``call_id``; whoever shows
it (the window's approval bar, the terminal) answers through :class:`ApprovalAnswers` with that
id. The same pattern as human turns (``agents.teams.human.HumanAnswers``).
"""

from __future__ import annotations

import asyncio

from agents.llm.base import Cancelled
from agents.tools.calls import Approval
from agents.tools.events import ToolApprovalRequested


class ApprovalAnswers:
    """Approvals keyed by call id; an answer may arrive before or after the call waits for it.

    ``release()`` (the user's Stop) makes every waiting and later ``ask`` raise ``Cancelled``.
    """

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[Approval]] = {}
        self._early: dict[str, Approval] = {}
        self._released = False

    @property
    def waiting(self) -> tuple[str, ...]:
        return tuple(self._waiting)

    async def __call__(self, request: ToolApprovalRequested) -> Approval:
        """An ``Approver``: wait for the answer to this call."""
        if self._released:
            raise Cancelled()
        if request.call_id in self._early:
            return self._early.pop(request.call_id)
        future: asyncio.Future[Approval] = asyncio.get_running_loop().create_future()
        self._waiting[request.call_id] = future
        try:
            return await future
        finally:
            self._waiting.pop(request.call_id, None)

    def answer(self, call_id: str, approval: Approval) -> bool:
        """True when a call was waiting for this answer (else it is kept for when it asks)."""
        future = self._waiting.get(call_id)
        if future is None or future.done():
            self._early[call_id] = approval
            return False
        future.set_result(approval)
        return True

    def release(self) -> None:
        self._released = True
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(Cancelled())
