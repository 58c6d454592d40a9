"""Events become cards once; the terminal, Markdown and HTML only format them, and agree."""

import html
import io
import re
import typing

import pytest

from agents import events as ev
from agents.cli.output import EventPrinter
from agents.events import Usage
from agents.session.export import html_card, markdown_card, to_html, to_markdown
from agents.session.library import read_session
from agents.session.render import (
    AGENT_COLOURS,
    Card,
    CardMaker,
    agent_colour,
    card_for,
    in_transcript,
    transcript,
)
from tests.agents.session.test_sessions import run_session
from tests.agents.tools.test_cards import TOOL_RENDER_CASES

MESSAGE = ev.MessageCompleted(
    message_id="m1",
    agent="Pro",
    model="local",
    text="Tea wins.",
    finish_reason="length",
    usage=Usage(completion_tokens=7, estimated=True),
    latency_s=1.5,
)
TEAM = {"name": "Tea debate", "agents": [{"name": "Pro"}, {"name": "Con"}, {"name": "Judge"}]}

# event, kind, title, body: one row per event kind any output shows.
CASES = [
    (MESSAGE, "message", "Pro", "Tea wins."),
    (ev.MessageStarted(message_id="m1", agent="Pro", model="local"), "streaming", "Pro", ""),
    (ev.RoundStarted(round=2), "round", "Round 2", ""),
    (
        ev.VerdictReached(
            round=1,
            judge="Judge",
            decision="decided",
            winner="Con",
            answer="42",
            reason="sharper",
            confidence=0.8,
            method="json",
        ),
        "verdict",
        "Verdict after round 1",
        "sharper",
    ),
    (
        ev.VerdictReached(round=3, judge="Judge", decision="decided", reason="r", method="scored", final=True),
        "verdict",
        "Final judgment",
        "r",
    ),
    (ev.VoteTallied(votes={"A": "Pro", "B": "Pro"}, counts={"Pro": 2}, winner="Pro"), "vote", "Majority vote", ""),
    (ev.VoteTallied(votes={}, counts={}, winner=None), "vote", "Majority vote", "no majority"),
    (ev.Notice(level="warning", text="retrying in 1 s"), "notice", "Warning", "retrying in 1 s"),
    (ev.Notice(text="first start: converting"), "notice", "Note", "first start: converting"),
    (ev.ErrorEvent(kind="timeout", message="too slow", detail="after 30 s"), "error", "Error (timeout)", "too slow"),
    (ev.ModelLoadProgress(model="m", stage="ready", fraction=1.0), "load", "Model 100%", "ready"),
    (
        ev.ContextTrimmed(message_id="m1", dropped_messages=3, prompt_tokens=900, context_tokens=1024),
        "context",
        "Context",
        "3 earlier message(s) trimmed to fit 1024 tokens",
    ),
    (
        ev.RunStarted(run_id="r1", team=TEAM, task="Tea or coffee?", app_version="x"),
        "run",
        "Tea debate",
        "Tea or coffee?",
    ),
    (ev.SpeakerSelected(speaker="Con", method="model"), "speaker", "Next speaker", "Con"),
    (
        ev.Delegated(manager="Boss", worker="Ann", subtask="count the beans"),
        "delegated",
        "Delegated to Ann",
        "count the beans",
    ),
    (ev.HumanInputRequested(agent="You", prompt="Your turn"), "human", "Waiting for You", "Your turn"),
    (ev.Terminated(condition="max rounds"), "stopped", "Stopped", "max rounds"),
    (ev.Finished(reason="completed", final_answer="Tea."), "finished", "Final answer", "Tea."),
    (ev.Finished(reason="cancelled"), "finished", "Finished (cancelled)", ""),
    (
        ev.PlanStarted(
            run_id="p",
            env="maze",
            seed=1,
            algo="mcts",
            world_model="exact",
            policy="p",
            value="v",
            initial="S",
            goal="goal: G",
            optimal_length=12,
        ),
        "plan_start",
        "maze #1 · mcts",
        "start: S\ngoal: G",
    ),
    (
        ev.PlanRealStep(step=1, action="move down", node_id=3, predicted="a", actual="a", match=True),
        "plan_step",
        "Step 1",
        "move down",
    ),
    (
        ev.PlanIssue(kind="illegal_action", node_id=None, text="no wall there"),
        "plan_issue",
        "Illegal action",
        "no wall there",
    ),
    (
        ev.PlanFinished(success=True, reason="goal", plan=("a",), metrics={"plan_length": 1, "optimal_length": 1}),
        "plan_result",
        "Solved (goal)",
        "",
    ),
    (
        ev.MemoryRead(
            agent="Pro",
            owner="Pro",
            message_id="m1",
            query="tea",
            tokens=9,
            considered=3,
            items=(
                ev.RetrievedMemory(
                    memory_id="x", text="Tea is hot.", kind="fact", score=2.0, recency=1, importance=0.5, relevance=0.5
                ),
            ),
        ),
        "memory_read",
        "Pro recalled 1 memory",
        "- [fact] Tea is hot.",
    ),
    (
        ev.MemoryWritten(
            agent="Pro",
            owner="Pro",
            op="UPDATE",
            memory_id="x",
            before="Tea is hot.",
            after="Tea is warm.",
            method="model",
        ),
        "memory_write",
        "Pro memory UPDATE",
        "- Tea is hot.\n+ Tea is warm.",
    ),
    (
        ev.MemoryReflected(
            agent="Pro", owner="Pro", memory_id="y", text="Check the tea.", cites=("x",), method="rules"
        ),
        "memory_reflection",
        "Pro reflection",
        "Check the tea.",
    ),
    (
        ev.MemoryWriteUnreadable(agent="Pro", raw_output="@@", reason="no operation could be read", fallback=True),
        "memory_problem",
        "Pro: unreadable memory write",
        "@@",
    ),
    (
        ev.MemoryUnavailable(agent="Pro", problem="corrupt", message="not a database", path="/m.db"),
        "memory_problem",
        "Pro: memory unavailable (corrupt)",
        "not a database",
    ),
    (
        ev.MemoryModelCall(
            agent="Pro", owner="Pro", step="write", model="local", usage=ev.Usage(prompt_tokens=90, completion_tokens=7)
        ),
        "memory_call",
        "Pro memory write step asked local",
        "",
    ),
]
# Events no reader sees one at a time: streamed text and the search tree (the planning panel draws those).
CASES += TOOL_RENDER_CASES  # the tools' cards, one per tool event

