"""What an experiment runs: its items, and one unit per item x method x model x seed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agents.experiments.byo import load_jsonl
from agents.experiments.config import ExperimentConfig
from agents.experiments.job import ItemJob
from agents.experiments.methods import Method, parse_methods
from agents.experiments.store import unit_key
from agents.experiments.tasks import TASK_SETS, TaskItem, example_for, generate

MIXED = "mixed"  # the model column of a heterogeneous team


@dataclass(frozen=True)
class Unit:
    item: TaskItem
    method: Method
    model: str  # the results' model column ("mixed" for heterogeneous teams)
    refs: tuple[str, ...]
    seed: int

    def job(self, config: ExperimentConfig) -> ItemJob:
        """A fresh job for one attempt (a retry gets a new run id and session)."""
        example = example_for(config.tasks.name, self.item, reasoning=self.method.kind != "single")
        return ItemJob(
            self.item,
            self.method,
            self.refs,
            example,
            seed=self.seed,
            temperature=config.temperature,
            max_tokens=config.max_tokens,
            answer_tokens=config.answer_tokens,
            judge_bias=config.judge_bias,
        )

    def columns(self) -> dict[str, str | int]:
        """What identifies this unit in a result row and in its events."""
        return {
            "key": self.key,
            "item_id": self.item.id,
            "method": self.method.name,
            "model": self.model,
            "seed": self.seed,
        }

    @property
    def key(self) -> str:
        return unit_key(self.item.id, self.method.name, self.model, self.seed)


def load_items(config: ExperimentConfig) -> list[TaskItem]:
    source = config.tasks
    if source.name in TASK_SETS:
        return generate(source.name, source.n, source.seed)
    if source.name.endswith(".jsonl") or Path(source.name).exists():
        return load_jsonl(source.name, source.n)
    return generate(source.name, source.n, source.seed)  # raises: unknown task set


def plan_units(config: ExperimentConfig, items: Sequence[TaskItem], methods: Sequence[Method]) -> list[Unit]:
    """Item by item, every method on each: an experiment stopped early (or still running) has
    the same items for every method, so its comparisons are paired and its bars comparable."""
    units = []
    for seed in config.seeds:
        for item in items:
            for method in methods:
                models = [(MIXED, tuple(config.models))] if method.mixes_models else [(m, (m,)) for m in config.models]
                units += [Unit(item, method, model, refs, seed) for model, refs in models]
    return units


def planned_total(config: ExperimentConfig, items: Sequence[TaskItem] | None = None) -> int:
    """How many runs the whole experiment holds (every item x method x model x seed)."""
    chosen = load_items(config) if items is None else items
    return len(plan_units(config, chosen, parse_methods(config.methods)))
