"""Print the event stream in a terminal: model text to stdout, everything else to stderr.

Simultaneous turns stream one at a time: the first message started is shown live, the
others are held and printed whole when they complete, so lines never interleave.
Every line is a card from agents.session.render, formatted for a terminal.
"""

from __future__ import annotations

import sys
from typing import TextIO

from agents.events import EventBase, MessageCompleted, MessageStarted, TokenDelta, event_to_json
from agents.session.render import PLAN_KINDS, Card, card_for, message_card

PLAN_ISSUE_CHARS = 100  # an unparsable prediction can be a page of model text
RULES = {"run": "==", "round": "--", "finished": "=="}


class EventPrinter:
    def __init__(self, json_lines: bool = False, out: TextIO | None = None, err: TextIO | None = None):
        self.json_lines = json_lines
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._live: str | None = None
        self._held: dict[str, str] = {}
        self._finished: list[Card] = []

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
        card = message_card(event)
        if event.message_id == self._live:
            self._live = None
            self._write("\n")
            self._status(f"[{card.meta}]")
            for held in self._finished:  # those that ended while this one was still streaming
                self._print_whole(held)
            self._finished.clear()
        elif self._live is not None:
            self._held.pop(event.message_id, None)
            self._finished.append(card)  # printed now, it would land in the middle of the live line
        else:
            self._held.pop(event.message_id, None)
            self._print_whole(card)

    def _print_whole(self, card: Card) -> None:
        self._write(f"{card.title}: {card.body}\n")
        self._status(f"[{card.meta}]")

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def _status(self, text: str) -> None:
        if text:
            self.err.write(text + "\n")
            self.err.flush()


def describe(event: EventBase) -> str:
    """One line for a non-message event ("" when it needs none)."""
    card = card_for(event)
    if card is None or card.kind in ("message", "streaming"):
        return ""
    return terminal_line(card)


def describe_plan(event: EventBase) -> str:
    """A planning run in a terminal: the start, the real steps, problems and the result (not every node)."""
    card = card_for(event)
    return terminal_line(card) if card is not None and card.kind in PLAN_KINDS else ""


def terminal_line(card: Card) -> str:
    """A card as the terminal shows it: a rule, an error, a plan line, or ``[tag] text (meta)``."""
    tag = card.title[:1].lower() + card.title[1:]  # terminal tags read as lower-case labels
    if card.kind in RULES:
        return _rule(card, tag)
    if card.kind in PLAN_KINDS:
        return _plan_line(card, tag)
    if card.kind == "error":
        return f"{tag}: {card.body}" + (f"\n  {card.meta}" if card.meta else "")
    text = " — ".join(part for part in (card.facts_text, card.body) if part)
    return f"[{tag}] {text}" + (f" ({card.meta})" if card.meta else "")


def _rule(card: Card, tag: str) -> str:
    mark = RULES[card.kind]
    if card.kind == "run":
        return f"{mark} {card.title} · {card.meta} {mark}\nTask: {card.body}"
    if card.kind == "finished" and card.body:
        return f"{mark} {tag}: {card.body} ({card.meta}) {mark}"
    return f"{mark} {tag} {mark}"


def _plan_line(card: Card, tag: str) -> str:
    if card.kind == "plan_start":
        return f"{card.title} · {card.meta}\n{card.body}"
    if card.kind == "plan_step":
        return f"{tag}: {card.body}   [{card.meta}]"
    if card.kind == "plan_issue":
        return f"[{tag}] {card.body[:PLAN_ISSUE_CHARS]}"
    return f"{tag}: {card.body}"
