"""Print the event stream in a terminal: model text to stdout, everything else to stderr.

Simultaneous turns stream one at a time: the first message started is shown live, the
others are held and printed whole when they complete, so lines never interleave.
"""

from __future__ import annotations

import sys
from typing import TextIO

from agents.events import (
    ContextTrimmed,
    Delegated,
    ErrorEvent,
    EventBase,
    Finished,
    HumanInputRequested,
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
    TokenDelta,
    VerdictReached,
    VoteTallied,
    event_to_json,
)


class EventPrinter:
    def __init__(self, json_lines: bool = False, out: TextIO | None = None, err: TextIO | None = None):
        self.json_lines = json_lines
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._live: str | None = None
        self._held: dict[str, str] = {}

    def show(self, event: EventBase) -> None:
        if self.json_lines:
            self._write(event_to_json(event) + "\n")
        elif isinstance(event, MessageStarted):
            if self._live is None:
                self._live = event.message_id
                self._write(f"{event.agent}: ")
            else:
                self._held[event.message_id] = ""
        elif isinstance(event, TokenDelta):
            if event.message_id == self._live:
                self._write(event.text)
            elif event.message_id in self._held:
                self._held[event.message_id] += event.text
        elif isinstance(event, MessageCompleted):
            self._completed(event)
        else:
            self._status(describe(event))

    def _completed(self, event: MessageCompleted) -> None:
        if event.message_id == self._live:
            self._live = None
            self._write("\n")
        else:
            self._held.pop(event.message_id, None)
            self._write(f"{event.agent}: {event.text}\n")
        approx = "~" if event.usage.estimated else ""
        self._status(
            f"[{event.finish_reason}; {approx}{event.usage.completion_tokens} tokens in {event.latency_s:.2f} s]"
        )

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def _status(self, text: str) -> None:
        if text:
            self.err.write(text + "\n")
            self.err.flush()


def describe(event: EventBase) -> str:
    """One line for a non-message event ("" when it needs none)."""
    if isinstance(event, ModelLoadProgress):
        percent = "" if event.fraction is None else f" {event.fraction:4.0%}"
        return f"[model{percent}] {event.stage}" + (f" ({event.detail})" if event.detail else "")
    if isinstance(event, Notice):
        return f"[{event.level}] {event.text}"
    if isinstance(event, ContextTrimmed):
        return f"[context] {event.dropped_messages} earlier message(s) trimmed to fit {event.context_tokens} tokens"
    if isinstance(event, ErrorEvent):
        return f"error ({event.kind}): {event.message}" + (f"\n  {event.detail}" if event.detail else "")
    if isinstance(event, RunStarted):
        return f"== {event.team.get('name', 'team')} · session {event.run_id} ==\nTask: {event.task}"
    if isinstance(event, RoundStarted):
        return f"-- round {event.round} --"
    if isinstance(event, VerdictReached):
        winner = f", winner {event.winner}" if event.winner else ""
        return f"[{'final judgment' if event.final else 'verdict'}] {event.decision}{winner} ({event.method}): {event.reason}"
    if isinstance(event, VoteTallied):
        return f"[vote] {event.winner or 'no majority'} {event.counts}"
    if isinstance(event, SpeakerSelected):
        return f"[next speaker] {event.speaker} ({event.method})"
    if isinstance(event, Delegated):
        return f"[delegated] {event.manager} -> {event.worker}: {event.subtask}"
    if isinstance(event, HumanInputRequested):
        return f"[waiting for {event.agent}] {event.prompt}"
    if isinstance(event, Terminated):
        return f"[stopped] {event.condition}"
    if isinstance(event, Finished):
        answer = f": {event.final_answer}" if event.final_answer else ""
        return f"== finished ({event.reason}){answer} =="
    return describe_plan(event)


def describe_plan(event: EventBase) -> str:
    """A planning run in a terminal: the start, the real steps, problems and the result (not every node)."""
    if isinstance(event, PlanStarted):
        return (
            f"{event.env} #{event.seed} · {event.algo} · world model {event.world_model} · optimal length {event.optimal_length}\n"
            f"start: {event.initial}\n{event.goal}"
        )
    if isinstance(event, PlanRealStep):
        mark = "ok" if event.match else "DIVERGED: " + "; ".join(event.diff)
        return f"step {event.step}: {event.action}   [{mark}]"
    if isinstance(event, PlanIssue):
        return f"[{event.kind}] {event.text[:100]}"
    if isinstance(event, PlanFinished):
        m = event.metrics
        return (
            f"{'solved' if event.success else 'not solved'} ({event.reason}): {m['plan_length']} steps "
            f"(optimal {m['optimal_length']}), {m['nodes']} nodes, {m['nodes_expanded']} expanded, "
            f"{m['model_calls']} model calls, world-model accuracy {m['wm_accuracy']}"
        )
    return ""
