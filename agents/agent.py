"""The Agent record: who speaks, in which role, with which model and settings."""

from __future__ import annotations

from pydantic import Field, field_validator

from agents.events import Record

DEFAULT_MODEL = "local"
RESERVED_NAMES = ("user", "moderator", "selector")


class Agent(Record):
    """A role-based agent. Pure data: protocols decide when it speaks."""

    name: str = Field(min_length=1, max_length=64)
    role: str = Field(default="assistant", min_length=1, max_length=32)
    persona: str = Field(default="", description="System prompt describing the agent")
    model: str = Field(default=DEFAULT_MODEL, description="Model reference, see README")
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    max_tokens: int = Field(default=256, ge=1, le=32768)
    tools: tuple[str, ...] = ()

    @field_validator("name")
    @classmethod
    def _name_is_a_speaker_label(cls, value: str) -> str:
        # Names become speaker labels in transcript prompts ("Alice: ..."), so they must
        # stay on one line and must not contain the label separator.
        if "\n" in value or ":" in value or value != value.strip():
            raise ValueError("an agent name must be one line, without ':' or outer spaces")
        if value.lower() in RESERVED_NAMES:
            raise ValueError(f"{value!r} is reserved for the transcript's own labels; choose another name")
        return value
