"""Forking a session at message k (optionally with other settings), and resuming a failed one."""

from __future__ import annotations

from agents.events import MessageCompleted
from agents.session.library import SessionLog
from agents.spec import TeamSpec, parse_team


def kept_messages(log: SessionLog, at_message: int) -> list[MessageCompleted]:
    """The first ``at_message`` completed messages, which the fork keeps without model calls."""
    if not 0 <= at_message <= len(log.messages):
        raise ValueError(f"message index {at_message} is outside 0..{len(log.messages)}")
    return log.messages[:at_message]


def team_of(log: SessionLog, model_override: str | None = None, temperature: float | None = None) -> TeamSpec:
    """The session's team, with changed settings applied to every agent."""
    if log.header is None:
        raise ValueError(f"session {log.session_id} has no header; it cannot be forked")
    spec = parse_team(log.header.team, f"session {log.session_id}", check_models=model_override is None)
    changes: dict[str, object] = {}
    if model_override:
        changes["model"] = model_override
    if temperature is not None:
        changes["temperature"] = temperature
    if changes:
        # Validated, not copied: a fork with an out-of-range setting must fail before it runs.
        data = spec.model_dump(mode="json")
        data["agents"] = [{**a, **changes} if a["role"] != "human" else a for a in data["agents"]]
        spec = parse_team(data, f"fork of {log.session_id}", check_models=model_override is None)
    return spec
