"""Events as cards: the one rendering that the terminal, the exports and the conversation view format.

A card says what an event means to a reader (a title, a body, a few facts, one line of meta,
who it is from and in which colour); the outputs only decide how a card looks. Events nobody
reads (token deltas, search-tree nodes) have no card.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from agents.events import (
    ContextTrimmed,
    Delegated,
    ErrorEvent,
    EventBase,
    Finished,
    HumanInputRequested,
    MemoryModelCall,
    MemoryRead,
    MemoryReflected,
    MemoryUnavailable,
    MemoryWriteUnreadable,
    MemoryWritten,
    MessageCompleted,
    MessageStarted,
    ModelLoadProgress,
    Notice,
    PlanFinished,
    PlanIssue,
    PlanRealStep,
    PlanStarted,
    RoundStarted,
    RunStarted,
    SpeakerSelected,
    Terminated,
    VerdictReached,
    VoteTallied,
)
from agents.memory.describe import describe_memory_event
from agents.tools.cards import TOOL_TRANSCRIPT_KINDS, tool_card
from agents.tools.events import TOOL_EVENTS

# One colour per agent, readable on a light page and on a dark window.
AGENT_COLOURS = ("#2563eb", "#dc2626", "#059669", "#9333ea", "#d97706", "#0891b2", "#db2777", "#4d7c0f")
Tone = Literal["info", "warning", "verdict", "final", "error"]
# A card's fill and border on a light page, by tone; "info" cards are bare text.
TONE_COLOURS: dict[str, tuple[str | None, str | None]] = {
    "info": (None, None),
    "warning": ("#fff7ed", "#fdba74"),
    "verdict": ("#eef2ff", "#a5b4fc"),
    "final": ("#fffbeb", "#f59e0b"),
    "error": ("#fef2f2", "#fca5a5"),
}
# What belongs in a transcript (the exports and the conversation view); the terminal shows every card.
# A turn's recalled memories show under it; writes and reflections go to the export's Memory section.
MEMORY_IN_TRANSCRIPT = frozenset({"memory_read", "memory_problem"})
TRANSCRIPT_KINDS = (
    frozenset({"round", "message", "verdict", "vote", "notice", "delegated", "error", "stopped", "finished"})
    | TOOL_TRANSCRIPT_KINDS
    | MEMORY_IN_TRANSCRIPT
)
PLAN_KINDS = frozenset({"plan_start", "plan_step", "plan_issue", "plan_result"})


@dataclass(frozen=True)
class Card:
    """What one event says to a reader; every output formats these fields and nothing else."""

    kind: str  # message, round, verdict, vote, notice, error, plan_step, ... (see card_for)
    title: str
    body: str = ""
    meta: str = ""  # one small line: tokens and timing, how a verdict was read, ...
    facts: tuple[tuple[str, str], ...] = ()  # the few key/values to emphasise (a verdict's winner)
    agent: str = ""
    colour: str = ""  # the agent's colour; "" when the card is nobody's
    message_id: str | None = None
    tone: Tone = "info"

    @property
    def facts_text(self) -> str:
        return " · ".join(f"{key}: {value}" for key, value in self.facts)


def agent_colour(name: str, index: int | None = None) -> str:
    """The palette entry for an agent: by its place in the team, else stable by its name."""
    if index is None:
        index = zlib.crc32(name.encode("utf-8"))  # not hash(): the same colour in every process
    return AGENT_COLOURS[index % len(AGENT_COLOURS)]


class CardMaker:
    """Cards for one run's stream: agents keep their team's colours, newcomers the next ones free."""

    def __init__(self, agents: Iterable[str] = ()):
        self.colours: dict[str, str] = {}
        for name in agents:
            self.colour(name)

    def colour(self, agent: str) -> str:
        return self.colours.setdefault(agent, agent_colour(agent, len(self.colours)))

    def card(self, event: EventBase) -> Card | None:
        if isinstance(event, RunStarted):
            for name in team_agents(event.team):
                self.colour(name)
        return card_for(event, self.colour)


def team_agents(team: dict) -> list[str]:
    return [str(agent.get("name", "")) for agent in team.get("agents", [])]


def transcript(events: Iterable[EventBase], maker: CardMaker | None = None) -> list[Card]:
    """The cards a reader of a whole session sees, in order, coloured by the team's order."""
    maker = maker or CardMaker()
    cards = (maker.card(event) for event in events)
    return [card for card in cards if card is not None and in_transcript(card)]


