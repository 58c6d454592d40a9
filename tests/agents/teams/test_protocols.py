"""Orchestration logic of every protocol, on instant scripted providers."""

import asyncio
import itertools
import json

import pytest

from agents.events import (
    Delegated,
    ErrorEvent,
    Finished,
    HumanInputRequested,
    MessageCompleted,
    MessageStarted,
    SpeakerSelected,
    Terminated,
    VerdictReached,
    VoteTallied,
)
from agents.llm.base import ProviderError
from agents.llm.scripted import ScriptedProvider
from agents.spec import parse_team
from agents.teams.run import TeamRun
from agents.termination import ExternalStop, MaxMessages, TextMention, TokenBudget


def team(kind, agents, **protocol):
    return parse_team({"name": "t", "agents": agents, "protocol": {"kind": kind, **protocol}})


DEBATERS = [{"name": "Pro", "role": "debater"}, {"name": "Con", "role": "debater"}]
JUDGE = [{"name": "Judge", "role": "judge"}]


def by_agent(replies: dict, scorer=None, delay_s=0.0):
    """One scripted provider per agent; each agent's replies are consumed in order."""
    return {
        name: ScriptedProvider(list(texts), scorer=scorer, delay_s=delay_s, name=name)
        for name, texts in replies.items()
    }


async def run(spec, providers, task="Is tea better than coffee?", **kwargs):
    return [e async for e in TeamRun(spec, providers, **kwargs).run_stream(task)]


def speakers(events):
    return [e.agent for e in events if isinstance(e, MessageCompleted)]


def verdict_json(decision, winner=None):
    return json.dumps({"decision": decision, "winner": winner, "answer": None, "reason": "r", "confidence": 0.7})


async def test_sequential_debate_order_and_a_decided_json_verdict_stops_it():
    spec = team("debate", DEBATERS + JUDGE, max_rounds=3)
    providers = by_agent(
        {
            "Pro": ["Tea soothes. Answer: tea", "More tea. Answer: tea"],
            "Con": ["Coffee wakes. Answer: coffee", "More coffee. Answer: coffee"],
            "Judge": [verdict_json("continue"), "Here: " + verdict_json("decided", "Con") + " done"],
        }
    )
    events = await run(spec, providers)
    assert speakers(events) == ["Pro", "Con", "Judge", "Pro", "Con", "Judge"]
    verdicts = [e for e in events if isinstance(e, VerdictReached)]
    assert [(v.decision, v.winner, v.method) for v in verdicts] == [
        ("continue", None, "json"),
        ("decided", "Con", "json"),
    ]
    assert events[-1] == Finished(reason="completed", final_answer="coffee", ts=events[-1].ts)  # the winner's answer
    # the judge saw both debaters' arguments, each debater the other's
    judge_prompt = providers["Judge"].requests[0].messages
    assert [m.name for m in judge_prompt if m.name in ("Pro", "Con")] == ["Pro", "Con"]


async def test_garbage_judge_output_falls_back_to_scoring_and_is_recorded():
    spec = team("debate", DEBATERS + JUDGE, max_rounds=1, stop_on_consensus=False)
    scorer = lambda option: 0.0 if "Pro wins" in option else -5.0  # noqa: E731
    providers = by_agent({"Pro": ["a"], "Con": ["b"], "Judge": ["%%% ??? lorem", "still nonsense"]}, scorer=scorer)
    events = await run(spec, providers)
    verdicts = [e for e in events if isinstance(e, VerdictReached)]
    assert [(v.method, v.decision, v.winner) for v in verdicts] == [("scored", "decided", "Pro")]
    assert events[-1].final_answer == "a"  # Pro's own answer


async def test_unreadable_judge_without_scoring_takes_the_default_path():
    spec = team("debate", DEBATERS + JUDGE, max_rounds=1, stop_on_consensus=False)
    providers = by_agent({"Pro": ["a"], "Con": ["b"], "Judge": ["%%%", "%%%"]})
    events = await run(spec, providers)
    methods = [e.method for e in events if isinstance(e, VerdictReached)]
    assert methods == ["default", "default"]
    assert events[-1].reason == "completed"


