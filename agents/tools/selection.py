"""Tool selection: an agent with more tools than a threshold is offered only the top-k whose
descriptions best match the current turn (BM25, like retrieval over memory). What was offered,
and why, is an event.
"""

from __future__ import annotations

from collections.abc import Sequence

from agents.bm25 import BM25Index, words
from agents.tool_settings import DEFAULT_K, DEFAULT_THRESHOLD
from agents.tools.base import ToolSpec
from agents.tools.events import ToolsOffered


def select_tools(
    specs: Sequence[ToolSpec],
    query: str,
    *,
    message_id: str,
    agent: str,
    threshold: int = DEFAULT_THRESHOLD,
    k: int = DEFAULT_K,
    always: Sequence[str] = (),
) -> tuple[list[ToolSpec], ToolsOffered]:
    """(the tools to offer, the event saying which and why). ``always`` are offered regardless."""
    if len(specs) <= threshold:
        offered = list(specs)
        reason = f"all {len(specs)} tools (no more than the threshold of {threshold})"
        return offered, ToolsOffered(
            message_id=message_id,
            agent=agent,
            offered=tuple(s.name for s in offered),
            available=len(specs),
            reason=reason,
        )
    index = BM25Index(tokenizer=words)
    index.add_many(
        (i, f"{s.name} {s.description} {' '.join(s.parameters.get('properties', {}))}") for i, s in enumerate(specs)
    )
    scores = index.score_vector(query).tolist()
    ranked = sorted(range(len(specs)), key=lambda i: (-scores[i], specs[i].name))
    chosen = [i for i in ranked if specs[i].name in always]
    chosen += [i for i in ranked if i not in chosen and scores[i] > 0][: max(k - len(chosen), 0)]
    if not chosen:  # nothing matched: the first k by name keep the agent able to act
        chosen = sorted(range(len(specs)), key=lambda i: specs[i].name)[:k]
        reason = f"no tool description matched the turn; the first {len(chosen)} of {len(specs)} by name"
    else:
        reason = f"top {len(chosen)} of {len(specs)} by relevance to the turn (BM25 over descriptions)"
    offered = [specs[i] for i in chosen]
    event = ToolsOffered(
        message_id=message_id,
        agent=agent,
        offered=tuple(s.name for s in offered),
        available=len(specs),
        reason=reason,
        scores={specs[i].name: round(scores[i], 3) for i in chosen},
    )
    return offered, event
