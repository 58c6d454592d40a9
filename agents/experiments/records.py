"""What an experiment writes and says: its result rows and its progress events.

Rows go to ``results.jsonl`` as each item finishes; the events are the experiment's own
stream (the panel and the CLI consume it). Neither is written into a session log, so the
session store need not know them.
"""

from __future__ import annotations

import time
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from agents.events import EventBase, Record

Status = Literal["ok", "unanswered", "failed"]


class ResultRow(Record):
    """One item answered by one method with one model and seed."""

    key: str
    item_id: str
    method: str
    model: str  # the model reference, or "mixed" for heterogeneous teams
    seed: int
    status: Status
    expected: str
    answer: str | None = None  # normalised; None when unreadable
    correct: bool = False  # an unanswered or failed item counts as wrong
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    latency_s: float = 0.0
    agents: tuple[str, ...] = ()
    # Debates: each round's normalised answer per agent (same order as ``agents``).
    rounds: tuple[tuple[str | None, ...], ...] = ()
    rounds_correct: tuple[tuple[bool, ...], ...] = ()
    consensus: bool | None = None
    judge_winner: str | None = None
    # The same debate re-judged with the debaters' order swapped and names anonymised.
    judge_swapped_winner: str | None = None
    judge_agreement: bool | None = None
    session: str = ""  # relative to the experiment directory
    run_id: str = ""
    attempts: int = 1
    error: str = ""
    ts: float = Field(default_factory=time.time)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ExperimentStarted(EventBase):
    type: Literal["experiment_started"] = "experiment_started"
    directory: str
    total: int
    done: int  # rows already in the results table (a resumed experiment)
    methods: tuple[str, ...]
    models: tuple[str, ...]
    items: int


class UnitStarted(EventBase):
    type: Literal["experiment_unit_started"] = "experiment_unit_started"
    key: str
    item_id: str
    method: str
    model: str
    seed: int
    session: str


class ExperimentProgress(EventBase):
    type: Literal["experiment_progress"] = "experiment_progress"
    done: int
    total: int
    running: int
    failed: int
    tokens: int
    calls: int
    elapsed_s: float
    eta_s: float | None
    units_per_s: float
    tokens_per_s: float


class UnitFinished(EventBase):
    type: Literal["experiment_unit_finished"] = "experiment_unit_finished"
    row: ResultRow
    progress: ExperimentProgress


class MatchedCompute(EventBase):
    """Self-consistency's N, sized to another method's tokens."""

    type: Literal["experiment_matched"] = "experiment_matched"
    method: str
    model: str
    samples: int
    target_tokens: float
    sample_tokens: float


class ExperimentFinished(EventBase):
    type: Literal["experiment_finished"] = "experiment_finished"
    reason: Literal["completed", "cancelled"]
    done: int
    total: int
    failed: int


ExperimentEvent = Annotated[
    ExperimentStarted | UnitStarted | ExperimentProgress | UnitFinished | MatchedCompute | ExperimentFinished,
    Field(discriminator="type"),
]
EXPERIMENT_EVENT_ADAPTER: TypeAdapter[ExperimentEvent] = TypeAdapter(ExperimentEvent)