async def test_consensus_ends_the_debate_early():
    spec = team("debate", DEBATERS + JUDGE, max_rounds=3)
    providers = by_agent({"Pro": ["x. Answer: 42"], "Con": ["y. Answer: 42."], "Judge": []})
    events = await run(spec, providers)
    assert speakers(events) == ["Pro", "Con", "Judge"]  # consensus after round 1, then the final judgment
    assert any(isinstance(e, Terminated) and e.condition == "consensus" for e in events)
    assert [v.final for v in events if isinstance(v, VerdictReached)] == [True]
    assert events[-1].final_answer == "42"


async def test_simultaneous_rounds_run_concurrently_then_majority_vote():
    agents = DEBATERS + [{"name": "Third", "role": "debater"}]
    spec = team(
        "debate", agents, turn_order="simultaneous", aggregate="majority_vote", max_rounds=2, stop_on_consensus=False
    )
    providers = by_agent(
        {
            "Pro": ["r1 Answer: 7", "Answer: 8"],
            "Con": ["r1 Answer: 9", "Answer: 8"],
            "Third": ["r1 Answer: 7", "Answer: 5"],
        },
        delay_s=0.01,
    )
    events = await run(spec, providers)
    first_round = events[: next(i for i, e in enumerate(events) if isinstance(e, MessageCompleted))]
    assert sum(isinstance(e, MessageStarted) for e in first_round) == 3  # all started before any finished
    assert speakers(events) == ["Pro", "Con", "Third"] * 2  # recorded in a stable order
    # round 2 saw only round 1, not each other's round-2 answers
    seen = [m.content for m in providers["Con"].requests[1].messages]
    assert "r1 Answer: 7" in seen and "Answer: 8" not in seen
    vote = next(e for e in events if isinstance(e, VoteTallied))
    assert vote.winner == "8" and vote.counts == {"8": 2, "5": 1}


async def test_round_robin_order_and_text_mention_termination():
    spec = parse_team(
        {
            "name": "t",
            "agents": [{"name": n} for n in "ABC"],
            "protocol": {"kind": "round_robin", "max_rounds": 5},
            "termination": {"text_mention": "DONE"},
        }
    )
    providers = by_agent({"A": ["one", "four"], "B": ["two", "five DONE"], "C": ["three"]})
    events = await run(spec, providers)
    assert speakers(events) == ["A", "B", "C", "A", "B"]
    assert any(isinstance(e, Terminated) and "DONE" in e.condition for e in events)


async def test_selector_never_picks_the_same_speaker_twice_and_falls_back():
    spec = parse_team(
        {
            "name": "t",
            "agents": [{"name": n} for n in ("Ann", "Ben", "Cy")],
            "protocol": {"kind": "selector", "max_turns": 4},
        }
    )
    # Ann's model both selects and speaks: selection replies alternate with turns.
    ann = ["Ben", "Ben", "gibberish", "Cy", "Ann speaks", "Ben"]
    providers = by_agent({"Ann": ann, "Ben": ["Ben speaks", "Ben again"], "Cy": ["Cy speaks"]})
    shared = providers["Ann"]
    providers["Ben"].stream, providers["Cy"].stream = providers["Ben"].stream, providers["Cy"].stream
    events = await run(spec, providers)
    picks = [(e.speaker, e.method) for e in events if isinstance(e, SpeakerSelected)]
    order = [p[0] for p in picks]
    assert all(a != b for a, b in itertools.pairwise(order))
    assert picks[0] == ("Ben", "model")
    assert ("fallback" in [m for _, m in picks]) and shared.requests


