"""The builder's draft: live validation, edits that follow renames, and the round trip to a team file."""

import pytest

from agents.spec import DebateProtocol, Link, ManagerWorkersProtocol, TeamFileError, load_team, load_template, save_team
from agents.team_draft import TeamDraft
from agents.teams.context import RunContext, Turn
from agents.termination import ExternalStop, MaxMessages


def debate_draft() -> TeamDraft:
    draft = TeamDraft().with_card("debater", (0, 0)).with_card("debater", (200, 0))
    return draft.with_card("judge", (100, 150))


def test_an_empty_draft_says_to_drag_agents():
    assert TeamDraft().problems() == ["drag agents from the palette onto the canvas"]


def test_a_debate_without_judge_says_what_is_missing_until_one_is_dropped():
    draft = TeamDraft().with_card("debater", (0, 0))
    problems = " ".join(draft.problems())
    assert "two or more agents with role 'debater' (has 1)" in problems
    assert "exactly one agent with role 'judge' (has 0)" in problems
    draft = draft.with_card("debater", (1, 1))
    assert [a.name for a in draft.agents] == ["Debater", "Debater 2"]
    assert draft.with_card("judge", (2, 2)).problems() == []
    with pytest.raises(TeamFileError, match="judge"):
        draft.to_spec()


def test_a_rename_follows_through_links_and_positions():
    draft = debate_draft().with_link("Judge", "Debater").with_link("Debater", "Debater 2")
    assert draft.links[0].kind == "judges" and draft.links[1].kind == "speaks_to"
    renamed = draft.with_agent_changed("Debater", name="Pro")
    assert {(k.source, k.target) for k in renamed.links} == {("Judge", "Pro"), ("Pro", "Debater 2")}
    assert renamed.position("Pro") == (0, 0)
    with pytest.raises(ValueError, match="already called"):
        renamed.with_agent_changed("Pro", name="Judge")
    with pytest.raises(ValueError, match="reserved"):
        renamed.with_agent_changed("Pro", name="user")


def test_removing_an_agent_removes_its_links():
    draft = debate_draft().with_link("Judge", "Debater").without_agent("Debater")
    assert draft.links == () and "Debater" not in dict(draft.positions)


def test_a_link_to_itself_or_twice_is_ignored():
    draft = debate_draft().with_link("Judge", "Judge").with_link("Judge", "Debater").with_link("Judge", "Debater")
    assert len(draft.links) == 1


def test_changing_a_judge_role_makes_its_judges_link_a_problem():
    draft = debate_draft().with_link("Judge", "Debater").with_agent_changed("Judge", role="critic")
    assert any("its role is 'critic'" in p for p in draft.problems())


def test_draft_to_file_and_back_keeps_links_layout_and_protocol(tmp_path):
    draft = debate_draft().with_link("Judge", "Debater").moved("Judge", (321.0, 12.5))
    draft = draft.with_protocol(DebateProtocol(max_rounds=5)).renamed("My debate")
    path = tmp_path / "team.json"
    save_team(draft.to_spec(), path)
    loaded = TeamDraft.from_spec(load_team(path))
    assert loaded == draft


def test_every_template_opens_as_a_valid_draft():
    for name in ("debate_with_judge", "manager_workers", "round_robin"):
        spec = load_template(name)
        assert TeamDraft.from_spec(spec).to_spec() == spec.model_copy(
            update={"layout": TeamDraft.from_spec(spec).to_spec().layout}
        )


def test_manager_workers_problems_update_live():
    draft = TeamDraft().with_protocol(ManagerWorkersProtocol()).with_card("manager", (0, 0))
    assert draft.problems() == ["manager and workers needs at least one 'worker'"]
    assert draft.with_card("worker", (0, 0)).problems() == []


def test_speaks_to_links_decide_what_each_agent_hears():
    spec = debate_draft().with_link("Debater", "Debater 2").with_link("Judge", "Debater").to_spec()
    assert spec.heard_by("Debater 2") == {"Debater 2", "Debater"}
    assert spec.heard_by("Judge") == {"Judge", "Debater"}
    context = RunContext(spec, {}, "task", MaxMessages(5), ExternalStop())
    turns = [Turn("Debater", "pro", "1", 1), Turn("Debater 2", "contra", "2", 1)]
    heard_by_judge = [m.content for m in context.messages_for(spec.agents[2], turns, None)]
    assert "pro" in heard_by_judge and "contra" not in heard_by_judge
    everyone = debate_draft().to_spec()
    assert everyone.heard_by("Judge") is None
    assert Link(source="a", target="b").kind == "speaks_to"


def test_a_steered_agent_cannot_move_to_a_remote_model_nor_a_remote_one_be_steered():
    from agents.agent import SteeringSpec

    draft = debate_draft()
    steered = draft.with_agent_changed("Debater", steering=SteeringSpec(vector="agreement"))
    assert steered.agent("Debater").steering == SteeringSpec(vector="agreement")
    with pytest.raises(ValueError, match=r"steering needs a local model.*Debater uses 'openai:gpt-4o'.*turn its"):
        steered.with_agent_changed("Debater", model="openai:gpt-4o")
    remote = draft.with_agent_changed("Debater", model="openai:gpt-4o")
    with pytest.raises(ValueError, match="steering needs a local model"):
        remote.with_agent_changed("Debater", steering=SteeringSpec(vector="agreement"))
    assert steered.with_agent_changed("Debater", model="local:other").agent("Debater").model == "local:other"
