"""An experiment's versioned configuration: task set x methods x models x seeds.

It is stored as ``config.json`` in the experiment directory; resuming reads it back, and a
different configuration is refused in a directory that already holds results.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from agents.events import Record
from agents.experiments.methods import parse_methods

EXPERIMENT_VERSION = 1
CONFIG_FILE = "config.json"


class ExperimentConfigError(ValueError):
    """A configuration that cannot run; the message names the file and field."""


class TaskSource(Record):
    name: str = "arithmetic"  # a generated task set, or a path to a .jsonl file
    n: int = Field(default=50, ge=1, le=100_000)
    seed: int = 0


class ExperimentConfig(Record):
    version: int = EXPERIMENT_VERSION
    tasks: TaskSource = TaskSource()
    methods: tuple[str, ...] = Field(default=("single", "cot", "debate3x2"), min_length=1)
    models: tuple[str, ...] = Field(default=("local",), min_length=1)
    seeds: tuple[int, ...] = Field(default=(0,), min_length=1)
    concurrency: int = Field(default=4, ge=1, le=256)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    max_tokens: int = Field(default=192, ge=8, le=8192)  # per reply that reasons
    answer_tokens: int = Field(default=32, ge=4, le=1024)  # per reply of `single`
    retries: int = Field(default=1, ge=0, le=10)  # a failed item is tried this many more times
    judge_bias: bool = True  # re-judge each judged debate with the order swapped, names hidden

    @field_validator("methods")
    @classmethod
    def _known_methods(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(m.name for m in parse_methods(value))


def save_config(config: ExperimentConfig, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CONFIG_FILE).write_text(config.model_dump_json(indent=2), encoding="utf-8")


def load_config(directory: Path) -> ExperimentConfig:
    path = directory / CONFIG_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExperimentConfigError(f"{directory}: not an experiment directory (no {CONFIG_FILE})") from None
    except json.JSONDecodeError as exc:
        raise ExperimentConfigError(f"{path}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if isinstance(data, dict) and isinstance(data.get("version"), int) and data["version"] > EXPERIMENT_VERSION:
        raise ExperimentConfigError(f"{path}: version {data['version']} is newer than this Agora Lab understands")
    try:
        return ExperimentConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '(top level)'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise ExperimentConfigError(f"{path}: {problems}") from None


def differences(old: ExperimentConfig, new: ExperimentConfig) -> list[str]:
    """Fields that differ in a way that would change results already in the table.

    Concurrency may change on resume, and the number of items may grow: generated items are
    a prefix of the same seeded sequence and a file's first lines stay its first lines."""
    a, b = old.model_dump(), new.model_dump()
    changed = [k for k in a if k not in ("concurrency", "tasks") and a[k] != b.get(k)]
    grown = {**a["tasks"], "n": b["tasks"]["n"]} == b["tasks"] and b["tasks"]["n"] >= a["tasks"]["n"]
    return changed + ([] if grown else ["tasks"])
