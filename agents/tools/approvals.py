"""Answering "ask me" approvals through the stream, without the domain awaiting a widget.

A call set to "ask" yields a ``ToolApprovalRequested`` carrying its ``call_id``; whoever shows
it (the window's approval bar, the terminal) answers with that id, as human turns are answered.
"""

from __future__ import annotations

from agents.answers import KeyedAnswers
from agents.tools.calls import Approval
from agents.tools.events import ToolApprovalRequested


class ApprovalAnswers(KeyedAnswers[Approval]):
    """An ``Approver`` whose answers arrive by call id; ``release()`` (Stop) ends every wait."""

    async def __call__(self, request: ToolApprovalRequested) -> Approval:
        return await self.wait(request.call_id)
