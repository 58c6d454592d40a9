"""Search algorithms on small instances with the exact world model, budgets, pruning metrics."""

import asyncio

import pytest

from agents.events import (
    Finished,
    PlanFinished,
    PlanIteration,
    PlanNodeCreated,
    PlanNodePruned,
    PlanRealStep,
    PlanStarted,
    RunStarted,
)
from agents.planning.run import PlanConfig, PlanRun
from agents.planning.search.tree import Budget


def run(config: PlanConfig, provider=None):
    async def collect():
        return [event async for event in PlanRun(config, provider).run_stream()]

    return asyncio.run(collect())


def finished(events) -> PlanFinished:
    return next(e for e in events if isinstance(e, PlanFinished))


@pytest.mark.parametrize("env", ["blocksworld", "maze", "game24"])
@pytest.mark.parametrize("seed", [1, 2])
def test_a_wide_beam_finds_the_optimal_plan(env, seed):
    events = run(PlanConfig(env=env, seed=seed, algo="beam", budget=Budget(beam_width=10_000, max_expansions=20_000)))
    done = finished(events)
    assert done.success and done.reason == "goal"
    assert done.metrics["plan_length"] == done.metrics["optimal_length"]


@pytest.mark.parametrize("algo", ["dfs", "mcts"])
@pytest.mark.parametrize("env", ["blocksworld", "maze", "game24"])
def test_dfs_and_mcts_solve_small_instances(algo, env):
    for seed in (0, 1, 2):
        done = finished(run(PlanConfig(env=env, seed=seed, algo=algo, budget=Budget(max_expansions=5000))))
        assert done.success, (env, seed, done.reason)
        assert done.metrics["plan_length"] >= done.metrics["optimal_length"]


def test_mcts_finds_the_optimum_on_a_small_blocksworld():
    done = finished(run(PlanConfig(env="blocksworld", seed=0, algo="mcts")))
    assert done.metrics["plan_length"] == done.metrics["optimal_length"] == 4


def test_the_stream_is_a_well_formed_session_with_a_growing_tree():
    events = run(PlanConfig(env="maze", seed=1, algo="mcts"))
    assert isinstance(events[0], RunStarted) and isinstance(events[1], PlanStarted)
    assert isinstance(events[-1], Finished) and events[-1].reason == "completed"
    created = [e for e in events if isinstance(e, PlanNodeCreated)]
    ids = {e.node_id for e in created}
    assert created[0].parent is None and all(e.parent in ids for e in created[1:])
    iterations = [e for e in events if isinstance(e, PlanIteration)]
    assert [i.iteration for i in iterations] == list(range(1, len(iterations) + 1))
    assert iterations[-1].nodes == len(created)
    steps = [e for e in events if isinstance(e, PlanRealStep)]
    assert steps and all(s.match and s.predicted == s.actual for s in steps)  # the exact model never diverges
    assert events[-1].final_answer == "\n".join(finished(events).plan)


def test_a_search_over_budget_stops_cleanly_with_its_best_plan_so_far():
    events = run(PlanConfig(env="blocksworld", seed=2, algo="beam", budget=Budget(max_expansions=3, beam_width=2)))
    done = finished(events)
    assert not done.success and done.reason == "budget"
    assert done.metrics["nodes_expanded"] == 3
    assert 0 < len(done.plan) < done.metrics["optimal_length"]  # it acted on the best partial plan
    assert isinstance(events[-1], Finished) and events[-1].reason == "completed"


def test_value_pruning_on_game24_is_measured_against_the_solver():
    events = run(PlanConfig(env="game24", seed=0, algo="dfs"))
    pruned = [e for e in events if isinstance(e, PlanNodePruned) and e.kind == "value"]
    done = finished(events)
    assert pruned and done.metrics["pruned"] >= len(pruned)
    # The game-24 heuristic only cuts exact dead ends (two numbers that cannot make 24).
    assert done.metrics["false_prunes"] == 0


def test_beam_pruning_of_solvable_states_counts_as_false_prunes():
    done = finished(run(PlanConfig(env="blocksworld", seed=2, algo="beam", budget=Budget(beam_width=2))))
    assert done.metrics["pruned"] > 0 and done.metrics["false_prune_rate"] == 1.0  # every blocksworld state is solvable


def test_cancelling_stops_between_iterations():
    from agents.llm.base import CancelToken

    cancel = CancelToken()

    async def collect():
        out = []
        async for event in PlanRun(PlanConfig(env="blocksworld", seed=2, algo="mcts"), cancel=cancel).run_stream():
            out.append(event)
            if isinstance(event, PlanIteration) and event.iteration == 3:
                cancel.cancel()
        return out

    events = asyncio.run(collect())
    assert finished(events).reason == "cancelled" and events[-1].reason == "cancelled"
    assert max(e.iteration for e in events if isinstance(e, PlanIteration)) == 3


def test_unknown_algorithm_or_missing_model_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown search algorithm"):
        PlanRun(PlanConfig(algo="astar"))
    with pytest.raises(ValueError, match="provider"):
        PlanRun(PlanConfig(world_model="llm"))


def test_stop_interrupts_a_model_call_in_flight():
    """The run's stop token reaches the world model's generation, so Stop does not wait for it."""
    from agents.llm.base import CancelToken
    from agents.llm.scripted import ScriptedProvider

    cancel = CancelToken()
    slow = ScriptedProvider(lambda request: " ".join(["word"] * 200_000), delay_s=0.001)  # minutes if not stopped

    async def collect():
        async def stop_soon():
            while not slow.requests:
                await asyncio.sleep(0.001)
            await asyncio.sleep(0.05)
            cancel.cancel()

        stopper = asyncio.ensure_future(stop_soon())
        events = [
            e
            async for e in PlanRun(
                PlanConfig(env="blocksworld", seed=1, algo="beam", world_model="llm"), slow, cancel=cancel
            ).run_stream()
        ]
        await stopper
        return events

    events = asyncio.run(asyncio.wait_for(collect(), 120))  # a hang guard far below the unstopped run
    assert finished(events).reason == "cancelled" and len(slow.requests) == 1
