"""Depth-first search with pruning: best child first, dead ends and the depth limit cut early."""

from __future__ import annotations

from collections.abc import AsyncIterator

from agents.events import EventBase
from agents.planning.search.tree import Node, SearchContext


async def dfs_search(ctx: SearchContext, root: Node) -> AsyncIterator[EventBase]:
    await ctx.evaluate(root)
    stack, iteration = [root], 0
    while stack and ctx.within_budget():
        node = stack.pop()
        if node.pruned is not None:
            continue
        if node.goal:
            ctx.select(node, "select")
            break
        if node.depth >= ctx.budget.max_depth:
            ctx.prune(node, "depth", f"depth limit {ctx.budget.max_depth}")
            continue
        ctx.select(node, "select")
        for child in await ctx.expand(node):
            await ctx.evaluate(child)
        # Best last, so it is popped first; a goal child is taken at once.
        stack += sorted(node.live_children, key=lambda n: (n.goal, n.value or 0.0))
        iteration += 1
        ctx.snapshot(root, iteration)
        for event in ctx.drain():
            yield event
    for event in ctx.drain():
        yield event
