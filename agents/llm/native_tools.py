"""What a provider with native function calling offers the tools layer, in plain records.

The tools layer sits above ``agents.llm``, so the provider cannot speak in tool calls: it
streams its usual message events plus ``ToolCallPiece`` records (one piece of a streamed
``tool_calls`` delta, or a whole call from a non-streamed reply), and the tools layer turns the
pieces into calls. Which providers take ``tools`` at all is the endpoint's ``native_tools``
setting: ``on``, ``off``, or ``auto`` (on for chat endpoints until the server refuses them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from agents.events import Event
from agents.llm.base import CancelToken, CompletionRequest, ModelIdentity

NativeToolsMode = Literal["auto", "on", "off"]
ToolChoice = str | dict[str, Any]
# Kinds of failure that mean "this server does not take tools" (HTTP 400/422 and the like).
REFUSAL_KINDS = ("bad_request", "unsupported")


@dataclass(frozen=True)
class ToolCallPiece:
    """A piece of the ``index``-th call of one reply; the pieces of one index add up to the call."""

    index: int = 0
    call_id: str = ""
    name: str = ""
    arguments: str = ""


def _get(obj: Any, key: str) -> Any:
    """A field of a reply, whether the client gave a dict or a pydantic object."""
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


def pieces_from_delta(tool_calls: Sequence[Any] | None) -> list[ToolCallPiece]:
    """``delta.tool_calls`` of one streamed chunk as pieces; anything unreadable is skipped."""
    pieces = []
    for item in tool_calls or ():
        function = _get(item, "function")
        index = _get(item, "index")
        pieces.append(
            ToolCallPiece(
                index=index if isinstance(index, int) else 0,
                call_id=_text(_get(item, "id")),
                name=_text(_get(function, "name")) if function is not None else "",
                arguments=_text(_get(function, "arguments")) if function is not None else "",
            )
        )
    return pieces


def pieces_from_message(tool_calls: Sequence[Any] | None) -> list[ToolCallPiece]:
    """The calls of a non-streamed ``message.tool_calls``, one whole piece each."""
    pieces = pieces_from_delta(tool_calls)
    return [ToolCallPiece(i, p.call_id, p.name, p.arguments) for i, p in enumerate(pieces)]


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


@runtime_checkable
class NativeToolsProvider(Protocol):
    """A provider that can send ``tools`` and stream back calls (see the module docstring)."""

    identity: ModelIdentity

    def uses_native_tools(self) -> bool:
        """Whether a turn with tools should use native calls now (the setting, and what the server showed)."""
        ...

    def tools_refused(self, kind: str) -> bool:
        """A request with tools failed with ``kind`` before any reply: True when the caller
        should fall back to the text protocol (``auto``), and then native calls stay off."""
        ...

    def stream_tools(
        self,
        request: CompletionRequest,
        tools: Sequence[dict[str, Any]],
        extra: Sequence[dict[str, Any]],
        cancel: CancelToken | None = None,
        tool_choice: ToolChoice = "auto",
    ) -> AsyncIterator[Event | ToolCallPiece]:
        """Like ``stream``, with ``tools`` offered and ``extra`` (earlier calls and their
        ``tool`` results, as API dicts) after the request's messages; calls arrive as pieces."""
        ...
