"""A model as a tool: "ask Critic" sends a sub-question to another agent or model and returns
its answer. The sub-call streams through the same provider protocol as every turn.
"""

from __future__ import annotations

import re
from typing import Any

from agents.events import ErrorEvent, MessageCompleted
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams, Provider
from agents.tools.base import Tool, ToolError, ToolSpec


def ask_tool_name(agent: str) -> str:
    return "ask_" + (re.sub(r"[^A-Za-z0-9_]+", "_", agent).strip("_") or "agent")[:56]


def ask_tool(
    agent: str, provider: Provider, persona: str = "", max_tokens: int = 200, time_limit_s: float = 120.0
) -> Tool:
    async def run(arguments: dict[str, Any]) -> str:
        system = f"You are {agent}. {persona}".strip() + " Answer the question briefly."
        request = CompletionRequest(
            messages=(
                ChatMessage(role="system", content=system),
                ChatMessage(role="user", content=str(arguments["question"])),
            ),
            params=GenerationParams(max_tokens=max_tokens, temperature=0.3, stop=("\nUser:",)),
            speaker=agent,
        )
        text, error = "", None
        async for event in provider.stream(request):
            if isinstance(event, ErrorEvent):
                error = event.message
            if isinstance(event, MessageCompleted):
                text = event.text
        if error is not None:
            raise ToolError("server_error", f"{agent} could not answer: {error}")
        return text.strip() or f"({agent} gave an empty answer)"

    spec = ToolSpec(
        name=ask_tool_name(agent),
        description=f"Ask {agent} a sub-question and get a short answer. {persona[:200]}".strip(),
        parameters={
            "type": "object",
            "properties": {"question": {"type": "string"}},
            "required": ["question"],
            "additionalProperties": False,
        },
        origin="agent",
    )
    return Tool(spec, run, time_limit_s=time_limit_s, output_limit=4000)
