"""Collaborating teams: round-robin, model-selected speakers, manager and workers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from agents.agent import Agent
from agents.events import Delegated, Event, Notice, RoundStarted, SpeakerSelected
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams, ProviderError
from agents.spec import ManagerWorkersProtocol, RoundRobinProtocol, SelectorProtocol
from agents.teams.context import RunContext

SELECTOR_PROMPT = (
    "Team members and roles: {roster}.\nPick who should speak next to move the task forward. "
    "Reply with one name from: {names}."
)
# The manager is shown the DELEGATE / DONE lines in the worked example (agents.teams.examples)
# rather than told them: a base model copied "'DELEGATE <worker>: <sub-task>'" as its turn.
# Workers read their line in the manager's turn; only when it delegated nothing usable is a
# worker handed the whole task, and the manager's last call says why it must finish.
WHOLE_TASK = "{manager} named no worker, so {worker} does the whole task."
LAST_CALL = "No sub-tasks are left."
DELEGATE_LINE = re.compile(r"DELEGATE\s+([^:\n]+?)\s*:\s*(.+)", re.IGNORECASE)
DONE_LINE = re.compile(r"^\s*DONE\b[:.!]?", re.MULTILINE)  # "DONE" opening a line, not "ABANDONED"


async def run_round_robin(ctx: RunContext) -> AsyncIterator[Event]:
    protocol: RoundRobinProtocol = ctx.spec.protocol  # type: ignore[assignment]
    for round_number in range(1, protocol.max_rounds + 1):
        ctx.round = round_number
        yield RoundStarted(round=round_number)
        for agent in ctx.spec.agents:
            async for event in ctx.speak(agent):
                yield event
            if ctx.check_termination():
                break
        if ctx.fired:  # a stop word or a limit: the turn that ended the run is still the answer
            break
    ctx.final_answer = ctx.transcript[-1].text if ctx.transcript else None


async def run_selector(ctx: RunContext) -> AsyncIterator[Event]:
    protocol: SelectorProtocol = ctx.spec.protocol  # type: ignore[assignment]
    previous: str | None = None
    for turn_number in range(protocol.max_turns):
        ctx.round = turn_number + 1
        selection = await _select(ctx, previous, turn_number)
        yield selection
        async for event in ctx.speak(ctx.agent(selection.speaker)):
            yield event
        previous = selection.speaker
        if ctx.check_termination():
            break
    ctx.final_answer = ctx.transcript[-1].text if ctx.transcript else None


async def _select(ctx: RunContext, previous: str | None, turn_number: int) -> SpeakerSelected:
    """Ask the selector model; never the same speaker twice; round-robin when unusable."""
    eligible = [a.name for a in ctx.spec.agents if a.name != previous]
    if ctx.prior:  # resuming: the kept transcript already says who spoke next
        return SpeakerSelected(speaker=ctx.prior[0].agent, method="schedule", detail="kept from the parent session")
    # The first agent with a model picks (a human cannot be asked to run the selection).
    # Team files are validated for this (spec.protocol_problems); never a bare next() here.
    selector = next((a for a in ctx.spec.agents if a.name in ctx.providers), None)
    if selector is None:
        return SpeakerSelected(
            speaker=_round_robin_next(ctx, previous), method="fallback", detail="no agent with a model can select"
        )
    provider = ctx.providers[selector.name]
    roster = ", ".join(f"{a.name} ({a.role})" for a in ctx.spec.agents)
    instruction = SELECTOR_PROMPT.format(roster=roster, names=", ".join(eligible))
    messages = ctx.messages_for(selector, ctx.transcript, instruction)
    raw = await _short_reply(provider, messages)
    chosen = next((name for name in eligible if re.search(rf"\b{re.escape(name)}\b", raw, re.IGNORECASE)), None)
    if chosen:
        return SpeakerSelected(speaker=chosen, method="model", detail=raw[:200])
    fallback = _round_robin_next(ctx, previous)
    return SpeakerSelected(speaker=fallback, method="fallback", detail=f"unusable selector reply {raw[:120]!r}")


async def _short_reply(provider, messages: tuple[ChatMessage, ...]) -> str:
    request = CompletionRequest(
        messages=messages, params=GenerationParams(max_tokens=12, temperature=0.0), speaker="Selector"
    )
    text = ""
    try:
        async for event in provider.stream(request):
            if event.type == "message_completed":
                text = event.text
    except ProviderError:
        return ""
    return text


def _round_robin_next(ctx: RunContext, previous: str | None) -> str:
    names = [a.name for a in ctx.spec.agents]
    if previous is None:
        return names[0]
    return names[(names.index(previous) + 1) % len(names)]


async def run_manager_workers(ctx: RunContext) -> AsyncIterator[Event]:
    protocol: ManagerWorkersProtocol = ctx.spec.protocol  # type: ignore[assignment]
    manager = ctx.spec.by_role("manager")[0]
    workers = ctx.spec.by_role("worker")
    delegations, cycle = 0, 0
    while delegations < protocol.max_delegations:
        cycle += 1
        ctx.round = cycle
        yield RoundStarted(round=cycle)
        async for event in ctx.speak(manager):
            yield event
        plan = ctx.transcript[-1].text
        if DONE_LINE.search(plan):
            ctx.final_answer = _after_done(plan)
            return
        if ctx.check_termination():
            return
        assignments: list[tuple[Agent, str | None]] = list(_parse_delegations(plan, workers))
        if not assignments:
            worker = workers[(cycle - 1) % len(workers)]
            yield Notice(
                level="warning", text=f"{manager.name} delegated nothing usable; {worker.name} takes the whole task"
            )
            assignments = [(worker, None)]
        for worker, subtask in assignments[: protocol.max_delegations - delegations]:
            delegations += 1
            yield Delegated(manager=manager.name, worker=worker.name, subtask=subtask or ctx.task)
            told = None if subtask else WHOLE_TASK.format(manager=manager.name, worker=worker.name)
            async for event in ctx.speak(worker, told):
                yield event
            if ctx.check_termination():
                return
    async for event in ctx.speak(manager, LAST_CALL):
        yield event
    ctx.final_answer = _after_done(ctx.transcript[-1].text)


def _after_done(text: str) -> str:
    done = DONE_LINE.search(text)
    return (text[done.end() :].strip() if done else "") or text


def _parse_delegations(text: str, workers: list[Agent]) -> list[tuple[Agent, str]]:
    found = []
    for name, subtask in DELEGATE_LINE.findall(text):
        worker = next((w for w in workers if w.name.lower() == name.strip().lower()), None)
        if worker is not None and subtask.strip():
            found.append((worker, subtask.strip()))
    return found
