"""A planning run: imagine with a search in the world model, act in the real environment.

``async for event in PlanRun(config, provider).run_stream()`` plans from the real state, takes
the chosen plan's actions one by one in the exact simulator, records predicted against actual
after each, and re-plans (a new tree) as soon as reality differs from the prediction.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from agents import __version__
from agents.events import (
    ErrorEvent,
    EventBase,
    Finished,
    PlanEnd,
    PlanFinished,
    PlanRealStep,
    PlanStarted,
    RunEnd,
    RunStarted,
    new_id,
)
from agents.llm.base import CancelToken, Provider, ProviderError
from agents.planning.envs import make_env
from agents.planning.envs.base import Env, State
from agents.planning.metrics import run_metrics
from agents.planning.model_calls import Meter
from agents.planning.policy import AllActions, HeuristicValue, LLMPolicy, LLMValue, Policy, RecalledPolicy, Value
from agents.planning.search.beam import beam_search
from agents.planning.search.dfs import dfs_search
from agents.planning.search.mcts import mcts_search
from agents.planning.search.tree import Budget, Node, SearchContext
from agents.planning.solver import Solver
from agents.planning.world_model import ExactWorldModel, LLMWorldModel, WorldModel

ALGORITHMS = {"beam": beam_search, "dfs": dfs_search, "mcts": mcts_search}


Algorithm = Literal["beam", "dfs", "mcts"]


@dataclass
class PlanConfig:
    env: str = "blocksworld"
    seed: int = 0
    algo: Algorithm = "mcts"
    world_model: Literal["exact", "llm"] = "exact"
    policy: Literal["all", "llm"] = "all"
    value: Literal["heuristic", "llm"] = "heuristic"
    budget: Budget = field(default_factory=Budget)
    env_options: dict = field(default_factory=dict)

    @property
    def needs_model(self) -> bool:
        return "llm" in (self.world_model, self.policy, self.value)

    def title(self) -> str:
        return f"Planning · {self.env} #{self.seed} · {self.algo} · world model {self.world_model}"


class PlanRun:
    def __init__(
        self,
        config: PlanConfig,
        provider: Provider | None = None,
        cancel: CancelToken | None = None,
        run_id: str | None = None,
        solve_exactly: bool = True,
    ):
        if config.algo not in ALGORITHMS:
            raise ValueError(f"unknown search algorithm {config.algo!r}; choose one of {', '.join(ALGORITHMS)}")
        if config.needs_model and provider is None:
            raise ValueError("this planner asks a model (world model, policy or value): give it a provider")
        self.config, self.provider = config, provider
        self.env: Env = make_env(config.env, config.seed, **config.env_options)
        self.meter = Meter(cancel=cancel)
        self.run_id = run_id or new_id()
        self.ctx = SearchContext(
            self.env, *self._parts(), config.budget, self.meter, cancel, config.world_model == "exact"
        )
        self.solver = Solver(self.env) if solve_exactly else None
        self.plan: list[str] = []  # the actions taken for real
        self.real_state: State = self.env.initial
        self.first_divergence: int | None = None  # the real step whose outcome first surprised
        self._steps: list[EventBase] = []

    def _parts(self) -> tuple[WorldModel, Policy, Value]:
        c, env, p = self.config, self.env, self.provider
        world: WorldModel = ExactWorldModel(env)
        policy: Policy = AllActions(env)
        value: Value = HeuristicValue(env)
        if p is not None:  # __init__ refused a model-asking config without one
            world = world if c.world_model == "exact" else LLMWorldModel(env, p, self.meter)
            policy = policy if c.policy == "all" else LLMPolicy(env, p, self.meter, c.budget.branching)
            value = value if c.value == "heuristic" else LLMValue(env, p, self.meter)
        return world, policy, value

    def recall(self, plans: Sequence[Sequence[str]]) -> None:
        """Let stored workflows' steps lead the search (before ``run_stream``; see RecalledPolicy)."""
        if plans:
            width = None if self.config.policy == "all" else self.config.budget.branching
            self.ctx.policy = RecalledPolicy(self.env, self.ctx.policy, plans, width)

    def headers(self) -> list[EventBase]:
        c = self.config
        model = self.provider.identity.model_dump(exclude_none=True) if self.provider and c.needs_model else {}
        team = {"name": c.title(), "kind": "planning", "agents": [{"name": "Planner", "role": "planner"}]}
        return [
            RunStarted(
                run_id=self.run_id,
                team=team,
                task=self.env.goal_text(),
                models={"Planner": model} if model else {},
                seed=c.seed,
                app_version=__version__,
            ),
            PlanStarted(
                run_id=self.run_id,
                env=c.env,
                seed=c.seed,
                env_options=c.env_options,
                algo=c.algo,
                world_model=self.ctx.world_model.label,
                policy=self.ctx.policy.label,
                value=self.ctx.value_fn.label,
                budget=asdict(c.budget),
                initial=self.env.render(self.env.initial),
                goal=self.env.goal_text(),
                optimal_length=self.solver.distance(self.env.initial) if self.solver else None,
            ),
        ]

    async def run_stream(self) -> AsyncIterator[EventBase]:
        for event in self.headers():
            yield event
        self.ctx.started = time.perf_counter()  # the exact solver's set-up is not search time
        try:
            async for event in self._act():
                yield event
        except ProviderError as exc:  # a model failure ends the run cleanly, with what it had
            yield ErrorEvent(kind=exc.kind, message=exc.message)
            self.ctx.stopped = "error"
        if self.ctx.cancel.cancelled:  # also when Stop cut a model call and the search ran dry
            self.ctx.stopped = "cancelled"
        yield self._finished()
        reason: RunEnd = (
            "cancelled" if self.ctx.stopped == "cancelled" else "error" if self.ctx.stopped == "error" else "completed"
        )
        yield Finished(reason=reason, final_answer="\n".join(self.plan) or None)

    async def _act(self) -> AsyncIterator[EventBase]:
        real = self.env.initial
        while (
            not self.env.is_goal(real)
            and len(self.plan) < self.config.budget.max_real_steps
            and self.ctx.within_budget()
        ):
            root = self.ctx.new_root(real)
            async for event in ALGORITHMS[self.config.algo](self.ctx, root):
                yield event
            chosen = self.ctx.best_leaf(root).path()[1:]
            if not chosen:
                break
            for node in chosen:
                self.ctx.select(node, "plan")
            for event in self.ctx.drain():
                yield event
            real, diverged = self._execute(real, chosen)
            for event in self._steps:
                yield event
            self.ctx.episode += 1
            if not diverged and self.ctx.stopped:
                break

    def _execute(self, real: State, chosen: list[Node]) -> tuple[State, bool]:
        """Take the plan's actions for real until the goal, the end, or the first surprise."""
        self._steps = []
        for node in chosen:
            assert node.action is not None  # a chosen path never includes the root
            actual = self.env.successors(real).get(node.action)
            if actual is None:  # the imagined world allowed what the real one does not
                self._record(node, real, ("illegal in the real environment",))
                return real, True
            diff = (
                tuple(self.env.diff(node.state, actual))
                if node.state is not None
                else ("the prediction could not be read",)
            )
            self.plan.append(node.action)
            self._record(node, actual, diff)
            real = actual
            if diff or self.env.is_goal(real) or len(self.plan) >= self.config.budget.max_real_steps:
                return real, bool(diff)
        return real, False

    def _record(self, node: Node, actual: State, diff: tuple[str, ...]) -> None:
        if diff and self.first_divergence is None:
            self.first_divergence = len(self.plan)
        assert node.action is not None
        predicted = None if node.state is None else self.env.render(node.state)
        self._steps.append(
            PlanRealStep(
                step=len(self.plan),
                action=node.action,
                node_id=node.id,
                predicted=predicted,
                actual=self.env.render(actual),
                diff=diff,
                match=not diff,
            )
        )
        self.real_state = actual

    def _finished(self) -> PlanFinished:
        success = self.env.is_goal(self.real_state)
        reason: PlanEnd = (
            "goal"
            if success
            else self.ctx.stopped or ("max_steps" if len(self.plan) >= self.config.budget.max_real_steps else "no_plan")
        )
        metrics = run_metrics(self.ctx, self.solver, success, self.plan, self.first_divergence)
        return PlanFinished(success=success, reason=reason, plan=tuple(self.plan), metrics=metrics)
