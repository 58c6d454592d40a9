"""Worked examples before the real task: what a base model is shown instead of being told."""

import pytest

from agents.llm.prompt import render_transcript
from agents.llm.scripted import ScriptedProvider
from agents.spec import load_template, parse_team
from agents.teams.collaboration import DELEGATE_LINE, DONE_LINE, WHOLE_TASK
from agents.teams.context import MODERATOR, PARAGRAPH_STOP, RunContext, Turn
from agents.teams.examples import HEADER, USER, YES_NO_DEBATES, example_lines, example_task
from agents.teams.run import TeamRun
from agents.teams.verdict import extract_answer, parse_verdict
from agents.termination import ExternalStop, MaxMessages

TEMPLATES = ["debate_with_judge", "simultaneous_vote", "round_robin", "planner_critic", "manager_workers"]


def context(spec, task):
    return RunContext(spec, {}, task, MaxMessages(20), ExternalStop())


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_prompt_shows_a_finished_example_then_the_task_once(name):
    spec = load_template(name)
    task = spec.sample_task
    lines = example_lines(spec, task)
    speakers = {speaker for speaker, _ in lines}
    assert lines[0][0] == USER and example_task(lines) != task
    assert speakers - {USER} <= {a.name for a in spec.agents} and len(speakers) > 2
    for agent in spec.agents:
        prompt = render_transcript(context(spec, task).messages_for(agent, [], None), agent.name)
        assert prompt.count(task) == 1, prompt
        assert prompt.index(HEADER) < prompt.index(example_task(lines)) < prompt.index(f"{USER}: {task}")
        assert prompt.endswith(f"{USER}: {task}\n\n{agent.name}:")  # nothing after the task to copy
        assert "<" not in prompt and "'" not in prompt.replace("others'", "")  # no placeholder, no quoted format


def test_example_turns_are_single_paragraphs_so_the_paragraph_stop_never_cuts_their_shape():
    for name in TEMPLATES:
        spec = load_template(name)
        for _, text in example_lines(spec, spec.sample_task):
            assert PARAGRAPH_STOP[0] not in text


def test_a_debate_example_answers_in_the_form_the_task_needs_and_the_parsers_read_it():
    vote = load_template("simultaneous_vote")
    numbers = [extract_answer(text) for speaker, text in example_lines(vote, "What is 17 + 25?") if speaker != USER]
    assert numbers and all(answer.isdigit() for answer in numbers)
    judged = load_template("debate_with_judge")
    lines = example_lines(judged, "Question: Is 9 an even number?")
    debaters = [a.name for a in judged.by_role("debater")]
    assert {extract_answer(text) for speaker, text in lines if speaker in debaters} == {"yes", "no"}
    verdicts = [parse_verdict(text, debaters) for speaker, text in lines if speaker == "Judge"]
    assert [(v.decision, v.method) for v in verdicts if v] == [("decided", "tolerant")]  # one round, then a verdict
    assert verdicts[-1] is not None and verdicts[-1].winner in debaters


def test_yes_no_examples_are_won_by_each_side_so_the_judge_is_not_taught_one_winner():
    assert sorted(example.winner for example in YES_NO_DEBATES) == [0, 1]
    judged = load_template("debate_with_judge")
    winners = set()
    for task in ("Question: Is 9 an even number?", "Question: Is the sun a star?", "Is ice cold?", "Do fish swim?"):
        winners.add(parse_verdict(example_lines(judged, task)[-1][1], ["Affirmative", "Negative"]).winner)
    assert winners == {"Affirmative", "Negative"}


