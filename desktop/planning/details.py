"""What the panel says about one node: its text details and its imagined and real states."""

from __future__ import annotations

from desktop.planning.tree_model import TreeNode


def describe_node(node: TreeNode) -> str:
    c = node.created
    lines = [f"Node {c.node_id} · depth {c.depth} · episode {c.episode}", f"Action: {c.action or '(root)'}"]
    if c.prior is not None:
        lines.append(f"Prior: {c.prior:.3f}")
    lines.append("Value: –" if node.value is None else f"Value: {node.value:.3f} ({node.method})")
    if node.visits:
        lines.append(f"Visits: {node.visits}")
    if c.goal:
        lines.append("Imagined state meets the goal.")
    if node.pruned:
        lines.append(f"Pruned — {node.pruned}")
    if node.on_plan:
        lines.append("On the chosen plan.")
    lines += ["", "State:" if c.parsed else "State (could not be read; the model wrote):", c.state]
    if c.true_state is not None and c.true_state != c.state:
        lines += ["", "The simulator says:", c.true_state]
    if node.real is not None:
        lines += [
            "",
            f"Executed as real step {node.real.step}: "
            + ("as predicted" if node.real.match else "; ".join(node.real.diff)),
        ]
    for title, raw in (("World model output", c.raw_output), ("Value output", node.value_raw)):
        if raw:
            lines += ["", f"{title}:", raw]
    return "\n".join(lines)


def node_states(env, node: TreeNode) -> tuple[dict | None, dict | None, str]:
    """The imagined state's drawing, the real one's, and a line saying where the real one is from."""
    if env is None:
        return None, None, ""
    c = node.created
    imagined = env.parse_state(c.state) if c.parsed else None
    if node.real is not None:
        real_text, note = node.real.actual, f"real: the environment after step {node.real.step}"
    elif c.true_state is not None:
        real_text, note = c.true_state, "real: the exact simulator for the same actions"
    else:
        real_text, note = c.state, "the exact world model: imagined and real agree"
    real = env.parse_state(real_text)
    if imagined is not None and real is not None:
        diff = env.diff(imagined, real)
        note += " · " + ("; ".join(diff) if diff else "no differences")
    return _view(env, imagined), _view(env, real), note


def _view(env, state) -> dict | None:
    return None if state is None else env.view(state)
