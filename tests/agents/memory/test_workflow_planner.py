"""The planner reads workflow memories: a solved Game of 24 is kept as a workflow, and a later
run on a similar instance reads it (an event says which) and asks the model fewer times."""

from agents.events import PlanStarted
from agents.llm.scripted import ScriptedProvider
from agents.memory.records import Memory, MemoryConfig
from agents.memory.reflect import workflow_steps, workflow_text
from agents.memory.store import MemoryStore
from agents.memory.team import TeamMemory
from agents.planning.policy import AllActions, RecalledPolicy
from agents.planning.run import PlanRun
from agents.teams.planner import planning_problem
from tests.bench.workflow_proof import prove, run_once


def scorer(candidate: str) -> float:
    """A policy with no idea of arithmetic, the same every time."""
    return -float(sum(map(ord, candidate)) % 7)


def provider() -> ScriptedProvider:
    return ScriptedProvider(lambda r: "Looks right.", scorer=scorer)


async def test_a_similar_instance_reuses_the_workflow_with_fewer_model_calls(tmp_path):
    first, second, baseline = await prove(provider(), "1 2 3 4", "1 2 3 5", str(tmp_path))
    assert first.solved and first.workflow_kept and first.workflows_read == 0
    assert second.solved and second.workflows_read == 1 and second.policy.endswith("+workflow memory")
    assert baseline.solved and baseline.workflows_read == 0 and not baseline.memory
    assert second.planning_calls < baseline.planning_calls and second.model_calls < baseline.model_calls
    assert second.message_calls == baseline.message_calls == 1  # the critic's turn, in both
    with MemoryStore(tmp_path / "memory" / "memory.sqlite3") as store:
        kept = store.memories("Planner", kind="workflow")  # oldest first: run 1's, then run 2's own
    assert [workflow_steps(w.text) for w in kept] == [list(first.plan), list(second.plan)]
    assert "1 2 3 4" in kept[0].text and "1 2 3 5" in kept[1].text


async def test_without_a_stored_workflow_the_read_is_empty_and_nothing_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("AGORA_LAB_DATA_DIR", str(tmp_path))
    with_memory = await run_once(provider(), "2 3 4 6", True)
    without = await run_once(provider(), "2 3 4 6", False)
    assert with_memory.workflows_read == 0 and with_memory.planning_calls == without.planning_calls


async def test_only_workflows_are_recalled_and_their_steps_come_back(tmp_path):
    path = str(tmp_path / "m.db")
    with MemoryStore(path) as store:
        store.add(Memory(agent="P", text="Use 1 2 3 4 and + - * / to obtain 24 is a puzzle I like."))
        store.add(
            Memory(agent="P", text=workflow_text("Use 1 2 3 4 and + - * / to obtain 24", ["a", "b"]), kind="workflow")
        )
    team, _ = await TeamMemory.open("t", {"P": MemoryConfig(enabled=True)}, {}, "s", path)
    plans, read = await team.recall_workflows("P", "Use 1 2 3 5 and + - * / to obtain 24", "m1")
    assert plans == [["a", "b"]] and read is not None and [i.kind for i in read.items] == ["workflow"]
    assert read.message_id == "m1" and read.tokens == 0
    team.close()


async def test_recalled_steps_lead_and_the_other_actions_stay_reachable():
    run = PlanRun(planning_problem("game24 numbers 1 2 3 4"))
    recalled = RecalledPolicy(run.env, AllActions(run.env), [["1 + 2 = 3", "not an action"]])
    proposal = await recalled.propose(run.env.initial)
    assert proposal.actions[0] == ("1 + 2 = 3", 1.0)
    assert {a for a, _ in proposal.actions} == set(run.env.successors(run.env.initial))  # still complete
    narrow = RecalledPolicy(run.env, AllActions(run.env), [["1 + 2 = 3"]], width=3)
    assert len((await narrow.propose(run.env.initial)).actions) == 3
    later = run.env.successors(run.env.initial)["1 * 2 = 2"]  # no recalled step applies: the inner policy
    assert (await recalled.propose(later)).actions == (await AllActions(run.env).propose(later)).actions
    run.recall([["1 + 2 = 3"]])
    started = next(e for e in run.headers() if isinstance(e, PlanStarted))
    assert started.policy == "all+workflow memory"


def test_the_task_names_the_numbers_and_the_model_policy():
    config = planning_problem("Plan the game of 24 with numbers 4, 7, 8 8, using the llm policy, within 900 s.")
    assert config.env_options == {"numbers": (4, 7, 8, 8)} and config.policy == "llm"
    assert config.budget.max_seconds == 900 and planning_problem("maze").budget.max_seconds == 120
    assert planning_problem("blocksworld seed 2").env_options == {} and planning_problem("maze").policy == "all"