async def test_manager_delegates_named_subtasks_and_declares_done():
    spec = parse_team(
        {
            "name": "t",
            "agents": [
                {"name": "Boss", "role": "manager"},
                {"name": "W1", "role": "worker"},
                {"name": "W2", "role": "worker"},
            ],
            "protocol": {"kind": "manager_workers", "max_delegations": 5},
        }
    )
    providers = by_agent(
        {
            "Boss": ["DELEGATE W1: count the apples\nDELEGATE W2: count the pears", "DONE 5 apples and 3 pears"],
            "W1": ["5 apples"],
            "W2": ["3 pears"],
        }
    )
    events = await run(spec, providers)
    delegated = [(e.worker, e.subtask) for e in events if isinstance(e, Delegated)]
    assert delegated == [("W1", "count the apples"), ("W2", "count the pears")]
    assert speakers(events) == ["Boss", "W1", "W2", "Boss"]
    assert events[-1].final_answer == "5 apples and 3 pears"
    # A worker reads its sub-task in the manager's own turn, the last thing before it speaks
    # (no moderator line a base model could copy).
    last = providers["W1"].requests[0].messages[-1]
    assert (last.name, last.content) == ("Boss", "DELEGATE W1: count the apples\nDELEGATE W2: count the pears")


async def test_termination_conditions_compose_with_or_and_and():
    spec = parse_team(
        {"name": "t", "agents": [{"name": "A"}, {"name": "B"}], "protocol": {"kind": "round_robin", "max_rounds": 10}}
    )
    chatty = lambda: by_agent({"A": ["x STOP"] * 10, "B": ["y"] * 10})  # noqa: E731
    both = await run(spec, chatty(), termination=MaxMessages(4) & TextMention("STOP"))
    assert len(speakers(both)) == 5  # the 4th message says y: both fire only at the 5th
    either = await run(spec, chatty(), termination=MaxMessages(4) | TextMention("STOP"))
    assert len(speakers(either)) == 1
    budget = await run(spec, chatty(), termination=TokenBudget(150))
    assert 1 < len(speakers(budget)) < 20
    assert any(isinstance(e, Terminated) and "token budget" in e.condition for e in budget)


async def test_timeout_interrupts_a_message_in_flight():
    spec = parse_team(
        {
            "name": "t",
            "agents": [{"name": "A"}, {"name": "B"}],
            "protocol": {"kind": "round_robin", "max_rounds": 10},
            "termination": {"timeout_s": 0.3},
        }
    )
    providers = by_agent({"A": [" ".join(["word"] * 1000)] * 10, "B": ["y"] * 10}, delay_s=0.01)
    events = await run(spec, providers)
    assert any(isinstance(e, Terminated) and "timeout" in e.condition for e in events)
    assert events[-1].reason == "completed"
    cut = [e for e in events if isinstance(e, MessageCompleted)][-1]
    assert cut.finish_reason == "cancelled" and len(cut.text.split()) < 1000


async def test_external_stop_cancels_the_run():
    spec = parse_team(
        {"name": "t", "agents": [{"name": "A"}, {"name": "B"}], "protocol": {"kind": "round_robin", "max_rounds": 10}}
    )
    stop = ExternalStop()
    providers = by_agent({"A": [" ".join(["w"] * 500)] * 10, "B": ["y"] * 10}, delay_s=0.005)
    events = []
    async for event in TeamRun(spec, providers, stop=stop).run_stream("task"):
        events.append(event)
        if isinstance(event, MessageStarted):
            asyncio.get_running_loop().call_later(0.05, stop.set)
    assert events[-1].reason == "cancelled"
    assert any(isinstance(e, Terminated) and e.condition == "stopped by the user" for e in events)