NO_CARD = {
    "token_delta",
    "plan_node_created",
    "plan_node_evaluated",
    "plan_node_pruned",
    "plan_node_selected",
    "plan_backprop",
    "plan_iteration",
}


@pytest.mark.parametrize(("event", "kind", "title", "body"), CASES, ids=lambda v: getattr(v, "type", None))
def test_each_event_kind_has_its_card(event, kind, title, body):
    card = card_for(event)
    assert (card.kind, card.title) == (kind, title)
    assert card.body == body or (kind == "plan_result" and card.body.startswith("1 steps (optimal 1)"))


def test_every_event_type_has_a_card_or_is_knowingly_left_out():
    types = {member.model_fields["type"].default for member in typing.get_args(typing.get_args(ev.Event)[0])}
    shown = {event.type for event, *_ in CASES}
    assert types == shown | NO_CARD
    assert card_for(ev.TokenDelta(message_id="m1", text="x")) is None


def test_a_card_carries_the_facts_meta_and_who_it_is_from():
    verdict = card_for(CASES[3][0])
    assert verdict.facts == (("decision", "decided"), ("winner", "Con"), ("answer", "42"))
    assert verdict.meta == "confidence 0.80 · read by json" and verdict.agent == "Judge" and verdict.tone == "verdict"
    assert card_for(CASES[4][0]).tone == "final"
    message = card_for(MESSAGE)
    assert message.meta == "~7 tokens · 1.50 s · local · length" and message.message_id == "m1"
    assert message.colour in AGENT_COLOURS
    assert card_for(ev.ErrorEvent(kind="auth", message="no", message_id="m9")).tone == "error"
    with pytest.raises(AttributeError):
        message.title = "changed"  # cards are frozen records


