"""Planning with the embedded Gemma 3 270M for real: it scores actions and imagines next states.

The model is tiny: this checks that the whole loop runs on it and that its predictions are
checked against the simulator, not that they are right (the benchmark reports how often).
"""

import pytest

from agents.events import PlanFinished, PlanNodeCreated, PlanNodeEvaluated
from agents.planning.run import PlanConfig, PlanRun
from agents.planning.search.tree import Budget

pytestmark = pytest.mark.integration


async def test_a_short_search_with_the_embedded_model_as_policy_and_world_model(embedded):
    config = PlanConfig(
        env="blocksworld",
        seed=1,
        algo="beam",
        world_model="llm",
        policy="llm",
        budget=Budget(max_expansions=1, branching=2, max_real_steps=1),
        env_options={"n_blocks": 3},
    )
    events = [e async for e in PlanRun(config, embedded).run_stream()]
    done = next(e for e in events if isinstance(e, PlanFinished))
    children = [e for e in events if isinstance(e, PlanNodeCreated) and e.parent is not None]
    assert len(children) == 2 and all(c.raw_output for c in children)  # the model wrote each imagined state
    assert all(c.true_state is not None for c in children)  # ... and each was checked against the simulator
    priors = [c.prior for c in children]
    assert priors == sorted(priors, reverse=True) and 0 < sum(priors) <= 1.0 + 1e-6  # scored by log-likelihood
    assert done.metrics["model_calls"] == 3 and done.metrics["wm_steps_checked"] == 2
    assert 0.0 <= done.metrics["wm_accuracy"] <= 1.0 and done.metrics["tokens"] > 0
    assert any(isinstance(e, PlanNodeEvaluated) for e in events)
