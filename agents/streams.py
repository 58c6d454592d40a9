"""Interleave concurrent async streams as their items arrive.

Debaters who speak at once, the tool calls of one turn and the samples of an experiment all
run side by side and pass their events on in the order they happen. A stream that raises ends
as the item ``on_crash`` makes of its exception (a crash must surface, never hang the merge);
when the consumer stops early, every stream still running is cancelled and awaited.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


async def merge_streams(
    streams: Sequence[AsyncIterator[T]], on_crash: Callable[[int, Exception], T]
) -> AsyncIterator[T]:
    """Items of all ``streams`` as they come; ``on_crash(index, exc)`` stands in for a crashed one's rest."""
    queue: asyncio.Queue[tuple[bool, T | None]] = asyncio.Queue()

    async def pump(index: int, stream: AsyncIterator[T]) -> None:
        try:
            async for item in stream:
                await queue.put((False, item))
        except Exception as exc:
            await queue.put((False, on_crash(index, exc)))
        finally:
            await queue.put((True, None))

    tasks = [asyncio.create_task(pump(i, s)) for i, s in enumerate(streams)]
    try:
        remaining = len(tasks)
        while remaining:
            finished, item = await queue.get()
            if finished:
                remaining -= 1
            else:
                yield item  # type: ignore[misc]  # only the end marker carries None
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
