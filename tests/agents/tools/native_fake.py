"""A scripted provider that also takes native ``tools``, for the native turn's orchestration tests."""

from collections.abc import Callable

from agents.events import Usage
from agents.llm.base import CompletionRequest, ProviderError
from agents.llm.native_tools import REFUSAL_KINDS, ToolCallPiece
from agents.llm.scripted import ScriptedProvider
from agents.llm.streaming import MessageAssembler

# One round's reply: text pieces, call pieces, or a failure; chosen from the calls so far.
Round = list[str | ToolCallPiece | ProviderError]
Script = Callable[[list[dict]], Round]


def call(index, name, arguments, call_id=None):
    return ToolCallPiece(index=index, call_id=call_id or f"c{index}", name=name, arguments=arguments)


class NativeFake(ScriptedProvider):
    """``stream`` answers the text protocol with ``text_replies``; ``stream_tools`` plays ``rounds``."""

    def __init__(self, rounds: Script, text_replies=(), mode="auto"):
        super().__init__(list(text_replies), name="native-fake")
        self.rounds, self.mode, self.refused = rounds, mode, False
        self.asked: list[dict] = []  # each native request: tools, extra, tool_choice

    def uses_native_tools(self) -> bool:
        return self.mode == "on" or (self.mode == "auto" and not self.refused)

    def tools_refused(self, kind: str) -> bool:
        self.refused = self.mode == "auto" and kind in REFUSAL_KINDS
        return self.refused

    async def stream_tools(self, request: CompletionRequest, tools, extra, cancel=None, tool_choice="auto"):
        self.asked.append({"tools": list(tools), "extra": list(extra), "tool_choice": tool_choice, "request": request})
        out = MessageAssembler(request, self.identity.ref, request.params.stop)
        yield out.started()
        finish = "stop"
        for item in self.rounds(list(extra)):
            if isinstance(item, ProviderError):
                yield out.error(item)
                finish = "error"
                break
            if isinstance(item, ToolCallPiece):
                yield item
            elif (event := out.delta(item)) is not None:
                yield event
        for last in out.completed(finish, Usage(prompt_tokens=5, completion_tokens=3)):
            yield last
