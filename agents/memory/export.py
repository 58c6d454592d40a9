"""An agent's whole memory as JSON (complete, re-readable) or Markdown (for people)."""

from __future__ import annotations

import datetime as dt

from agents.memory.records import MEMORY_KINDS, Memory
from agents.memory.schema import SCHEMA_VERSION
from agents.memory.store import MemoryStore


def memory_to_dict(store: MemoryStore, agent: str) -> dict:
    mentions, relations = store.graph_rows(agent)
    return {
        "agent": agent,
        "schema_version": SCHEMA_VERSION,
        "memories": [m.model_dump(mode="json", exclude={"embedding"}) for m in store.memories(agent)],
        "history": store.history(agent),
        "graph": {
            "mentions": [{"memory_id": m, "entity": e} for m, e in mentions],
            "relations": [{"memory_id": m, "head": h, "relation": r, "tail": t} for m, h, r, t in relations],
        },
    }


def when(ts: float | None) -> str:
    return "" if ts is None else dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def describe(memory: Memory) -> str:
    """One line for lists: id, kind, importance, time, the text's first line."""
    first = memory.text.splitlines()[0] if memory.text else ""
    return f"{memory.id}  {memory.kind:11s}  {memory.importance:4.1f}  {when(memory.created)}  {first[:90]}"


def memory_to_markdown(store: MemoryStore, agent: str) -> str:
    memories = store.memories(agent)
    lines = [f"# Memory of {agent}", "", f"{len(memories)} memories."]
    for kind in MEMORY_KINDS:
        of_kind = [m for m in memories if m.kind == kind]
        if not of_kind:
            continue
        lines += ["", f"## {kind.capitalize()} ({len(of_kind)})", ""]
        for m in of_kind:
            source = f" — from session {m.source_session}, message {m.source_message}" if m.source_session else ""
            cites = f" — cites {', '.join(m.links)}" if m.links else ""
            text = m.text.replace("\n", "\n  ")
            lines.append(f"- **{m.importance:.0f}** {text} _({when(m.created)}, `{m.id}`{source}{cites})_")
    return "\n".join(lines) + "\n"