async def test_a_human_turn_pauses_and_asks():
    spec = parse_team(
        {
            "name": "t",
            "agents": [{"name": "Bot"}, {"name": "Me", "role": "human"}],
            "protocol": {"kind": "round_robin", "max_rounds": 1},
        }
    )
    asked = []

    async def human(agent, prompt):
        asked.append((agent.name, prompt))
        await asyncio.sleep(0)
        return "my own answer"

    events = await run(spec, by_agent({"Bot": ["hello"]}), human=human)
    assert asked and asked[0][0] == "Me"
    assert any(isinstance(e, HumanInputRequested) for e in events)
    assert [(e.agent, e.text, e.model) for e in events if isinstance(e, MessageCompleted)][-1] == (
        "Me",
        "my own answer",
        "human",
    )


async def test_a_provider_failure_ends_the_run_as_failed_with_what_came_before():
    spec = parse_team(
        {"name": "t", "agents": [{"name": "A"}, {"name": "B"}], "protocol": {"kind": "round_robin", "max_rounds": 3}}
    )
    providers = by_agent({"A": ["fine", "also fine"], "B": [ProviderError("disconnected", "server died")]})
    events = await run(spec, providers)
    assert speakers(events)[0] == "A"
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert errors[0].kind == "disconnected"
    assert events[-1].reason == "error"


@pytest.mark.parametrize("kind", ["round_robin", "debate"])
async def test_prior_messages_are_kept_without_model_calls(kind):
    agents = DEBATERS + JUDGE if kind == "debate" else [{"name": "Pro"}, {"name": "Con"}]
    spec = team(kind, agents, max_rounds=1)
    first = await run(spec, by_agent({"Pro": ["p1"], "Con": ["c1"], "Judge": [verdict_json("decided", "Pro")] * 2}))
    kept = [e for e in first if isinstance(e, MessageCompleted)][:1]
    providers = by_agent({"Pro": ["SHOULD NOT BE USED"], "Con": ["c2"], "Judge": [verdict_json("decided", "Con")] * 2})
    second = await run(spec, providers, prior=kept, parent_run="parent")
    texts = [e.text for e in second if isinstance(e, MessageCompleted)]
    assert texts[:2] == ["p1", "c2"]
    assert providers["Pro"].requests == []
    assert second[0].parent_run == "parent" and second[0].forked_at_message == 1


class CrashingProvider(ScriptedProvider):
    async def stream(self, request, cancel=None):
        yield (await self._started(request))
        raise RuntimeError("provider bug")

    async def _started(self, request):
        from agents.events import MessageStarted as Started

        return Started(message_id=request.message_id, agent=request.speaker, model="x")


async def test_a_crash_in_a_simultaneous_turn_fails_the_run_and_keeps_the_others():
    agents = DEBATERS + [{"name": "Third", "role": "debater"}]
    spec = team("debate", agents, turn_order="simultaneous", aggregate="majority_vote", max_rounds=1)
    providers = by_agent({"Pro": ["Answer: 1"], "Third": ["Answer: 2"]})
    providers["Con"] = CrashingProvider([])
    events = await run(spec, providers)
    assert events[-1].reason == "error"
    assert sorted(speakers(events)) == ["Pro", "Third"]  # the finished turns were passed on (and logged)
    assert any(isinstance(e, ErrorEvent) and "provider bug" in e.message for e in events)


async def test_done_must_open_a_line_and_abandoned_is_not_done():
    spec = parse_team(
        {
            "name": "t",
            "agents": [{"name": "Boss", "role": "manager"}, {"name": "W", "role": "worker"}],
            "protocol": {"kind": "manager_workers", "max_delegations": 1},
        }
    )
    providers = by_agent(
        {"Boss": ["DELEGATE W: fix the ABANDONED cart", "Looks good.\nDONE: fixed"], "W": ["fixed it"]}
    )
    events = await run(spec, providers)
    assert [e.worker for e in events if isinstance(e, Delegated)] == ["W"]
    assert events[-1].final_answer == "fixed"


def test_verdict_names_match_exactly_before_by_prefix():
    from agents.teams.verdict import parse_verdict

    assert parse_verdict('{"decision": "decided", "winner": "Bobby"}', ["Bob", "Bobby"]).winner == "Bobby"
    assert parse_verdict('{"decision": "decided", "winner": "Bob."}', ["Bob", "Bobby"]).winner == "Bob"