def in_transcript(card: Card) -> bool:
    return card.kind in TRANSCRIPT_KINDS and (card.kind != "finished" or bool(card.body))


def card_for(event: EventBase, colour: Callable[[str], str] = agent_colour) -> Card | None:
    """The card for one event (None: nothing to show); ``colour`` names each agent's colour."""
    make = _MAKERS.get(type(event))
    return None if make is None else make(event, colour)


def message_stats(event: MessageCompleted) -> str:
    approx = "~" if event.usage.estimated else ""
    steered = f" · steered: {event.steering}" if event.steering else ""
    return f"{approx}{event.usage.completion_tokens} tokens · {event.latency_s:.2f} s · {event.model}{steered} · {event.finish_reason}"


def message_card(event: MessageCompleted, colour: Callable[[str], str] = agent_colour) -> Card:
    return Card(
        "message",
        event.agent,
        event.text,
        message_stats(event),
        agent=event.agent,
        colour=colour(event.agent),
        message_id=event.message_id,
    )


def started_card(event: MessageStarted, colour: Callable[[str], str] = agent_colour) -> Card:
    # A message still being written: the model is all there is to say about it yet.
    return Card(
        "streaming",
        event.agent,
        "",
        event.model,
        agent=event.agent,
        colour=colour(event.agent),
        message_id=event.message_id,
    )


def _verdict(event: VerdictReached, colour: Callable[[str], str]) -> Card:
    title = "Final judgment" if event.final else f"Verdict after round {event.round}"
    facts: list[tuple[str, str]] = [("decision", event.decision)]
    facts += [("winner", event.winner)] if event.winner else []
    facts += [("answer", event.answer)] if event.answer else []
    confidence = "" if event.confidence is None else f"confidence {event.confidence:.2f} · "
    return Card(
        "verdict",
        title,
        event.reason,
        f"{confidence}read by {event.method}",
        tuple(facts),
        agent=event.judge,
        colour=colour(event.judge),
        tone="final" if event.final else "verdict",
    )


def _vote(event: VoteTallied, colour: Callable[[str], str]) -> Card:
    counts = " · ".join(f"{name} {count}" for name, count in event.counts.items())
    if event.winner:
        return Card("vote", "Majority vote", meta=counts, facts=(("winner", event.winner),), tone="final")
    return Card("vote", "Majority vote", "no majority", counts, tone="final")


def _error(event: ErrorEvent, colour: Callable[[str], str]) -> Card:
    return Card(
        "error", f"Error ({event.kind})", event.message, event.detail, message_id=event.message_id, tone="error"
    )


def _notice(event: Notice, colour: Callable[[str], str]) -> Card:
    warning = event.level == "warning"
    return Card("notice", "Warning" if warning else "Note", event.text, tone="warning" if warning else "info")


def _load(event: ModelLoadProgress, colour: Callable[[str], str]) -> Card:
    percent = "" if event.fraction is None else f" {event.fraction:4.0%}"
    return Card("load", f"Model{percent}", event.stage, event.detail)


def _trimmed(event: ContextTrimmed, colour: Callable[[str], str]) -> Card:
    body = f"{event.dropped_messages} earlier message(s) trimmed to fit {event.context_tokens} tokens"
    return Card("context", "Context", body, message_id=event.message_id, tone="warning")


def _run(event: RunStarted, colour: Callable[[str], str]) -> Card:
    return Card("run", str(event.team.get("name", "team")), event.task, f"session {event.run_id}")


def _round(event: RoundStarted, colour: Callable[[str], str]) -> Card:
    return Card("round", f"Round {event.round}")


def _speaker(event: SpeakerSelected, colour: Callable[[str], str]) -> Card:
    return Card(
        "speaker", "Next speaker", event.speaker, event.method, agent=event.speaker, colour=colour(event.speaker)
    )


def _delegated(event: Delegated, colour: Callable[[str], str]) -> Card:
    return Card(
        "delegated", f"Delegated to {event.worker}", event.subtask, agent=event.manager, colour=colour(event.manager)
    )


