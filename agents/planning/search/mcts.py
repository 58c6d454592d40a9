"""Monte Carlo tree search with UCT, as in Reasoning via Planning (RAP).

Selection follows UCT down the live tree; the leaf is expanded with the policy and the world
model; its children are valued and the best value is backed up the path. A goal's reward is 1.
Once a goal is imagined the search runs as many iterations again, looking for a shorter plan.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

from agents.events import EventBase, PlanBackprop
from agents.planning.search.tree import Node, SearchContext


async def mcts_search(ctx: SearchContext, root: Node) -> AsyncIterator[EventBase]:
    await ctx.evaluate(root)
    iteration, found_at = 0, None
    while ctx.within_budget() and root.pruned is None:
        path = _select(ctx, root)
        reward = await _expand_leaf(ctx, path[-1])
        _backprop(ctx, path, reward)
        iteration += 1
        ctx.snapshot(root, iteration)
        for event in ctx.drain():
            yield event
        if found_at is None and ctx.best_leaf(root).goal:
            found_at = iteration
        if found_at is not None and iteration >= 2 * found_at:
            break


def _select(ctx: SearchContext, root: Node) -> list[Node]:
    path = [root]
    node = root
    while node.expanded and not node.goal:
        if not node.live_children:  # every branch below was cut: nothing left to try here
            if node.pruned is None:
                ctx.prune(node, "dead_end", "every branch below was pruned")
            break
        node = max(node.live_children, key=lambda c: _uct(c, node.visits, ctx.budget.exploration))
        ctx.select(node, "select")
        path.append(node)
    return path


def _uct(child: Node, parent_visits: int, c: float) -> float:
    if child.visits == 0:  # unvisited first, the best-valued of them
        return 1e9 + (child.value or 0.0) + child.prior
    return child.total / child.visits + c * math.sqrt(math.log(max(1, parent_visits)) / child.visits)


async def _expand_leaf(ctx: SearchContext, leaf: Node) -> float:
    if leaf.goal:
        return 1.0
    if leaf.depth >= ctx.budget.max_depth:
        ctx.prune(leaf, "depth", f"depth limit {ctx.budget.max_depth}")
        return 0.0
    children = await ctx.expand(leaf)
    values = [await ctx.evaluate(child) for child in children]
    return max([1.0 if c.goal else v for c, v in zip(children, values)], default=0.0)


def _backprop(ctx: SearchContext, path: list[Node], reward: float) -> None:
    for node in path:
        node.visits += 1
        node.total += reward
    ctx.events.append(
        PlanBackprop(
            node_ids=tuple(n.id for n in path),
            reward=reward,
            visits=tuple(n.visits for n in path),
            values=tuple(n.total / n.visits for n in path),
        )
    )