def test_agent_colours_are_stable_and_follow_the_team_order():
    assert agent_colour("Pro", 0) == AGENT_COLOURS[0] and agent_colour("Pro", 9) == AGENT_COLOURS[1]
    assert agent_colour("Zed") == agent_colour("Zed") and agent_colour("Zed") in AGENT_COLOURS
    maker = CardMaker()
    maker.card(ev.RunStarted(run_id="r", team=TEAM, task="t", app_version="x"))
    con_first = maker.card(MESSAGE.model_copy(update={"agent": "Con"}))
    assert con_first.colour == AGENT_COLOURS[1]  # its place in the team, not the order of speaking
    assert maker.card(MESSAGE.model_copy(update={"agent": "Guest"})).colour == AGENT_COLOURS[3]


def test_the_transcript_keeps_what_a_reader_of_a_session_needs():
    stream = [case[0] for case in CASES]
    kinds = [card.kind for card in transcript(stream)]
    assert "message" in kinds and "verdict" in kinds and "round" in kinds
    assert not {"streaming", "load", "speaker", "human", "run"} & set(kinds)
    assert kinds.count("finished") == 1  # only the one with an answer
    assert not in_transcript(Card("finished", "Finished (cancelled)"))


def test_markdown_keeps_a_multi_line_reason_inside_its_quote():
    card = card_for(ev.VerdictReached(round=1, judge="J", decision="continue", reason="one\ntwo", method="tolerant"))
    lines = markdown_card(card)
    assert lines[0].startswith("> **Verdict after round 1 (J):** decision: **continue** — one")
    assert lines[1] == "> two *(read by tolerant)*"


def test_html_cards_stay_inert_whatever_the_text():
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)><a href='javascript:alert(3)'>x</a>"
    events = [
        ev.VerdictReached(round=1, judge=hostile, decision="decided", winner=hostile, reason=hostile, method="json"),
        MESSAGE.model_copy(update={"agent": hostile, "text": hostile}),
        ev.Notice(text=hostile),
        ev.ErrorEvent(kind="internal", message=hostile),
        ev.Terminated(condition=hostile),
    ]
    page = "".join(html_card(card_for(event)) for event in events)
    assert "<script" not in page and "<img" not in page and "<a " not in page
    assert not re.search(r"<[^>]*\son\w+=", page)  # no event handler inside any tag
    assert page.count(html.escape(hostile)) >= len(events)


async def test_the_terminal_markdown_and_html_agree_on_every_card():
    session_id, events = await run_session()
    log = read_session(session_id)
    markdown, page = to_markdown(log), to_html(log)
    out, err = io.StringIO(), io.StringIO()
    printer = EventPrinter(out=out, err=err)
    for event in events:
        printer.show(event)
    terminal = out.getvalue() + err.getvalue()
    cards = transcript(log.events)
    assert {card.kind for card in cards} >= {"round", "message", "verdict", "finished"}
    for card in cards:
        for text in (card.body, card.meta):
            assert text in markdown and text in terminal, (card.kind, text)
            assert html.escape(text) in page, (card.kind, text)
        assert card.title in markdown and html.escape(card.title) in page
        assert card.title[1:] in terminal  # the terminal lower-cases a tag's first letter
    messages = [card for card in cards if card.kind == "message"]
    assert [card.body for card in messages] == [m.text for m in log.messages]
    assert all(f"{card.title}: {card.body}" in out.getvalue() for card in messages)
