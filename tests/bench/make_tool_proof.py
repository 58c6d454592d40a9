"""The issue's proof for agent-written tools: in real recorded sessions, one agent with
``make_tool`` is asked to write a small tool (N tries over a list of tasks, different seeds);
each tool it saves is then offered to a NEW session of the same team, which is asked to call it.

Prints how many tries saved a working tool (its test passed in the sandbox), how many later
sessions called the saved tool successfully, and each try's outcome with the model's text.

`python -m tests.bench.make_tool_proof [--model REF] [--n 10] [--temperature 0.3]`
(default: the embedded model; an ``endpoint:NAME`` or ``openai:…`` reference also works).
Every try counts: nothing is retried or filtered. The default temperature is low because at 0.7
the 270M model's calls were mostly not Python (unclosed strings, prose inside the call), and at
0.0 every try of one task is the same text; 0.3 varies between tries and keeps the calls readable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

from agents.events import MessageCompleted, RunStarted
from agents.session.pipeline import RunPipeline, TeamJob
from agents.settings import LocalSettings, Settings
from agents.spec import load_team
from agents.tools.authored import ToolLibrary, library_path
from agents.tools.events import ToolAuthored, ToolCallCompleted, ToolCallFailed

# (task as a user would ask it, with one worked example; the arguments a later session asks the
# saved tool to be called with, other than the example's; the output that call must print)
TASKS = [
    ("Make a tool that multiplies two numbers, for example multiply(6, 7) is 42.", "(8, 9)", "72"),
    ("Make a tool that returns the square of a number, for example square(9) is 81.", "(12)", "144"),
    ("Make a tool that reverses a text, for example reverse('abc') is 'cba'.", "('stressed')", "desserts"),
    ("Make a tool that subtracts two numbers, for example subtract(50, 8) is 42.", "(30, 12)", "18"),
    ("Make a tool that counts the words in a text, for example count_words('one two') is 2.", "('a b c')", "3"),
]


def team(name: str, tools: list[str], model: str, temperature: float, max_tokens: int) -> dict:
    agent = {"name": "Smith", "role": "assistant", "model": model, "tools": tools}
    agent |= {"temperature": temperature, "max_tokens": max_tokens}
    # A round-robin team needs two members; the second only acknowledges, briefly.
    other = {"name": "Reviewer", "role": "critic", "model": model, "max_tokens": 8}
    return {"name": name, "agents": [agent, other], "protocol": {"kind": "round_robin", "max_rounds": 1}}


async def session(path: Path, task: str, settings: Settings, seed: int) -> list:
    spec = load_team(path, check_models=False)
    job = TeamJob(spec, task, seed=seed, team_file=path, tools=settings.tools)
    return [event async for event in RunPipeline(job, settings).events()]


def reply_text(events: list) -> str:
    return " | ".join(e.text for e in events if isinstance(e, MessageCompleted))


def run_id(events: list) -> str | None:
    return next((e.run_id for e in events if isinstance(e, RunStarted)), None)


async def one_try(index: int, folder: Path, settings: Settings, args: argparse.Namespace) -> dict:
    task, call_args, expected = TASKS[index % len(TASKS)]
    path = folder / f"try{index}" / "team.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(team(f"maker{index}", ["make_tool"], args.model, args.temperature, args.max_tokens)))
    events = await session(path, task, settings, seed=index)
    authored = [e for e in events if isinstance(e, ToolAuthored)]
    saved = next((e for e in authored if e.ok), None)
    outcome = {"try": index, "task": task, "attempts": len(authored), "saved": saved.name if saved else None}
    outcome |= {"first session id": run_id(events), "first session": reply_text(events)[:600]}
    outcome["problems"] = [e.message[:200] for e in authored if not e.ok]
    if saved is None:
        return outcome
    entry = ToolLibrary(library_path(path)).latest()[saved.name]
    outcome |= {"saved source": entry.source, "saved test": entry.test}
    # A NEW session of the same team: the tool comes from the library beside the team file.
    path.write_text(json.dumps(team(f"maker{index}", [saved.name], args.model, args.temperature, args.max_tokens)))
    later = await session(path, f"What is {saved.name}{call_args}?", settings, seed=1000 + index)
    done = [e for e in later if isinstance(e, ToolCallCompleted) and e.tool == saved.name]
    failed = [e for e in later if isinstance(e, ToolCallFailed) and e.tool == saved.name]
    output = done[0].output if done else None
    outcome |= {"later call ok": bool(done), "later output": output, "later output right": output == expected}
    outcome |= {"later failures": [e.message[:200] for e in failed], "later session id": run_id(later)}
    outcome["later session"] = reply_text(later)[:400]
    return outcome


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="make_tool_proof_"))
    os.environ.setdefault("AGORA_LAB_DATA_DIR", str(folder / "data"))  # the sessions are recorded here
    settings = Settings(local=LocalSettings(device="auto", context_tokens=2048))
    started = time.perf_counter()
    outcomes = []
    for index in range(args.n):
        outcome = await one_try(index, folder, settings, args)
        outcomes.append(outcome)
        print(json.dumps(outcome, ensure_ascii=False), flush=True)
    readable = sum(1 for o in outcomes if o["attempts"])
    saved = sum(1 for o in outcomes if o["saved"])
    used = sum(1 for o in outcomes if o.get("later call ok"))
    right = sum(1 for o in outcomes if o.get("later output right"))
    print(
        f"model {args.model}, temperature {args.temperature}: {readable}/{args.n} tries wrote a make_tool call "
        f"the lab could read; {saved}/{args.n} saved a tool whose test passed; {used}/{saved} later sessions "
        f"called it successfully, {right}/{saved} with the right output; {time.perf_counter() - started:.0f} s; "
        f"sessions in {folder}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="local")
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--temperature", type=float, default=0.3)
    parser.add_argument("--max-tokens", type=int, default=160)
    asyncio.run(main(parser.parse_args()))
