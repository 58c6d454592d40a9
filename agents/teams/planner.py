"""The Planner role: when the task names a planning environment, its turn is a tree search.

"Plan blocksworld seed 3 with mcts" makes an agent whose role is ``planner`` run that search
(its plan events go into the team's stream, so the session stores the tree) and post the plan
as its message. Any other task leaves the planner an ordinary model turn.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Literal, cast

from agents.agent import Agent
from agents.events import Event, Finished, MessageCompleted, MessageStarted, PlanFinished, RunStarted, Usage, new_id
from agents.llm.base import CancelToken, Provider
from agents.memory.team import TeamMemory
from agents.planning.run import Algorithm, PlanConfig, PlanRun
from agents.planning.search.tree import Budget

ENV_NAMES = {
    "blocksworld": "blocksworld",
    "blocks world": "blocksworld",
    "game24": "game24",
    "game of 24": "game24",
    "maze": "maze",
}
ENV_PATTERN = re.compile("|".join(re.escape(name) for name in ENV_NAMES), re.IGNORECASE)
SEED = re.compile(r"\bseed\s*#?\s*(\d+)|#(\d+)", re.IGNORECASE)
ALGO = re.compile(r"\b(mcts|beam|dfs)\b", re.IGNORECASE)
LLM_WORLD = re.compile(r"\b(llm|model) world model\b|\bworld model\s*[:=]?\s*llm\b", re.IGNORECASE)
LLM_POLICY = re.compile(r"\b(llm|model) policy\b|\bpolicy\s*[:=]?\s*llm\b", re.IGNORECASE)
WITHIN = re.compile(r"\bwithin\s+(\d+)\s*(?:s|sec|seconds?)\b", re.IGNORECASE)  # the search's time budget
NUMBERS = re.compile(r"\bnumbers\s*[:=]?\s*(\d+(?:[\s,]+\d+){0,5})", re.IGNORECASE)  # a Game of 24 instance


def planning_problem(task: str, persona: str = "") -> PlanConfig | None:
    """The search a task asks for, or None when it names no planning environment."""
    env = ENV_PATTERN.search(task)
    if env is None:
        return None
    seed = SEED.search(task)
    algo = ALGO.search(task) or ALGO.search(persona)
    world: Literal["llm", "exact"] = "llm" if LLM_WORLD.search(task) or LLM_WORLD.search(persona) else "exact"
    policy: Literal["llm", "all"] = "llm" if LLM_POLICY.search(task) or LLM_POLICY.search(persona) else "all"
    name = ENV_NAMES[env.group(0).lower()]
    numbers = NUMBERS.search(task) if name == "game24" else None
    within = WITHIN.search(task)
    return PlanConfig(
        env=name,
        seed=int(next(g for g in seed.groups() if g)) if seed else 0,
        algo=cast(Algorithm, algo.group(1).lower()) if algo else "mcts",  # the pattern only matches known names
        world_model=world,
        policy=policy,
        env_options={"numbers": tuple(int(n) for n in re.findall(r"\d+", numbers.group(1)))} if numbers else {},
        budget=Budget(max_seconds=float(within.group(1))) if within else Budget(),
    )


async def planner_turn(
    agent: Agent, config: PlanConfig, provider: Provider | None, cancel: CancelToken, memory: TeamMemory | None = None
) -> AsyncIterator[Event]:
    """The search as the planner's turn. With memory, the workflows kept from earlier solved
    problems like this one lead the search (the read says which), and a plan that reaches the
    goal is kept as a workflow in turn."""
    message_id = new_id()
    model = provider.identity.ref if provider is not None else "exact planner"
    yield MessageStarted(message_id=message_id, agent=agent.name, model=model)
    run = PlanRun(config, provider, cancel)
    if memory is not None:
        plans, read = await memory.recall_workflows(agent.name, run.env.goal_text(), message_id)
        run.recall(plans)
        if read is not None:
            yield read
    done: PlanFinished | None = None
    async for event in run.run_stream():
        if isinstance(event, (RunStarted, Finished)):  # the team's run has its own header and end
            continue
        done = event if isinstance(event, PlanFinished) else done
        yield cast(Event, event)  # PlanRun's events are all members of the union
    usage = Usage(completion_tokens=done.metrics.get("tokens", 0) if done else 0)
    if memory is not None and done is not None and done.success:
        kept = await memory.keep_workflow(agent.name, run.env.goal_text(), done.plan, message_id)
        if kept is not None:
            yield kept
    yield MessageCompleted(
        message_id=message_id,
        agent=agent.name,
        model=model,
        text=plan_message(config, done),
        finish_reason="stop",
        usage=usage,
    )


def plan_message(config: PlanConfig, done: PlanFinished | None) -> str:
    if done is None:
        return "The search did not finish."
    m = done.metrics
    verdict = "reaches the goal" if done.success else f"does not reach the goal ({done.reason})"
    lines = [
        f"My {config.algo} search of {config.env} #{config.seed} (world model {config.world_model}) found a plan of "
        f"{m['plan_length']} steps (optimal {m['optimal_length']}) that {verdict}; {m['nodes']} nodes imagined."
    ]
    return "\n".join(lines + [f"{i}. {action}" for i, action in enumerate(done.plan, 1)])