def test_a_judge_who_calls_one_debater_right_or_the_other_wrong_has_decided():
    """The example verdict opens "NAME is right."; the small model often stops there, or writes the opposite."""
    from agents.teams.verdict import parse_verdict

    two, three = ["Affirmative", "Negative"], ["Ann", "Bob", "Cy"]
    assert parse_verdict("Negative is right. No: fish have gills", two).winner == "Negative"
    assert parse_verdict("Negative is wrong. No: 9 is odd", two).winner == "Affirmative"
    assert parse_verdict("Bob is right.", three).winner == "Bob"
    assert parse_verdict("Bob is wrong.", three) is None  # Ann or Cy: not read from the text
    assert parse_verdict("Affirmative is right. Negative is right.", two) is None
    assert parse_verdict("Affirmative is wrong. Negative is wrong.", two) is None


def test_transcript_labels_cannot_be_agent_names():
    from pydantic import ValidationError

    from agents.agent import Agent

    for name in ("User", "moderator"):
        with pytest.raises(ValidationError, match="reserved"):
            Agent(name=name)


async def test_a_winner_named_by_answer_is_the_debater_who_gave_it():
    spec = team("debate", DEBATERS + JUDGE, max_rounds=2, stop_on_consensus=False)
    providers = by_agent(
        {
            "Pro": ["Tea soothes.\nAnswer: yes"],
            "Con": ["Coffee wakes.\nAnswer: no"],
            "Judge": ["Tea is fine.\nWinner: No"],
        }
    )
    events = await run(spec, providers)
    verdict = next(e for e in events if isinstance(e, VerdictReached))
    assert (verdict.decision, verdict.winner, verdict.answer, verdict.method) == ("decided", "Con", "no", "tolerant")
    assert events[-1].final_answer == "no"


def test_a_winner_answer_given_by_some_or_no_debaters_is_not_read():
    from agents.teams.verdict import winner_by_answer

    assert winner_by_answer("Winner: yes", {"Pro": "yes", "Con": "yes", "Cy": "no"}) is None
    agreed = winner_by_answer("Winner: Yes.", {"Pro": "yes", "Con": "yes"})  # all gave it: decided, nobody won
    assert agreed is not None and (agreed.decision, agreed.winner, agreed.answer) == ("decided", None, "yes")
    assert winner_by_answer("Winner: maybe", {"Pro": "yes", "Con": "no"}) is None
    assert winner_by_answer("no winner line", {"Pro": "yes", "Con": "no"}) is None


async def test_the_scored_verdict_compares_options_per_token_not_by_length():
    from agents.llm.base import ChatMessage
    from agents.teams.verdict import scored_verdict

    # " continue" is one word at -2; " decided: Pro wins" three at -1 each: summed, continue would win.
    judge = ScriptedProvider(
        [], scorer=lambda option: -2.0 if "continue" in option else -3.0 if "Pro" in option else -30.0
    )
    verdict = await scored_verdict(judge, (ChatMessage(role="user", content="t"),), "Judge", ["Pro", "Con"])
    assert verdict is not None and (verdict.decision, verdict.winner, verdict.method) == ("decided", "Pro", "scored")


async def test_a_round_robin_ended_by_its_stop_word_keeps_that_turn_as_the_answer():
    spec = parse_team(
        {
            "name": "t",
            "agents": [{"name": "A"}, {"name": "B"}],
            "protocol": {"kind": "round_robin", "max_rounds": 3},
            "termination": {"text_mention": "APPROVED"},
        }
    )
    events = await run(spec, by_agent({"A": ["plan", "plan 2"], "B": ["fix step 1", "good\nAPPROVED"]}))
    assert speakers(events) == ["A", "B", "A", "B"]
    assert events[-1].final_answer == "good\nAPPROVED"