def test_examples_use_the_team_s_own_names_and_stop_word():
    spec = parse_team(
        {
            "name": "t",
            "agents": [{"name": "Ann"}, {"name": "Bo"}, {"name": "Cy"}, {"name": "Di"}],
            "protocol": {"kind": "round_robin", "max_rounds": 2},
            "termination": {"text_mention": "FINISHED"},
        }
    )
    lines = example_lines(spec, "Why is grass green?")
    assert [speaker for speaker, _ in lines] == [USER, "Ann", "Bo", "Cy", "Di"]
    assert lines[-1][1].endswith(" FINISHED") and not any("FINISHED" in text for _, text in lines[:-1])
    boss = parse_team(
        {
            "name": "m",
            "agents": [{"name": "Boss", "role": "manager"}, {"name": "Wes", "role": "worker"}],
            "protocol": {"kind": "manager_workers"},
        }
    )
    lines = example_lines(boss, "List two birds.")
    assert [name for name, _ in DELEGATE_LINE.findall(lines[1][1])] == ["Wes", "Wes"]
    assert lines[-1][0] == "Boss" and DONE_LINE.search(lines[-1][1])


def test_a_team_with_no_fitting_example_gets_the_plain_prompt():
    spec = parse_team(
        {"name": "s", "agents": [{"name": "A"}, {"name": "B"}], "protocol": {"kind": "selector", "max_turns": 2}}
    )
    assert example_lines(spec, "task") == []
    messages = context(spec, "task").messages_for(spec.agents[0], [Turn("B", "hi", "1", 1)], None)
    assert [m.role for m in messages] == ["system", "user", "user"]


async def test_a_debate_turn_has_no_moderator_line_and_ends_at_a_paragraph_on_a_base_model():
    spec = load_template("debate_with_judge")
    replies = {
        "Affirmative": ["Sydney is big.\nAnswer: yes"] * 3,
        "Negative": ["Canberra is the capital.\nAnswer: no"] * 3,
        "Judge": ["Canberra is the capital.\nWinner: Negative"],
    }
    providers = {name: ScriptedProvider(texts, name=name) for name, texts in replies.items()}
    events = [e async for e in TeamRun(spec, providers, seed=1).run_stream(spec.sample_task)]
    assert events[-1].final_answer == "no"
    requests = [r for p in providers.values() for r in p.requests]
    assert len(requests) == 3
    for request in requests:
        assert all(m.name != MODERATOR for m in request.messages)
        assert request.params.transcript_stop == PARAGRAPH_STOP and "\n\n" not in request.params.stop


async def test_a_worker_is_told_only_when_the_manager_named_nobody():
    spec = load_template("manager_workers")
    replies = {
        "Manager": ["We need fruit.", "DONE apples, cherries and strawberries"],
        "Analyst": ["Apples, cherries and strawberries."],
        "Drafter": [],
    }
    providers = {name: ScriptedProvider(texts, name=name) for name, texts in replies.items()}
    events = [e async for e in TeamRun(spec, providers).run_stream("List three fruits that are red.")]
    assert events[-1].final_answer == "apples, cherries and strawberries"
    told = providers["Analyst"].requests[0].messages[-1]
    assert (told.name, told.content) == (MODERATOR, WHOLE_TASK.format(manager="Manager", worker="Analyst"))
    assert all(m.name != MODERATOR for m in providers["Manager"].requests[0].messages)


def test_the_critic_s_example_approvals_quote_the_plan_above_them_and_the_plans_follow_their_tasks():
    """A remark that fits any plan was copied under every plan; a quote of the real plan's step is not a remark to copy."""
    spec = load_template("planner_critic")
    lines = example_lines(spec, spec.sample_task)
    tasks = [text for speaker, text in lines if speaker == USER]
    plans = [text for speaker, text in lines if speaker == "Planner"]
    approvals = [text for speaker, text in lines if speaker == "Critic"]
    assert len(tasks) == len(plans) == len(approvals) == 2
    for task, plan, approval in zip(tasks, plans, approvals, strict=True):
        steps = {line.split(". ", 1)[1].rstrip(".") for line in plan.splitlines()}
        quoted = approval.split('"')[1]
        assert quoted in steps and approval.endswith("\nAPPROVED")
        assert f"at most {['three', 'four'][len(steps) - 3]} steps" in task
    assert approvals[0].split('"')[1] != approvals[1].split('"')[1]
