"""Replaying a stored session: the same events, paced like the original, no model call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from agents.events import Event, MessageCompleted, TokenDelta
from agents.session.library import SessionLog

MAX_GAP_S = 2.0  # long pauses (a slow model, a human thinking) are shortened on replay


async def replay(log: SessionLog, speed: float = 1.0) -> AsyncIterator[Event]:
    """Yield the session's events; ``speed`` 2.0 is twice as fast, 0 is instant.

    Messages whose deltas were not stored get word-by-word deltas, so a viewer still
    sees them stream.
    """
    shown: dict[str, str] = {}  # text streamed so far per message
    previous_ts: float | None = None
    for event in log.events:
        if speed > 0 and previous_ts is not None:
            await asyncio.sleep(min(MAX_GAP_S, max(0.0, event.ts - previous_ts)) / speed)
        previous_ts = event.ts
        if isinstance(event, TokenDelta):
            shown[event.message_id] = shown.get(event.message_id, "") + event.text
        elif isinstance(event, MessageCompleted):
            # The log keeps deltas coalesced and drops the last partial batch (the completed
            # text has it): stream whatever the viewer has not seen yet, word by word.
            for delta in _word_deltas(event, shown.get(event.message_id, "")):
                yield delta
                if speed > 0:
                    await asyncio.sleep(0.01 / speed)
        yield event


def _word_deltas(done: MessageCompleted, already: str) -> list[TokenDelta]:
    rest = done.text[len(already) :] if done.text.startswith(already) else ""
    pieces = [piece for piece in rest.split(" ")]
    texts = [p if i == 0 else " " + p for i, p in enumerate(pieces)]
    return [TokenDelta(message_id=done.message_id, text=t, ts=done.ts) for t in texts if t]
