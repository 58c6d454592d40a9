"""The Agent record: who speaks, in which role, with which model and settings."""

from __future__ import annotations

import unicodedata

from pydantic import Field, field_validator

from agents.events import Record
from agents.memory_settings import MemoryConfig

DEFAULT_MODEL = "local"
RESERVED_NAMES = ("user", "moderator", "selector")
# Names become transcript labels and table cells: no control or invisible format characters
# (NUL, CR, NEL, zero-width, bidi overrides), no line or paragraph separators, no ':'.
REFUSED_NAME_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def name_problem(value: str) -> str | None:
    """Why ``value`` cannot be an agent name (team files and the builder both ask this)."""
    bad = next((ch for ch in value if unicodedata.category(ch) in REFUSED_NAME_CATEGORIES), None)
    if bad is not None:
        what = unicodedata.name(bad, "") or (
            "a control character" if unicodedata.category(bad) == "Cc" else "unassigned"
        )
        return f"an agent name must be visible text on one line; it contains U+{ord(bad):04X} ({what})"
    if ":" in value or value != value.strip():
        return "an agent name must be one line, without ':' or outer spaces"
    if value.lower() in RESERVED_NAMES:
        return f"{value!r} is reserved for the transcript's own labels; choose another name"
    return None


class SteeringSpec(Record):
    """A steering vector for a local-model agent: ``vector`` is a shipped contrast set
    (sentiment, formality, language, agreement), a contrast .json or a saved .npz;
    ``layer`` None means the set's steering layer; a negative strength steers the other way."""

    vector: str = Field(min_length=1)
    layer: int | None = None
    strength: float = Field(default=4.0, ge=-50.0, le=50.0)

    @property
    def label(self) -> str:
        at = "its steering layer" if self.layer is None else f"layer {self.layer}"
        return f"{self.vector} {self.strength:+g} at {at}"


class Agent(Record):
    """A role-based agent. Pure data: protocols decide when it speaks."""

    name: str = Field(min_length=1, max_length=64)
    role: str = Field(default="assistant", min_length=1, max_length=32)
    persona: str = Field(default="", description="System prompt describing the agent")
    model: str = Field(default=DEFAULT_MODEL, description="Model reference, see README")
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    max_tokens: int = Field(default=256, ge=1, le=32768)
    tools: tuple[str, ...] = ()
    steering: SteeringSpec | None = None
    # None (absent from the file): no memory. See agents.memory.records.MemoryConfig.
    memory: MemoryConfig | None = None

    @field_validator("name")
    @classmethod
    def _name_is_a_speaker_label(cls, value: str) -> str:
        # Names become speaker labels in transcript prompts ("Alice: ..."), so they must
        # stay on one line and must not contain the label separator.
        problem = name_problem(value)
        if problem:
            raise ValueError(problem)
        return value
