"""A team's Planner runs a search for its turn and posts the plan; other tasks stay model turns."""

import asyncio

from agents.events import MessageCompleted, PlanFinished, PlanNodeCreated, RunStarted
from agents.llm.scripted import ScriptedProvider
from agents.spec import parse_team
from agents.teams.planner import planning_problem
from agents.teams.run import TeamRun

TEAM = {
    "name": "plan and check",
    "agents": [
        {"name": "Planner", "role": "planner", "persona": "Search with beam."},
        {"name": "Critic", "role": "critic"},
    ],
    "protocol": {"kind": "round_robin", "max_rounds": 1},
}


def run_team(task):
    providers = {
        "Planner": ScriptedProvider(lambda r: "1. think hard"),
        "Critic": ScriptedProvider(lambda r: "Looks right. APPROVED"),
    }

    async def collect():
        return [e async for e in TeamRun(parse_team(TEAM), providers).run_stream(task)]

    return asyncio.run(collect())


def test_the_planner_searches_and_posts_the_plan_as_its_message():
    events = run_team("Plan the maze seed 1.")
    messages = [e for e in events if isinstance(e, MessageCompleted)]
    assert [m.agent for m in messages] == ["Planner", "Critic"]
    done = next(e for e in events if isinstance(e, PlanFinished))
    assert done.success and "found a plan of 12 steps (optimal 12)" in messages[0].text
    assert messages[0].text.splitlines()[1] == f"1. {done.plan[0]}"
    assert "beam search of maze #1" in messages[0].text  # the algorithm came from the persona
    assert sum(isinstance(e, RunStarted) for e in events) == 1 and any(isinstance(e, PlanNodeCreated) for e in events)


def test_a_task_without_an_environment_is_an_ordinary_turn():
    events = run_team("Plan how to move a piano.")
    assert not any(isinstance(e, PlanFinished) for e in events)
    assert next(e for e in events if isinstance(e, MessageCompleted)).text == "1. think hard"


def test_tasks_are_read_for_environment_seed_algorithm_and_world_model():
    config = planning_problem("Solve blocksworld #4 with dfs and an llm world model")
    assert (config.env, config.seed, config.algo, config.world_model) == ("blocksworld", 4, "dfs", "llm")
    assert planning_problem("game of 24, seed 2").env == "game24" and planning_problem("nothing") is None
