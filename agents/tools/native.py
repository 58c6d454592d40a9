"""Native function calling for OpenAI-compatible servers, as a pure translation layer:
tool records -> the ``tools`` request parameter, streamed ``tool_calls`` deltas -> calls,
results -> the ``tool`` messages of the follow-up request. Several calls in one turn are kept
apart by their ``index``, as the API streams them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.tools.base import ToolSpec
from agents.tools.calls import ToolCall, new_call


def openai_tools(specs: Iterable[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {"type": "function", "function": {"name": s.name, "description": s.description, "parameters": s.parameters}}
        for s in specs
    ]


def _get(obj: Any, key: str) -> Any:
    """A field of a delta, whether the client gave a dict or a pydantic object."""
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


@dataclass
class _Partial:
    call_id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ToolCallDeltas:
    """Accumulates ``choices[0].delta.tool_calls`` pieces across a stream."""

    def __init__(self) -> None:
        self._parts: dict[int, _Partial] = {}

    def add(self, tool_calls: Sequence[Any] | None) -> None:
        for piece in tool_calls or ():
            index = _get(piece, "index") or 0
            part = self._parts.setdefault(index, _Partial())
            part.call_id = _get(piece, "id") or part.call_id
            function = _get(piece, "function")
            if function is not None:
                part.name += _get(function, "name") or ""
                part.arguments.append(_get(function, "arguments") or "")

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


def calls_from_message(tool_calls: Sequence[Any] | None) -> list[ToolCall]:
    """Calls from a non-streamed ``message.tool_calls``."""
    deltas = ToolCallDeltas()
    deltas.add(
        [{"index": i, "id": _get(c, "id"), "function": _get(c, "function")} for i, c in enumerate(tool_calls or ())]
    )
    return deltas.calls()


def assistant_message(calls: Sequence[ToolCall], content: str = "") -> dict[str, Any]:
    """The assistant turn that made ``calls``, as the follow-up request must repeat it."""
    return {
        "role": "assistant",
        "content": content or None,
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
