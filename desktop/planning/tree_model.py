"""The search tree as the panel sees it: built from plan events, laid out in layers.

Plain Python (no Qt): the view subscribes to it. Rebuilding from a prefix of the events is
how the replay slider shows the search as it stood after any iteration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.events import (
    EventBase,
    PlanBackprop,
    PlanIteration,
    PlanNodeCreated,
    PlanNodeEvaluated,
    PlanNodePruned,
    PlanNodeSelected,
    PlanRealStep,
    PlanStarted,
)

X_GAP, Y_GAP = 16.0, 48.0


@dataclass
class TreeNode:
    created: PlanNodeCreated
    value: float | None = None
    method: str = ""
    value_raw: str = ""
    pruned: str | None = None
    on_plan: bool = False
    visits: int = 0
    children: list[int] = field(default_factory=list)
    real: PlanRealStep | None = None
    x: float = 0.0
    y: float = 0.0


class PlanTreeModel:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.started: PlanStarted | None = None
        self.nodes: dict[int, TreeNode] = {}
        self.roots: list[int] = []
        self.iterations: list[PlanIteration] = []
        self.steps: list[PlanRealStep] = []

    def apply(self, event: EventBase) -> None:
        if isinstance(event, PlanNodeCreated):
            self.nodes[event.node_id] = TreeNode(event)
            parent = self.nodes.get(event.parent) if event.parent is not None else None
            (parent.children.append(event.node_id) if parent else self.roots.append(event.node_id))
            return
        node_id = getattr(event, "node_id", None)
        node = self.nodes.get(node_id) if node_id is not None else None
        if isinstance(event, PlanNodeEvaluated) and node:
            node.value, node.method, node.value_raw = event.value, event.method, event.raw_output
        elif isinstance(event, PlanNodePruned) and node:
            node.pruned = f"{event.kind}: {event.reason}"
        elif isinstance(event, PlanNodeSelected) and node and event.reason == "plan":
            node.on_plan = True
        elif isinstance(event, PlanBackprop):
            for node_id, visits in zip(event.node_ids, event.visits):
                if node_id in self.nodes:
                    self.nodes[node_id].visits = visits
        elif isinstance(event, PlanRealStep):
            self.steps.append(event)
            if node:
                node.real = event
        elif isinstance(event, PlanIteration):
            self.iterations.append(event)
        elif isinstance(event, PlanStarted):
            self.clear()
            self.started = event

    def layout(self, aspect: float = 0.0) -> None:
        """Layers by depth; leaves side by side; a parent centred over its children.

        ``aspect`` (height/width of the view) stretches the layers apart so that a wide,
        shallow tree still fills the view instead of becoming a thin strip.
        """
        next_x = 0.0
        for root in self.roots:
            stack = [(root, False)]
            while stack:
                node_id, done = stack.pop()
                node = self.nodes[node_id]
                if not node.children:
                    node.x, next_x = next_x, next_x + X_GAP
                elif done:
                    node.x = (self.nodes[node.children[0]].x + self.nodes[node.children[-1]].x) / 2
                else:
                    stack.append((node_id, True))
                    stack.extend((c, False) for c in reversed(node.children))
            next_x += 2 * X_GAP  # a gap between re-planning episodes
        depth = max((n.created.depth for n in self.nodes.values()), default=0)
        gap = max(Y_GAP, aspect * next_x / depth) if depth else Y_GAP
        for node in self.nodes.values():
            node.y = node.created.depth * gap

    def best_path(self) -> list[int]:
        return list(self.iterations[-1].best_path) if self.iterations else []
