"""Breadth-first beam search (Tree of Thoughts): expand a level, keep the best k, prune the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator

from agents.events import EventBase
from agents.planning.search.tree import Node, SearchContext


async def beam_search(ctx: SearchContext, root: Node) -> AsyncIterator[EventBase]:
    frontier, iteration = [root], 0
    await ctx.evaluate(root)
    for event in ctx.drain():
        yield event
    while frontier and not root.goal and ctx.within_budget():
        children: list[Node] = []
        for node in frontier:
            if not ctx.within_budget():
                break
            for child in await ctx.expand(node):
                await ctx.evaluate(child)
            children += node.live_children
            for event in ctx.drain():
                yield event
        iteration += 1
        frontier = _keep_best(ctx, children)
        ctx.snapshot(root, iteration)
        for event in ctx.drain():
            yield event
        if any(n.goal for n in frontier):
            return
        if frontier and frontier[0].depth >= ctx.budget.max_depth:
            for node in frontier:
                ctx.prune(node, "depth", f"depth limit {ctx.budget.max_depth}")
            return


def _keep_best(ctx: SearchContext, children: list[Node]) -> list[Node]:
    ranked = sorted(children, key=lambda n: (not n.goal, -(n.value or 0.0)))
    kept, dropped = ranked[: ctx.budget.beam_width], ranked[ctx.budget.beam_width :]
    for node in kept:
        ctx.select(node, "keep")
    for node in dropped:
        ctx.prune(node, "beam", f"ranked below the best {ctx.budget.beam_width}")
    return kept
