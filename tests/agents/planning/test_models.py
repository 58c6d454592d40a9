"""The LLM world model, policy and value with scripted models: bad output is recorded, not fatal."""

import asyncio
import re

from agents.events import (
    PlanFinished,
    PlanIssue,
    PlanNodeCreated,
    PlanNodeEvaluated,
    PlanNodePruned,
    PlanRealStep,
    event_from_json,
    event_to_json,
)
from agents.llm.scripted import ScriptedProvider
from agents.planning.envs import make_env
from agents.planning.run import PlanConfig, PlanRun
from agents.planning.search.tree import Budget

QUERY = re.compile(r"State: (.*)\nAction: (.*)\nNext state:$", re.DOTALL)


def run(config, provider):
    async def collect():
        return [event async for event in PlanRun(config, provider).run_stream()]

    return asyncio.run(collect())


def simulator_model(env, corrupt=lambda action, text: text):
    """A scripted world model that answers with the simulator, optionally corrupted."""

    def reply(request):
        state_text, action = QUERY.search(request.messages[-1].content.rsplit("\n\n", 1)[-1]).groups()
        nxt = env.successors(env.parse_state(state_text)).get(action)
        return corrupt(action, env.render(nxt)) if nxt is not None else "no idea"

    return ScriptedProvider(reply)


def test_a_perfect_llm_world_model_is_checked_step_by_step_and_solves():
    env = make_env("blocksworld", 0)
    events = run(PlanConfig(env="blocksworld", seed=0, algo="beam", world_model="llm"), simulator_model(env))
    done = next(e for e in events if isinstance(e, PlanFinished))
    assert done.success and done.metrics["wm_accuracy"] == 1.0 and done.metrics["wm_steps_checked"] > 10
    assert done.metrics["model_calls"] == done.metrics["wm_steps_checked"]
    assert done.metrics["first_divergence_step"] is None and done.metrics["tokens"] > 0
    created = [e for e in events if isinstance(e, PlanNodeCreated) and e.parent is not None]
    assert all(e.true_state == e.state and e.raw_output for e in created)


def test_unparsable_predictions_are_recorded_and_pruned():
    env = make_env("maze", 1)
    provider = simulator_model(
        env, lambda action, text: "I think you moved somewhere" if action == "move down" else text
    )
    events = run(
        PlanConfig(env="maze", seed=1, algo="beam", world_model="llm", budget=Budget(max_expansions=40)), provider
    )
    issues = [e for e in events if isinstance(e, PlanIssue) and e.kind == "unparsable_prediction"]
    assert issues and issues[0].text == "I think you moved somewhere"
    pruned = {e.node_id for e in events if isinstance(e, PlanNodePruned) and e.kind == "unparsable"}
    assert {i.node_id for i in issues} == pruned
    assert not next(e for e in events if isinstance(e, PlanFinished)).success  # the only way out starts with "down"


def test_a_wrong_prediction_diverges_in_reality_and_triggers_replanning():
    env = make_env("maze", 1)

    def keyless(action, text):
        return text.replace("keys: a", "keys: none")  # forgets picking up the key

    events = run(PlanConfig(env="maze", seed=1, algo="beam", world_model="llm"), simulator_model(env, keyless))
    steps = [e for e in events if isinstance(e, PlanRealStep)]
    done = next(e for e in events if isinstance(e, PlanFinished))
    first_bad = next(s for s in steps if not s.match)
    assert any("keys" in d for d in first_bad.diff)
    assert done.metrics["first_divergence_step"] == first_bad.step
    assert len({e.episode for e in events if isinstance(e, PlanNodeCreated)}) >= 2  # re-planned
    assert done.metrics["wm_accuracy"] < 1.0 and done.metrics["first_divergence_depth"] is not None


def test_illegal_actions_written_by_the_model_are_rejected_and_recorded():
    replies = iter(["1. fly away\n2. pick up the sun\n- move right\n- Move down.", *["move down\nteleport"] * 200])
    provider = ScriptedProvider(lambda request: next(replies))  # cannot score: the policy asks in words
    events = run(PlanConfig(env="maze", seed=1, algo="dfs", policy="llm", budget=Budget(max_expansions=5)), provider)
    illegal = [e.text for e in events if isinstance(e, PlanIssue) and e.kind == "illegal_action"]
    assert illegal[:3] == ["fly away", "pick up the sun", "move right"] and "teleport" in illegal  # right is a wall
    first_children = [e.action for e in events if isinstance(e, PlanNodeCreated) and e.parent == 0]
    assert first_children == ["move down"]


def test_a_model_that_proposes_nothing_legal_ends_the_run_without_a_plan():
    provider = ScriptedProvider(lambda request: "fly away")
    events = run(PlanConfig(env="maze", seed=1, algo="mcts", policy="llm"), provider)
    done = next(e for e in events if isinstance(e, PlanFinished))
    assert not done.success and done.reason == "no_plan" and done.plan == ()
    assert any(isinstance(e, PlanNodePruned) and e.node_id == 0 and e.kind == "dead_end" for e in events)


def test_a_scoring_policy_ranks_legal_actions_by_likelihood():
    provider = ScriptedProvider([], scorer=lambda text: 0.0 if "down" in text else -5.0)
    events = run(PlanConfig(env="maze", seed=1, algo="dfs", policy="llm", budget=Budget(max_expansions=3)), provider)
    first = next(e for e in events if isinstance(e, PlanNodeCreated) and e.parent == 0)
    assert first.action == "move down" and first.prior > 0.9


def test_llm_values_come_from_scoring_sure_likely_impossible():
    provider = ScriptedProvider([], scorer=lambda text: 0.0 if text == " impossible" else -9.0)
    events = run(
        PlanConfig(env="game24", seed=1, algo="beam", value="llm", budget=Budget(max_expansions=2, prune_below=0.05)),
        provider,
    )
    values = [e for e in events if isinstance(e, PlanNodeEvaluated) and e.node_id > 0]
    assert values and all(e.value < 0.01 and e.method == "llm:scripted:scripted" for e in values)
    pruned = {e.node_id for e in events if isinstance(e, PlanNodePruned) and e.kind == "value"}
    assert pruned == {e.node_id for e in values if not e.raw_output}  # every child judged impossible is cut


def test_every_plan_event_round_trips_through_json():
    env = make_env("maze", 1)
    events = run(
        PlanConfig(env="maze", seed=1, algo="mcts", world_model="llm", budget=Budget(max_expansions=30)),
        simulator_model(env),
    )
    kinds = {e.type for e in events}
    assert {
        "plan_started",
        "plan_node_created",
        "plan_node_evaluated",
        "plan_backprop",
        "plan_iteration",
        "plan_real_step",
        "plan_finished",
    } <= kinds
    for event in events:
        assert event_from_json(event_to_json(event)) == event
