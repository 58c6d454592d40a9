"""Shared pieces of the tools tests."""

import asyncio

from agents.tools.base import Tool, ToolSpec


def waiting_pair() -> list[Tool]:
    """Tools "a" and "b", each returning only once the other has started: run one after the
    other they would never finish, so finishing proves they ran concurrently."""
    started = {"a": asyncio.Event(), "b": asyncio.Event()}

    def waiting(me: str, other: str) -> Tool:
        async def run(args):
            started[me].set()
            await started[other].wait()
            return me

        return Tool(ToolSpec(name=me, description=me), run, time_limit_s=30)

    return [waiting("a", "b"), waiting("b", "a")]
