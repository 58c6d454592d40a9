"""The issue's proof for tools: 30 generated arithmetic questions (a+b*c+d-e*f, 2-3 digit
numbers), one agent with and without the calculator through the text protocol. Prints the
tool-call parse rate and the answer accuracy with and without.

`python -m tests.bench.tools_proof [--model REF] [--n 30]` (default: the embedded model).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import time

from agents.events import MessageCompleted, new_id
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams
from agents.llm.providers import open_provider
from agents.tools.calculator import calculator_tool, evaluate
from agents.tools.calls import CallContext
from agents.tools.events import ToolCallCompleted, ToolCallFailed, ToolCallRequested
from agents.tools.native_turn import native_tool_turn
from agents.tools.registry import ToolRegistry
from agents.tools.text_turn import text_tool_turn

SYSTEM = "You are Solver. You answer arithmetic questions with the exact number."
PLAIN_EXAMPLES = "Examples:\nUser: What is 12+3*4-5?\n\nSolver: 19\n\nUser: What is 250-6*7+8?\n\nSolver: 216\n"
INTEGER = re.compile(r"-?\d[\d,]*")
MAX_TOKENS = 48  # per generation (--max-tokens)


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


async def plain(provider, expression: str, seed: int, max_tokens: int) -> str:
    events = [e async for e in provider.stream(request(expression, False, seed, max_tokens))]
    return next(e.text for e in events if isinstance(e, MessageCompleted))


async def with_calculator(provider, expression: str, seed: int, max_tokens: int) -> tuple[str, list]:
    req = request(expression, True, seed, max_tokens)
    ctx = CallContext(ToolRegistry([calculator_tool()]), req.message_id, "Solver")
    events = [e async for e in text_tool_turn(provider.stream, req, ctx, max_calls=3)]
    text = next(e.text for e in events if isinstance(e, MessageCompleted))
    return text, events


def score(items: list[tuple[str, int]], results: list[tuple[str, str, list]]) -> None:
    n = len(items)
    plain_ok = sum(first_integer(p) == truth for (_, truth), (p, _, _) in zip(items, results))
    called = parsed = tool_right = answer_right = 0
    for (_, truth), (_, text, events) in zip(items, results):
        requests = [e for e in events if isinstance(e, ToolCallRequested)]
        failed = {
            e.call_id for e in events if isinstance(e, ToolCallFailed) and e.kind in ("malformed_call", "unknown_tool")
        }
        outputs = [e.output for e in events if isinstance(e, ToolCallCompleted)]
        called += bool(requests)
        parsed += any(r.call_id not in failed for r in requests)
        tool_right += str(truth) in outputs
        after = text.rsplit("</output>", 1)[-1] if "</output>" in text else text
        answer_right += first_integer(after) == truth
    print(f"without the calculator: accuracy {plain_ok}/{n}")
    print(
        f"with the calculator: wrote a <tool> call in {called}/{n} turns, a call that parsed in {parsed}/{n} "
        f"(parse rate {parsed / max(called, 1):.0%} of turns with a call)"
    )
    print(
        f"  the calculator returned the right value in {tool_right}/{n}; the stated answer after the output "
        f"was right in {answer_right}/{n}"
    )


def native_step(base_url: str, model: str):
    """One streamed chat request with the ``tools`` parameter (OpenAI-compatible server)."""
    import openai

    client = openai.AsyncOpenAI(base_url=base_url, api_key="not-needed")

    async def step(messages, tools):
        stream = await client.chat.completions.create(
            model=model, messages=messages, tools=tools, stream=True, temperature=0.0, max_tokens=64
        )
        async for chunk in stream:
            yield chunk

    return step


async def native_calculator(step, expression: str) -> tuple[str, list]:
    ctx = CallContext(ToolRegistry([calculator_tool()]), new_id(), "Solver", via="native")
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"What is {expression}?"}]
    events = [e async for e in native_tool_turn(step, messages, ctx, "native", max_rounds=3)]
    return next(e.text for e in events if isinstance(e, MessageCompleted)), events


async def main_native(target: str, n: int) -> None:
    """Native function calling only (the plain baseline is the text run's)."""
    base_url, _, model = target.partition("#")
    step, items, results = native_step(base_url, model or "default"), questions(n), []
    started = time.perf_counter()
    for index, (expression, truth) in enumerate(items):
        text, events = await native_calculator(step, expression)
        results.append(("", text, events))
        print(f"[{index + 1}/{n}] {expression} = {truth} | native: {text.strip()[:100]!r} | events: {len(events)}")
    print(f"== Native tool calls on {target} ({n} questions, {time.perf_counter() - started:.0f} s) ==")
    score(items, results)


async def main_async(ref: str, n: int, max_tokens: int = MAX_TOKENS) -> None:
    provider = await open_provider(ref)
    items = questions(n)
    results = []
    started = time.perf_counter()
    try:
        for index, (expression, truth) in enumerate(items):
            p = await plain(provider, expression, index, max_tokens)
            text, events = await with_calculator(provider, expression, index, max_tokens)
            results.append((p, text, events))
            print(
                f"[{index + 1}/{n}] {expression} = {truth} | plain: {p.strip()[:40]!r} | tools: {text.strip()[:120]!r}"
            )
    finally:
        await provider.aclose()
    print(f"== Tools proof on {ref} ({n} questions, {time.perf_counter() - started:.0f} s) ==")
    score(items, results)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.tools_proof")
    parser.add_argument("--model", default="local")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--native", default=None, help="BASE_URL#MODEL: native tool calls on that server instead")
    parser.add_argument("--max-tokens", type=int, default=MAX_TOKENS)
    args = parser.parse_args()
    asyncio.run(main_native(args.native, args.n) if args.native else main_async(args.model, args.n, args.max_tokens))


if __name__ == "__main__":
    main()
