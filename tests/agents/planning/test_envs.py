"""Each environment's simulator against its exact solver, seeded generation, text round trips."""

import pytest

from agents.planning.envs import ENVS, make_env
from agents.planning.envs.base import IllegalAction, step
from agents.planning.envs.blocksworld import Blocksworld
from agents.planning.envs.game24 import Game24, solvable
from agents.planning.solver import Solver

SEEDS = range(6)


@pytest.mark.parametrize("name", sorted(ENVS))
def test_generation_is_seeded(name):
    assert make_env(name, 3).render(make_env(name, 3).initial) == make_env(name, 3).render(make_env(name, 3).initial)
    renders = {
        make_env(name, seed).render(make_env(name, seed).initial) + make_env(name, seed).goal_text() for seed in SEEDS
    }
    assert len(renders) > 1


@pytest.mark.parametrize("name", sorted(ENVS))
@pytest.mark.parametrize("seed", SEEDS)
def test_the_solvers_plan_reaches_the_goal_in_exactly_the_optimal_number_of_steps(name, seed):
    env = make_env(name, seed)
    solver = Solver(env)
    plan = solver.optimal_plan()
    assert plan is not None and len(plan) == solver.distance(env.initial) > 0
    state = env.initial
    for index, action in enumerate(plan):
        assert not env.is_goal(state)
        assert solver.distance(state) == len(plan) - index
        state = step(env, state, action)
    assert env.is_goal(state) and solver.distance(state) == 0


@pytest.mark.parametrize("name", sorted(ENVS))
def test_distances_are_consistent_with_every_transition(name):
    """Bellman check: d(s) = 1 + min over successors, for every state the solver knows."""
    env = make_env(name, 1)
    solver = Solver(env)
    for state in list(solver._known)[:3000]:
        d = solver.distance(state)
        nexts = [solver.distance(s) for s in env.successors(state).values()]
        if env.is_goal(state):
            assert d == 0
        elif d is None:
            assert all(n is None for n in nexts)
        else:
            assert d == 1 + min(n for n in nexts if n is not None)


@pytest.mark.parametrize("name", sorted(ENVS))
def test_states_render_and_parse_back(name):
    env = make_env(name, 2)
    for state in list(Solver(env)._known)[:300]:
        assert env.parse_state(env.render(state)) == state
        assert env.diff(state, state) == []


@pytest.mark.parametrize("name", sorted(ENVS))
def test_illegal_actions_are_refused(name):
    env = make_env(name, 0)
    with pytest.raises(IllegalAction):
        step(env, env.initial, "fly to the moon")


def test_blocksworld_is_planbench_text_with_three_to_six_blocks():
    sizes = {Blocksworld(seed).n_blocks for seed in range(30)}
    assert sizes <= {3, 4, 5, 6} and len(sizes) >= 3
    env = Blocksworld(0, n_blocks=3)
    text = env.render(env.initial)
    assert "the hand is empty" in text and "block is clear" in text
    assert set(env.successors(env.initial)) <= {
        a for a in env.successors(env.initial) if a.startswith(("pick up", "unstack"))
    }
    assert env.goal_text().startswith("My goal is to have that")


def test_blocksworld_parse_rejects_impossible_states():
    env = Blocksworld(0, n_blocks=3)
    assert env.parse_state("the hand is empty") is None  # blocks missing
    a, b, c = env.blocks
    cycle = f"the {a} block is on top of the {b} block, the {b} block is on top of the {a} block, the {c} block is on the table"
    assert env.parse_state(cycle) is None
    assert env.parse_state("nonsense") is None


def test_game24_instances_are_solvable_and_dead_ends_are_known():
    for seed in SEEDS:
        env = Game24(seed)
        assert solvable(env.initial) and len(env.initial) == 4
    env = Game24(0, numbers=(1, 1, 1, 1))
    assert Solver(env).distance(env.initial) is None and env.heuristic(env.initial) == 0.5
    assert env.heuristic((env.initial[0],)) == 0.0


def test_maze_doors_need_their_keys():
    env = make_env("maze", 1)
    grid = "".join(env.grid)
    assert "A" in grid and "a" in grid
    door = next((r, c) for r, row in enumerate(env.grid) for c, ch in enumerate(row) if ch == "A")
    for dr, dc, move in ((0, -1, "move right"), (0, 1, "move left"), (-1, 0, "move down"), (1, 0, "move up")):
        r, c = door[0] + dr, door[1] + dc
        if env.grid[r][c] not in "#":
            assert move not in env.successors((r, c, ""))
            assert move in env.successors((r, c, "a"))
