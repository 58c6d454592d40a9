"""The memory record and an agent's memory settings: pure data, shared by every memory module."""

from __future__ import annotations

import time

from pydantic import Field

from agents.events import Record, new_id
from agents.memory.events import MemoryKind
from agents.memory_settings import MemoryConfig as MemoryConfig  # re-exported: it lives there
from agents.memory_settings import WritePolicy as WritePolicy

MEMORY_KINDS: tuple[MemoryKind, ...] = ("observation", "fact", "reflection", "workflow")
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
