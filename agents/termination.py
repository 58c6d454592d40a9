"""Termination conditions that compose: ``MaxMessages(10) | TextMention("DONE")``.

A condition looks at the run's state after each message and returns why it fires, or None.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from agents.llm.base import CancelToken
from agents.spec import TerminationSpec


@dataclass
class RunState:
    messages: int = 0
    tokens: int = 0
    last_text: str = ""
    consensus: bool = False
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started


class Condition:
    def check(self, state: RunState) -> str | None:
        raise NotImplementedError

    def __or__(self, other: Condition) -> Condition:
        return AnyOf((self, other))

    def __and__(self, other: Condition) -> Condition:
        return AllOf((self, other))


@dataclass(frozen=True)
class MaxMessages(Condition):
    limit: int

    def check(self, state: RunState) -> str | None:
        return f"max messages ({self.limit})" if state.messages >= self.limit else None


@dataclass(frozen=True)
class TextMention(Condition):
    text: str

    def check(self, state: RunState) -> str | None:
        return f"text mention ({self.text!r})" if self.text in state.last_text else None


@dataclass(frozen=True)
class TokenBudget(Condition):
    limit: int

    def check(self, state: RunState) -> str | None:
        return f"token budget ({state.tokens}/{self.limit})" if state.tokens >= self.limit else None


@dataclass(frozen=True)
class Timeout(Condition):
    seconds: float

    def check(self, state: RunState) -> str | None:
        return f"timeout ({self.seconds:g} s)" if state.elapsed_s >= self.seconds else None


class Consensus(Condition):
    def check(self, state: RunState) -> str | None:
        return "consensus" if state.consensus else None


class ExternalStop(Condition):
    """The GUI's Stop button (or Ctrl-C): fires at once and cancels the message in flight."""

    USER = "stopped by the user"

    def __init__(self) -> None:
        self.token = CancelToken()
        self.reason = self.USER

    def set(self, reason: str = USER) -> None:
        if not self.token.cancelled:
            self.reason = reason
        self.token.cancel()

    @property
    def by_user(self) -> bool:
        return self.token.cancelled and self.reason == self.USER

    def check(self, state: RunState) -> str | None:
        return self.reason if self.token.cancelled else None


@dataclass(frozen=True)
class AnyOf(Condition):
    parts: tuple[Condition, ...]

    def check(self, state: RunState) -> str | None:
        return next((reason for part in self.parts if (reason := part.check(state))), None)


@dataclass(frozen=True)
class AllOf(Condition):
    parts: tuple[Condition, ...]

    def check(self, state: RunState) -> str | None:
        reasons = [part.check(state) for part in self.parts]
        return " and ".join(reasons) if all(reasons) else None  # type: ignore[arg-type]


class Never(Condition):
    def check(self, state: RunState) -> str | None:
        return None


def from_spec(spec: TerminationSpec) -> Condition:
    """The team file's conditions, combined with OR."""
    parts: list[Condition] = []
    if spec.max_messages:
        parts.append(MaxMessages(spec.max_messages))
    if spec.text_mention:
        parts.append(TextMention(spec.text_mention))
    if spec.token_budget:
        parts.append(TokenBudget(spec.token_budget))
    if spec.timeout_s:
        parts.append(Timeout(spec.timeout_s))
    if spec.consensus:
        parts.append(Consensus())
    return AnyOf(tuple(parts)) if parts else Never()
