"""An agent's memory settings, as the builder and the team file set them.

Outside ``agents/memory/`` on purpose: ``agents.agent`` needs the record, and every layer
(tools included, which sit beside memory) reads ``agents.agent``; the memory package itself
stays above them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from agents.events import Record

WritePolicy = Literal["model", "rules", "every_turn"]


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
    # The name the memory is kept under, when it is not the agent's (or, shared, the team's) own:
    # renaming an agent in the builder pins its old name here, so the memory follows the agent
    # and the team file says so. None: the current name.
    key: str | None = Field(
        default=None, min_length=1, max_length=64, description="Memory kept under this name (kept on renames)"
    )

    @model_validator(mode="after")
    def _budget_fits_a_memory(self) -> MemoryConfig:
        if self.enabled and self.read_k > 0 and self.token_budget < 40:
            raise ValueError(
                f"memory token_budget {self.token_budget} is too small to show one memory; use 40 or more, or read_k 0"
            )
        return self

    @field_validator("key")
    @classmethod
    def _key_is_one_plain_line(cls, value: str | None) -> str | None:
        if value is not None and (value != value.strip() or not value.isprintable() or value.startswith("team:")):
            raise ValueError("a memory key is one line of visible text, without outer spaces or a 'team:' prefix")
        return value

    def owner(self, agent: str, team: str) -> str:
        """The store key this agent reads and writes under."""
        return f"team:{self.key or team}" if self.scope == "shared" else self.key or agent

    def pinned(self, old_name: str) -> MemoryConfig:
        """The same memory after a rename: kept under ``old_name`` unless already pinned."""
        return self if self.key is not None else self.model_copy(update={"key": old_name})
