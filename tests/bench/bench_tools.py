"""Tool benchmarks: orchestration overhead per call with an instant tool (goal < 2 ms), sandbox
start-to-result for ``print(1)`` (goal < 150 ms), and 3 agents each calling a 1 s tool in one
simultaneous round (goal ≈ 1 s, not 3).

Run with `python -m tests.bench tools`. Prints numbers measured in one run on this machine.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams
from agents.llm.scripted import ScriptedProvider
from agents.teams.run import TeamRun
from agents.tools.base import Tool, ToolSpec
from agents.tools.calls import CallContext, new_call, run_calls
from agents.tools.registry import ToolRegistry
from agents.tools.sandbox import isolation_label, run_python
from agents.tools.text_turn import text_tool_turn
from agents.tools.toolbox import Toolbox
from tests.helpers.teams import simultaneous_round

SCHEMA = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}


def instant_tool() -> Tool:
    async def run(arguments):
        return str(arguments["x"])

    return Tool(ToolSpec(name="instant", description="returns its argument", parameters=SCHEMA), run)


async def _calls_s(n: int) -> float:
    ctx = CallContext(ToolRegistry([instant_tool()]), "m", "A")
    started = time.perf_counter()
    for i in range(n):
        async for _event in run_calls([new_call("instant", {"x": i})], ctx):
            pass
    return time.perf_counter() - started


def _request() -> CompletionRequest:
    return CompletionRequest(
        messages=(ChatMessage(role="user", content="go"),), params=GenerationParams(max_tokens=4000)
    )


async def _turn_s(calls: int) -> float:
    """One text-protocol turn making ``calls`` calls, against an instant scripted model."""

    def reply(request: CompletionRequest) -> str:
        made = request.messages[-1].content.count("<output>") if request.messages[-1].role == "assistant" else 0
        return "<tool>instant(1)</tool>" if made < calls else "done"

    ctx = CallContext(ToolRegistry([instant_tool()]), "", "A")
    started = time.perf_counter()
    async for _event in text_tool_turn(ScriptedProvider(reply).stream, _request(), ctx, max_calls=calls + 1):
        pass
    return time.perf_counter() - started


def overhead(n: int = 2000) -> None:
    print(f"== Tools: orchestration overhead per call (instant tool, {n} calls) ==")
    per_call = asyncio.run(_calls_s(n)) / n * 1000
    print(f"run_calls (schema check, policy, 2 events): {per_call:.3f} ms/call (goal < 2 ms)")
    with_calls, without = asyncio.run(_turn_s(20)), asyncio.run(_turn_s(0))
    print(
        f"text protocol, whole loop (parse, run, continue the model): {(with_calls - without) / 20 * 1000:.3f} ms/call"
    )


async def _sandbox_ms(runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        result = await run_python("print(1)")
        assert result.stdout.strip() == "1", result
        out.append((time.perf_counter() - started) * 1000)
    return out


def sandbox(runs: int = 10) -> None:
    print(f"== Tools: sandbox start-to-result for print(1) ({runs} runs; {isolation_label()}) ==")
    times = asyncio.run(_sandbox_ms(runs))
    print(f"median {statistics.median(times):.0f} ms, min {min(times):.0f} ms, max {max(times):.0f} ms (goal < 150 ms)")


async def _round_s(agents: int) -> float:
    """A real team run: a debate round with simultaneous turns, each agent calling a 1 s tool."""

    async def slow(arguments):
        await asyncio.sleep(1.0)
        return "slept"

    toolbox = Toolbox(ToolRegistry([Tool(ToolSpec(name="slow", description="takes one second"), slow, time_limit_s=5)]))
    spec = simultaneous_round(agents, "slow", name="bench")

    def reply(request: CompletionRequest) -> str:
        return "D0 is right." if request.messages[-1].role == "assistant" else "<tool>slow()</tool>"

    providers = {a.name: ScriptedProvider(reply, name=a.name) for a in spec.agents}
    started = time.perf_counter()
    async for _event in TeamRun(spec, providers, toolbox=toolbox).run_stream("go"):
        pass
    return time.perf_counter() - started


def simultaneous(agents: int = 3) -> None:
    print(f"== Tools: {agents} agents x a 1 s tool in one simultaneous debate round (TeamRun) ==")
    print(f"wall time {asyncio.run(_round_s(agents)):.2f} s (goal ≈ 1 s, not {agents})")


def main(skip_cold: bool = False) -> None:
    overhead()
    sandbox()
    simultaneous()


if __name__ == "__main__":
    main()
