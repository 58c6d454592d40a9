"""Native function calling for OpenAI-compatible servers, as a pure translation layer:
tool records -> the ``tools`` request parameter, the provider's call pieces -> calls,
results -> the ``tool`` messages of the follow-up request. Several calls in one turn are kept
apart by their ``index``, as the API streams them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.llm.native_tools import ToolCallPiece
from agents.tools.base import ToolSpec
from agents.tools.calls import ToolCall, new_call


def openai_tools(specs: Iterable[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {"type": "function", "function": {"name": s.name, "description": s.description, "parameters": s.parameters}}
        for s in specs
    ]


@dataclass
class _Partial:
    call_id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ToolCallDeltas:
    """Accumulates the pieces of one reply's calls (``agents.llm.native_tools.ToolCallPiece``)."""

    def __init__(self) -> None:
        self._parts: dict[int, _Partial] = {}

    def add(self, pieces: Iterable[ToolCallPiece]) -> None:
        for piece in pieces:
            part = self._parts.setdefault(piece.index, _Partial())
            part.call_id = piece.call_id or part.call_id
            # OpenAI sends the name once; llama.cpp repeats the whole name in every piece.
            if piece.name and piece.name != part.name:
                part.name += piece.name
            part.arguments.append(piece.arguments)

    def __bool__(self) -> bool:
        return bool(self._parts)

    def calls(self) -> list[ToolCall]:
        """The finished calls in index order; arguments that are not a JSON object are a problem."""
        return [_to_call(p.call_id, p.name, "".join(p.arguments)) for _, p in sorted(self._parts.items())]


def _to_call(call_id: str, name: str, arguments: str) -> ToolCall:
    call = new_call(name or "?", raw=arguments)
    if call_id:
        call = call.model_copy(update={"call_id": call_id})
    if not name:
        return call.model_copy(update={"problem": "the server sent a tool call without a name"})
    try:
        value = json.loads(arguments) if arguments.strip() else {}
    except json.JSONDecodeError as exc:
        return call.model_copy(update={"problem": f"the arguments are not valid JSON ({exc.msg}): {arguments[:200]}"})
    if not isinstance(value, dict):
        return call.model_copy(update={"problem": "the arguments must be a JSON object"})
    return call.model_copy(update={"arguments": value})


def assistant_message(calls: Sequence[ToolCall], content: str = "") -> dict[str, Any]:
    """The assistant turn that made ``calls``, as the follow-up request must repeat it."""
    return {
        "role": "assistant",
        "content": content,  # a string even when empty: llama.cpp's server refuses null (HTTP 500)
        "tool_calls": [
            {
                "id": c.call_id,
                "type": "function",
                "function": {"name": c.tool, "arguments": c.raw or json.dumps(c.arguments)},
            }
            for c in calls
        ],
    }


def tool_message(call_id: str, text: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": text}
