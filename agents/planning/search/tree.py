"""The search tree and the context every algorithm works through.

Algorithms never build events themselves: they call ``expand``, ``evaluate``, ``prune`` and
``select`` here, which update the tree and queue the matching events; the algorithm yields
``drain()`` after each step so that a viewer sees the tree grow live.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from agents.events import (
    EventBase,
    PlanIssue,
    PlanIteration,
    PlanNodeCreated,
    PlanNodeEvaluated,
    PlanNodePruned,
    PlanNodeSelected,
    PruneKind,
)
from agents.llm.base import CancelToken
from agents.planning.envs.base import Env, State
from agents.planning.model_calls import Meter
from agents.planning.policy import Policy, Value
from agents.planning.world_model import WorldModel


@dataclass
class Budget:
    max_expansions: int = 500
    max_model_calls: int = 2000
    max_seconds: float = 120.0
    max_depth: int = 24
    beam_width: int = 5
    branching: int = 4  # most actions a model policy proposes per state
    prune_below: float = 0.0  # values at or below this are dead ends
    exploration: float = 1.0  # the UCT constant
    max_real_steps: int = 40


@dataclass(eq=False)
class Node:
    id: int
    parent: Node | None
    action: str | None
    state: State | None  # imagined; None when the prediction could not be read
    true_state: State | None  # the simulator's, for checking the imagined one
    depth: int
    prior: float = 1.0
    value: float | None = None
    visits: int = 0
    total: float = 0.0
    children: list[Node] = field(default_factory=list)
    expanded: bool = False
    pruned: PruneKind | None = None
    goal: bool = False

    def path(self) -> list[Node]:
        node: Node | None = self
        out: list[Node] = []
        while node is not None:
            out.append(node)
            node = node.parent
        return out[::-1]

    @property
    def live_children(self) -> list[Node]:
        return [c for c in self.children if c.pruned is None]


class SearchContext:
    def __init__(
        self,
        env: Env,
        world_model: WorldModel,
        policy: Policy,
        value: Value,
        budget: Budget,
        meter: Meter,
        cancel: CancelToken | None = None,
        exact_model: bool = True,
    ):
        self.env, self.world_model, self.policy, self.value_fn = env, world_model, policy, value
        self.budget, self.meter, self.cancel = budget, meter, cancel or CancelToken()
        self.exact_model = exact_model
        self.nodes: list[Node] = []
        self.expanded = 0
        self.wm_checked = self.wm_correct = 0
        self.episode = 0
        self.seen: dict[State, int] = {}
        self.events: list[EventBase] = []
        self.started = time.perf_counter()
        self.stopped: Literal["cancelled", "budget", "error"] | None = None
        self._best: Node | None = None  # kept up to date so snapshots need no scan

    def drain(self) -> list[EventBase]:
        out, self.events = self.events, []
        return out

    def within_budget(self) -> bool:
        b = self.budget
        if self.cancel.cancelled:
            self.stopped = "cancelled"
        elif (
            self.expanded >= b.max_expansions
            or self.meter.model_calls >= b.max_model_calls
            or time.perf_counter() - self.started > b.max_seconds
        ):
            self.stopped = "budget"
        return self.stopped is None

    def new_root(self, state: State) -> Node:
        self.seen = {state: 0}
        root = self._add(None, None, state, state, "")
        self._best = root
        return root

    def _add(
        self,
        parent: Node | None,
        action: str | None,
        state: State | None,
        true_state: State | None,
        raw: str,
        prior: float | None = None,
    ) -> Node:
        node = Node(
            len(self.nodes), parent, action, state, true_state, 0 if parent is None else parent.depth + 1, prior or 1.0
        )
        node.goal = state is not None and self.env.is_goal(state)
        self.nodes.append(node)
        if parent is not None:
            parent.children.append(node)
        checked = None if self.exact_model or true_state is None else self.env.render(true_state)
        self.events.append(
            PlanNodeCreated(
                node_id=node.id,
                parent=None if parent is None else parent.id,
                action=action,
                state=self.env.render(state) if state is not None else raw,
                depth=node.depth,
                episode=self.episode,
                prior=prior,
                parsed=state is not None,
                goal=node.goal,
                true_state=checked,
                raw_output=raw if not self.exact_model else "",
            )
        )
        return node

    async def expand(self, node: Node) -> list[Node]:
        """Propose actions, imagine each outcome, and add the children (pruning unusable ones)."""
        node.expanded = True
        self.expanded += 1
        proposal = await self.policy.propose(node.state)
        for text in proposal.illegal:
            self.events.append(
                PlanIssue(
                    kind="illegal_action",
                    node_id=node.id,
                    text=text,
                    detail="not a legal action in this state; rejected",
                )
            )
        if proposal.error:
            self.events.append(PlanIssue(kind="model_error", node_id=node.id, text=proposal.error))
        for action, prior in proposal.actions:
            await self._imagine(node, action, prior)
        if not node.live_children and node.pruned is None and not node.goal:
            self.prune(node, "dead_end", "no usable action from here")
        return node.live_children

    async def _imagine(self, node: Node, action: str, prior: float) -> None:
        predicted, info = await self.world_model.step(node.state, action)
        true_next = None if node.true_state is None else self.env.successors(node.true_state).get(action)
        child = self._add(node, action, predicted, true_next, info.raw_output, prior)
        if not self.exact_model:
            self.wm_checked += true_next is not None
            self.wm_correct += true_next is not None and predicted == true_next
        if info.error:
            self.events.append(PlanIssue(kind="model_error", node_id=child.id, text=info.error))
        if predicted is None:
            self.events.append(
                PlanIssue(
                    kind="unparsable_prediction",
                    node_id=child.id,
                    text=info.raw_output[:500],
                    detail="the predicted state could not be read",
                )
            )
            self.prune(child, "unparsable", "the predicted state could not be read")
        elif self.seen.get(predicted, 1 << 30) <= child.depth:
            self.prune(child, "duplicate", "this state was reached before, at least as early")
        else:
            self.seen[predicted] = child.depth

    async def evaluate(self, node: Node) -> float:
        value, raw = await self.value_fn.value(node.state)
        node.value = value
        self._consider(node)
        self.events.append(PlanNodeEvaluated(node_id=node.id, value=value, method=self.value_fn.label, raw_output=raw))
        if value <= self.budget.prune_below and not node.goal and node.parent is not None:
            self.prune(node, "value", f"value {value:.2f} is at or below {self.budget.prune_below:.2f}")
        return value

    def prune(self, node: Node, kind: PruneKind, reason: str) -> None:
        node.pruned = kind
        self.events.append(PlanNodePruned(node_id=node.id, kind=kind, reason=reason))

    def select(self, node: Node, reason) -> None:
        self.events.append(PlanNodeSelected(node_id=node.id, reason=reason))

    def _consider(self, node: Node) -> None:
        if node.state is None or self._best is None:
            return
        if _rank(node) > _rank(self._best):
            self._best = node

    def best_leaf(self, root: Node) -> Node:
        """The shallowest imagined goal, else the best-valued live node (shallowest on ties)."""
        if self._best is not None and self._best.pruned in (None, "depth") and self._best.id >= root.id:
            return self._best
        mine = [n for n in self.nodes[root.id :] if n.state is not None and n.pruned in (None, "depth")] or [root]
        self._best = max(mine, key=_rank)
        return self._best

    def snapshot(self, root: Node, iteration: int) -> None:
        best = self.best_leaf(root)
        self.events.append(
            PlanIteration(
                episode=self.episode,
                iteration=iteration,
                nodes=len(self.nodes),
                expanded=self.expanded,
                model_calls=self.meter.model_calls,
                best_path=tuple(n.id for n in best.path()),
                best_value=best.value,
            )
        )


def _rank(node: Node) -> tuple:
    return (node.goal, -node.depth if node.goal else (node.value or 0.0), -node.depth)
