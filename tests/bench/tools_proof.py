"""The issue's proof for tools: 30 seeded arithmetic questions (a+b*c+d-e*f, 2-3 digit numbers),
one agent with and without the calculator. For each target it prints the tool-call parse rate
and the answer accuracy with and without the calculator:

- ``embedded``: the embedded model in-process, the text protocol (``<tool>…</tool>``);
- ``server``: ``python -m llama_cpp.server`` on the same GGUF with ``--chat_format
  chatml-function-calling``, native ``tools``/``tool_calls`` on its chat endpoint (that format
  takes tools; its template drops ``tool`` results, see tests/integration/test_native_tools.py);
- ``server-text``: the same server's completions endpoint, the text protocol.

`python -m tests.bench.tools_proof [--n 30] [--targets embedded,server,server-text] [--max-calls 3] [--json FILE]`
Greedy decoding, question i has seed i; the questions come from ``--seed`` (default 11).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time
from dataclasses import asdict, dataclass

from agents.events import EventBase, MessageCompleted
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams, Provider
from agents.llm.native_tools import NativeToolsProvider
from agents.llm.openai_compat import OpenAICompatProvider
from agents.llm.providers import open_provider
from agents.llm.refs import parse_model_ref
from agents.tools.calculator import calculator_tool, evaluate
from agents.tools.calls import CallContext
from agents.tools.events import ToolCallCompleted, ToolCallFailed, ToolCallRequested
from agents.tools.native_turn import native_tool_turn
from agents.tools.registry import ToolRegistry
from agents.tools.text_turn import text_tool_turn

SYSTEM = "You are Solver. You answer arithmetic questions with the exact number."
PLAIN_EXAMPLES = "Examples:\nUser: What is 12+3*4-5?\n\nSolver: 19\n\nUser: What is 250-6*7+8?\n\nSolver: 216\n"
INTEGER = re.compile(r"-?\d[\d,]*")
MAX_TOKENS = 48  # per turn (--max-tokens)
MAX_CALLS = 3  # per turn (--max-calls)
TARGETS = ("embedded", "server", "server-text")


def questions(n: int, seed: int = 11) -> list[tuple[str, int]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        a, b, c, d, e, f = (rng.randint(10, 999) for _ in range(6))
        expression = f"{a}+{b}*{c}+{d}-{e}*{f}"
        out.append((expression, int(evaluate(expression))))
    return out


def first_integer(text: str) -> int | None:
    match = INTEGER.search(text)
    return int(match.group().replace(",", "")) if match else None


def request(expression: str, with_tools: bool, seed: int, max_tokens: int = MAX_TOKENS) -> CompletionRequest:
    system = SYSTEM if with_tools else f"{SYSTEM}\n{PLAIN_EXAMPLES}"
    return CompletionRequest(
        messages=(
            ChatMessage(role="system", content=system),
            ChatMessage(role="user", content=f"What is {expression}?"),
        ),
        params=GenerationParams(max_tokens=max_tokens, temperature=0.0, seed=seed, stop=("\nUser:",)),
        speaker="Solver",
    )


@dataclass
class Outcome:
    """One question: the plain answer, and the turn with the calculator."""

    expression: str
    truth: int
    plain: str
    text: str
    called: bool
    parsed: bool
    tool_right: bool
    answer_right: bool
    plain_right: bool


async def plain(provider: Provider, expression: str, seed: int, max_tokens: int) -> str:
    events = [e async for e in provider.stream(request(expression, False, seed, max_tokens))]
    return next(e.text for e in events if isinstance(e, MessageCompleted))


async def with_calculator(
    provider: Provider, expression: str, seed: int, limits: tuple[int, int], native: bool
) -> list:
    max_tokens, max_calls = limits
    req = request(expression, True, seed, max_tokens)
    ctx = CallContext(ToolRegistry([calculator_tool()]), req.message_id, "Solver")
    if native:
        assert isinstance(provider, NativeToolsProvider)
        return [e async for e in native_tool_turn(provider, req, ctx, max_calls)]
    return [e async for e in text_tool_turn(provider.stream, req, ctx, max_calls)]


def outcome(expression: str, truth: int, plain_text: str, events: list[EventBase]) -> Outcome:
    text = next(e.text for e in events if isinstance(e, MessageCompleted))
    requests = [e for e in events if isinstance(e, ToolCallRequested)]
    unreadable = {
        e.call_id for e in events if isinstance(e, ToolCallFailed) and e.kind in ("malformed_call", "unknown_tool")
    }
    outputs = [e.output for e in events if isinstance(e, ToolCallCompleted)]
    after = text.rsplit("</output>", 1)[-1]  # the text protocol: what the model said after the last result
    return Outcome(
        expression=expression,
        truth=truth,
        plain=plain_text,
        text=text,
        called=bool(requests),
        parsed=any(r.call_id not in unreadable for r in requests),
        tool_right=str(truth) in outputs,
        answer_right=first_integer(after) == truth,
        plain_right=first_integer(plain_text) == truth,
    )


def summary(target: str, results: list[Outcome], seconds: float) -> dict:
    n, called = len(results), sum(r.called for r in results)
    parsed = sum(r.parsed for r in results)
    row = {
        "target": target,
        "questions": n,
        "accuracy_without": sum(r.plain_right for r in results),
        "turns_with_a_call": called,
        "turns_with_a_parsed_call": parsed,
        "parse_rate": round(parsed / called, 3) if called else None,
        "calculator_right_value": sum(r.tool_right for r in results),
        "accuracy_with": sum(r.answer_right for r in results),
        "seconds": round(seconds),
    }
    print(
        f"== {target}: {n} questions, {seconds:.0f} s ==\n"
        f"  without the calculator: accuracy {row['accuracy_without']}/{n}\n"
        f"  with the calculator: a call in {called}/{n} turns, a call that parsed in {parsed}/{n} "
        f"(parse rate {parsed / max(called, 1):.0%}); the calculator returned the right value in "
        f"{row['calculator_right_value']}/{n}; the stated answer was right in {row['accuracy_with']}/{n}"
    )
    return row


async def run_target(target: str, provider: Provider, items: list[tuple[str, int]], limits: tuple[int, int]) -> dict:
    native = target == "server"
    results, started = [], time.perf_counter()
    for index, (expression, truth) in enumerate(items):
        p = await plain(provider, expression, index, limits[0])
        events = await with_calculator(provider, expression, index, limits, native)
        results.append(outcome(expression, truth, p, events))
        shown = results[-1].text.strip().replace("\n", " ")[:110]
        r = results[-1]
        flags = f"call={r.called:d} parsed={r.parsed:d} tool_right={r.tool_right:d} right={r.answer_right:d}"
        print(
            f"[{target} {index + 1}/{len(items)}] {expression} = {truth} | plain {p.strip()[:24]!r} | {flags} | {shown!r}"
        )
    return summary(target, results, time.perf_counter() - started) | {"outcomes": [asdict(r) for r in results]}


def server_provider(base_url: str, target: str) -> OpenAICompatProvider:
    api = "completions" if target == "server-text" else "chat"
    ref = f"openai-compatible:{base_url}#gemma?api={api}&timeout=900&retries=1"
    return OpenAICompatProvider(parse_model_ref(ref))


async def main_async(targets: list[str], n: int, seed: int, limits: tuple[int, int]) -> list[dict]:
    """``limits``: max tokens and max tool calls per turn."""
    items, rows = questions(n, seed), []
    if "embedded" in targets:
        provider = await open_provider("local")
        try:
            rows.append(await run_target("embedded", provider, items, limits))
        finally:
            await provider.aclose()
    served = [t for t in targets if t.startswith("server")]
    if served:
        from agents.llm.local_cache import embedded_gguf
        from tests.integration.conftest import LlamaServer

        gguf, _ = embedded_gguf(lambda e: None, need_file=True)
        server = LlamaServer(gguf, api_key=None, logits_all=False, chat_format="chatml-function-calling")
        try:
            for target in served:
                provider = server_provider(server.base_url, target)
                try:
                    rows.append(await run_target(target, provider, items, limits))
                finally:
                    await provider.aclose()
        finally:
            server.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.tools_proof")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--targets", default=",".join(TARGETS[:2]), help=f"comma-separated, of {', '.join(TARGETS)}")
    parser.add_argument("--max-tokens", type=int, default=MAX_TOKENS)
    parser.add_argument("--max-calls", type=int, default=MAX_CALLS, help="tool calls per turn")
    parser.add_argument("--json", default=None, help="also write the rows and every outcome to this file")
    args = parser.parse_args()
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if unknown := set(targets) - set(TARGETS):
        parser.error(f"unknown target(s) {sorted(unknown)}; known: {', '.join(TARGETS)}")
    rows = asyncio.run(main_async(targets, args.n, args.seed, (args.max_tokens, args.max_calls)))
    print(json.dumps([{k: v for k, v in row.items() if k != "outcomes"} for row in rows], indent=1))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=1)


if __name__ == "__main__":
    main()