def _human(event: HumanInputRequested, colour: Callable[[str], str]) -> Card:
    return Card("human", f"Waiting for {event.agent}", event.prompt, agent=event.agent, colour=colour(event.agent))


def _terminated(event: Terminated, colour: Callable[[str], str]) -> Card:
    return Card("stopped", "Stopped", event.condition)


def _finished(event: Finished, colour: Callable[[str], str]) -> Card:
    title = "Final answer" if event.final_answer else f"Finished ({event.reason})"
    return Card("finished", title, event.final_answer or "", event.reason, tone="final")


def _plan_started(event: PlanStarted, colour: Callable[[str], str]) -> Card:
    return Card(
        "plan_start",
        f"{event.env} #{event.seed} · {event.algo}",
        f"start: {event.initial}\n{event.goal}",
        f"world model {event.world_model} · optimal length {event.optimal_length}",
    )


def _plan_step(event: PlanRealStep, colour: Callable[[str], str]) -> Card:
    mark = "ok" if event.match else "DIVERGED: " + "; ".join(event.diff)
    return Card("plan_step", f"Step {event.step}", event.action, mark, tone="info" if event.match else "warning")


def _plan_issue(event: PlanIssue, colour: Callable[[str], str]) -> Card:
    return Card("plan_issue", event.kind.replace("_", " ").capitalize(), event.text, event.detail, tone="warning")


def _plan_finished(event: PlanFinished, colour: Callable[[str], str]) -> Card:
    m = event.metrics
    body = (
        f"{m.get('plan_length', len(event.plan))} steps (optimal {m.get('optimal_length')}), {m.get('nodes')} nodes, "
        f"{m.get('nodes_expanded')} expanded, {m.get('model_calls')} model calls, world-model accuracy {m.get('wm_accuracy')}"
    )
    title = f"{'Solved' if event.success else 'Not solved'} ({event.reason})"
    return Card("plan_result", title, body, tone="final" if event.success else "error")


def _tool(event: EventBase, colour: Callable[[str], str]) -> Card:
    made = tool_card(event)
    assert made is not None  # only tool events are routed here
    return Card(
        made.kind,
        made.title,
        made.body,
        made.meta,
        made.facts,
        agent=made.agent,
        colour=colour(made.agent) if made.agent else "",
        message_id=made.message_id,
        tone=made.tone,
    )


def _memory(event: EventBase, colour: Callable[[str], str]) -> Card:
    described = describe_memory_event(event)
    assert described is not None  # only memory events are registered here
    title, body, meta = described
    kind, tone = _MEMORY_KINDS[type(event)]
    agent = str(getattr(event, "agent", ""))
    message_id = getattr(event, "message_id", None) or getattr(event, "source_message", None)
    return Card(kind, title, body, meta, agent=agent, colour=colour(agent), message_id=message_id, tone=tone)


_MEMORY_KINDS: dict[type, tuple[str, Tone]] = {
    MemoryRead: ("memory_read", "info"),
    MemoryWritten: ("memory_write", "info"),
    MemoryReflected: ("memory_reflection", "info"),
    MemoryWriteUnreadable: ("memory_problem", "warning"),
    MemoryUnavailable: ("memory_problem", "warning"),
    MemoryModelCall: ("memory_call", "info"),
}


_MAKERS: dict[type, Callable[..., Card]] = {
    **dict.fromkeys(TOOL_EVENTS, _tool),
    MessageCompleted: message_card,
    MessageStarted: started_card,
    VerdictReached: _verdict,
    VoteTallied: _vote,
    ErrorEvent: _error,
    Notice: _notice,
    ModelLoadProgress: _load,
    ContextTrimmed: _trimmed,
    RunStarted: _run,
    RoundStarted: _round,
    SpeakerSelected: _speaker,
    Delegated: _delegated,
    HumanInputRequested: _human,
    Terminated: _terminated,
    Finished: _finished,
    PlanStarted: _plan_started,
    PlanRealStep: _plan_step,
    PlanIssue: _plan_issue,
    PlanFinished: _plan_finished,
    **dict.fromkeys(_MEMORY_KINDS, _memory),
}
