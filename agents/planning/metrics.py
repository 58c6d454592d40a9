"""Run metrics, checked against the exact solver."""

from __future__ import annotations

import time

from agents.planning.search.tree import SearchContext
from agents.planning.solver import Solver

# Prunes that judge a branch (not bookkeeping such as duplicates or unreadable predictions).
JUDGING_PRUNES = ("value", "beam", "depth", "dead_end")


def run_metrics(
    ctx: SearchContext, solver: Solver | None, success: bool, plan: list[str], first_divergence: int | None
) -> dict:
    elapsed = time.perf_counter() - ctx.started
    metrics = {
        "success": success,
        "plan_length": len(plan),
        "optimal_length": solver.distance(ctx.env.initial) if solver else None,
        "nodes": len(ctx.nodes),
        "nodes_expanded": ctx.expanded,
        "model_calls": ctx.meter.model_calls,
        "tokens": ctx.meter.tokens,
        "elapsed_s": round(elapsed, 4),
        "nodes_per_s": round(len(ctx.nodes) / elapsed, 1) if elapsed > 0 else None,
        "wm_steps_checked": ctx.wm_checked,
        "wm_accuracy": round(ctx.wm_correct / ctx.wm_checked, 4) if ctx.wm_checked else None,
        "first_divergence_step": first_divergence,
        "first_divergence_depth": _first_wrong_depth(ctx),
    }
    metrics.update(_prune_metrics(ctx, solver))
    return metrics


def _first_wrong_depth(ctx: SearchContext) -> int | None:
    """The shallowest tree depth at which an imagined state differs from the simulator's."""
    if ctx.exact_model:
        return None
    wrong = [
        n.depth for n in ctx.nodes if n.true_state is not None and n.parent is not None and n.state != n.true_state
    ]
    return min(wrong, default=None)


def _prune_metrics(ctx: SearchContext, solver: Solver | None) -> dict:
    judged = [n for n in ctx.nodes if n.pruned in JUDGING_PRUNES and n.true_state is not None]
    if solver is None:
        return {"pruned": len(judged), "false_prunes": None, "false_prune_rate": None}
    false = sum(1 for n in judged if solver.solvable(n.true_state))
    return {
        "pruned": len(judged),
        "false_prunes": false,
        "false_prune_rate": round(false / len(judged), 4) if judged else None,
    }
