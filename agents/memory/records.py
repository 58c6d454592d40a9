"""The memory record and an agent's memory settings: pure data, shared by every memory module."""

from __future__ import annotations

import time
from typing import Literal

from pydantic import Field, model_validator

from agents.events import Record, new_id
from agents.memory.events import MemoryKind

MEMORY_KINDS: tuple[MemoryKind, ...] = ("observation", "fact", "reflection", "workflow")
WritePolicy = Literal["model", "rules", "every_turn"]
# The longest text one memory keeps. A 1 MB paste is cut, not refused: the cut is visible in
# the text, and the prompt section is bounded by the token budget anyway.
MAX_TEXT_CHARS = 4000


class Memory(Record):
    """One thing an agent remembers."""

    id: str = Field(default_factory=new_id)
    agent: str
    text: str = Field(min_length=1)
    kind: MemoryKind = "observation"
    importance: float = Field(default=5.0, ge=1.0, le=10.0, description="1 mundane .. 10 poignant (Park et al.)")
    tags: tuple[str, ...] = ()
    # Other memories this one cites (a reflection's sources, a workflow's steps).
    links: tuple[str, ...] = ()
    created: float = Field(default_factory=time.time)
    accessed: float | None = None  # last time a read retrieved it; recency decays from here
    source_session: str | None = None
    source_message: str | None = None
    embedding: tuple[float, ...] | None = None

    @property
    def last_touched(self) -> float:
        return self.accessed if self.accessed is not None else self.created


def clip_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """The text as stored: stripped, and cut with a visible marker when over ``limit``."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: limit - 30].rstrip() + f" … [cut, {len(text)} chars]"


class MemoryConfig(Record):
    """An agent's memory, as the builder and the team file set it."""

    enabled: bool = False
    read_k: int = Field(default=5, ge=0, le=50, description="Memories read into the prompt per turn")
    token_budget: int = Field(default=400, ge=0, le=8000, description="Most tokens the memories section takes")
    write_policy: WritePolicy = "model"
    reflect_every: int = Field(
        default=10, ge=0, le=1000, description="Reflect after this many writes; 0: only at session end"
    )
    # "private": the agent's own memory; "shared": one memory for the whole team.
    scope: Literal["private", "shared"] = "private"
    graph: bool = Field(default=True, description="Expand reads through the knowledge graph")
    # A store that cannot be opened (corrupt, locked, newer): go on without memory, or stop the run.
    on_store_error: Literal["continue", "stop"] = "continue"

    @model_validator(mode="after")
    def _budget_fits_a_memory(self) -> MemoryConfig:
        if self.enabled and self.read_k > 0 and self.token_budget < 40:
            raise ValueError(
                f"memory token_budget {self.token_budget} is too small to show one memory; use 40 or more, or read_k 0"
            )
        return self

    def owner(self, agent: str, team: str) -> str:
        """The store key this agent reads and writes under."""
        return f"team:{team}" if self.scope == "shared" else agent
