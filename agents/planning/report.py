"""The plan part of a session's export: the tree as JSON, a readable plan in Markdown and HTML."""

from __future__ import annotations

import html
from collections.abc import Sequence

from agents.events import (
    EventBase,
    PlanFinished,
    PlanIssue,
    PlanNodeCreated,
    PlanNodeEvaluated,
    PlanNodePruned,
    PlanRealStep,
    PlanStarted,
)

SHOWN_METRICS = (
    "success",
    "plan_length",
    "optimal_length",
    "nodes",
    "nodes_expanded",
    "model_calls",
    "tokens",
    "wm_accuracy",
    "first_divergence_step",
    "first_divergence_depth",
    "false_prune_rate",
    "elapsed_s",
)


def plan_tree(events: Sequence[EventBase]) -> dict | None:
    """Every node with its parent, action, state, value and prune reason (None: not a planning run)."""
    started = next((e for e in events if isinstance(e, PlanStarted)), None)
    if started is None:
        return None
    nodes: dict[int, dict] = {}
    for e in events:
        if isinstance(e, PlanNodeCreated):
            nodes[e.node_id] = {
                "id": e.node_id,
                "parent": e.parent,
                "action": e.action,
                "state": e.state,
                "depth": e.depth,
                "episode": e.episode,
                "parsed": e.parsed,
                "value": None,
                "pruned": None,
            }
        elif isinstance(e, PlanNodeEvaluated) and e.node_id in nodes:
            nodes[e.node_id]["value"] = e.value
        elif isinstance(e, PlanNodePruned) and e.node_id in nodes:
            nodes[e.node_id]["pruned"] = f"{e.kind}: {e.reason}"
    finished = next((e for e in reversed(events) if isinstance(e, PlanFinished)), None)
    return {
        "env": started.env,
        "seed": started.seed,
        "algo": started.algo,
        "world_model": started.world_model,
        "plan": list(finished.plan) if finished else [],
        "metrics": finished.metrics if finished else {},
        "nodes": list(nodes.values()),
    }


def plan_summary(
    events: Sequence[EventBase],
) -> tuple[PlanStarted, list[PlanRealStep], list[PlanIssue], PlanFinished | None] | None:
    started = next((e for e in events if isinstance(e, PlanStarted)), None)
    if started is None:
        return None
    steps = [e for e in events if isinstance(e, PlanRealStep)]
    issues = [e for e in events if isinstance(e, PlanIssue)]
    return started, steps, issues, next((e for e in reversed(events) if isinstance(e, PlanFinished)), None)


def plan_markdown(events: Sequence[EventBase]) -> list[str]:
    summary = plan_summary(events)
    if summary is None:
        return []
    started, steps, issues, finished = summary
    lines = [
        "## Plan",
        "",
        f"*{started.env} #{started.seed} · {started.algo} · world model {started.world_model} · "
        f"policy {started.policy} · value {started.value}*",
        "",
        f"**Start:** {started.initial}",
        "",
        f"**Goal:** {started.goal}",
        "",
    ]
    for s in steps:
        mark = "✓" if s.match else "✗ " + "; ".join(s.diff)
        lines.append(f"{s.step}. {s.action} — {mark}")
    if finished:
        lines += ["", "| metric | value |", "| --- | --- |"] + [
            f"| {k} | {finished.metrics.get(k)} |" for k in SHOWN_METRICS
        ]
    if issues:
        lines += ["", f"{len(issues)} recorded problem(s), e.g. *{issues[0].kind}*: {issues[0].text[:120]}"]
    return lines + [""]


def plan_html(events: Sequence[EventBase]) -> str:
    summary = plan_summary(events)
    if summary is None:
        return ""
    e = html.escape
    started, steps, issues, finished = summary
    parts = [
        f"<section class='card'><h2>Plan</h2><p class='meta'>{e(started.env)} #{started.seed} · {e(started.algo)} · "
        f"world model {e(started.world_model)}</p><p><b>Start:</b> {e(started.initial)}</p><p><b>Goal:</b> {e(started.goal)}</p><ol>"
    ]
    for s in steps:
        status = "✓" if s.match else "✗ " + e("; ".join(s.diff))
        parts.append(f"<li>{e(s.action)} <span class='stats'>{status}</span></li>")
    parts.append("</ol>")
    if finished:
        rows = "".join(f"<tr><td>{k}</td><td>{e(str(finished.metrics.get(k)))}</td></tr>" for k in SHOWN_METRICS)
        parts.append(f"<table>{rows}</table>")
    if issues:
        parts.append(f"<p class='stats'>{len(issues)} recorded problem(s)</p>")
    return "".join(parts) + "</section>"
