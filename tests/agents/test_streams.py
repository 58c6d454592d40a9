import asyncio

from agents.streams import merge_streams


async def _items(name: str, n: int, gate: asyncio.Event | None = None):
    for i in range(n):
        if gate is not None:
            await gate.wait()
        yield f"{name}{i}"


async def _crashing():
    yield "c0"
    raise ValueError("boom")


def _crash(index: int, exc: Exception) -> str:
    return f"crash {index}: {exc}"


def test_every_item_of_every_stream_arrives_and_a_crash_becomes_an_item():
    async def main():
        return [x async for x in merge_streams([_items("a", 3), _crashing(), _items("b", 2)], _crash)]

    got = asyncio.run(main())
    assert sorted(got) == sorted(["a0", "a1", "a2", "c0", "crash 1: boom", "b0", "b1"])
    assert got.index("c0") < got.index("crash 1: boom")


def test_a_consumer_that_stops_early_cancels_the_streams_still_running():
    cancelled = asyncio.Event()

    async def endless():
        try:
            while True:
                yield "e"
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def main():
        merged = merge_streams([endless(), _items("a", 1)], _crash)
        first = await anext(merged)
        await merged.aclose()
        return first, cancelled.is_set()

    first, was_cancelled = asyncio.run(main())
    assert first in ("e", "a0")
    assert was_cancelled
