"""Print the event stream in a terminal: model text to stdout, everything else to stderr."""

from __future__ import annotations

import sys
from typing import TextIO

from agents.events import (
    ContextTrimmed,
    ErrorEvent,
    EventBase,
    MessageCompleted,
    MessageStarted,
    ModelLoadProgress,
    Notice,
    TokenDelta,
    event_to_json,
)


class EventPrinter:
    def __init__(self, json_lines: bool = False, out: TextIO | None = None, err: TextIO | None = None):
        self.json_lines = json_lines
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def show(self, event: EventBase) -> None:
        if self.json_lines:
            self.out.write(event_to_json(event) + "\n")
            self.out.flush()
            return
        if isinstance(event, TokenDelta):
            self.out.write(event.text)
            self.out.flush()
        elif isinstance(event, MessageStarted):
            self.out.write(f"{event.agent}: ")
            self.out.flush()
        elif isinstance(event, MessageCompleted):
            self.out.write("\n")
            self.out.flush()
            self._status(
                f"[{event.finish_reason}; {event.usage.completion_tokens} tokens in {event.latency_s:.2f} s]"
            )
        else:
            self._status(_describe(event))

    def _status(self, text: str) -> None:
        if text:
            self.err.write(text + "\n")
            self.err.flush()


def _describe(event: EventBase) -> str:
    if isinstance(event, ModelLoadProgress):
        percent = "" if event.fraction is None else f" {event.fraction:4.0%}"
        return f"[model{percent}] {event.stage}" + (f" ({event.detail})" if event.detail else "")
    if isinstance(event, Notice):
        return f"[{event.level}] {event.text}"
    if isinstance(event, ContextTrimmed):
        return f"[context] {event.dropped_messages} earlier message(s) trimmed to fit {event.context_tokens} tokens"
    if isinstance(event, ErrorEvent):
        return f"error ({event.kind}): {event.message}" + (f"\n  {event.detail}" if event.detail else "")
    return ""
