"""The terminal's lines are cards formatted for a terminal; scripts and people rely on these shapes."""

import io

from agents import events as ev
from agents.cli.output import EventPrinter, describe, describe_plan
from agents.events import Usage

TEAM = {"name": "Tea debate", "agents": [{"name": "Pro"}]}


def test_status_lines_keep_their_shapes():
    assert describe(ev.ModelLoadProgress(model="m", stage="ready", fraction=1.0)) == "[model 100%] ready"
    assert (
        describe(ev.ErrorEvent(kind="unreachable", message="no server", detail="port 9"))
        == "error (unreachable): no server\n  port 9"
    )
    assert describe(ev.RoundStarted(round=1)) == "-- round 1 --"
    assert (
        describe(ev.RunStarted(run_id="r1", team=TEAM, task="t", app_version="x"))
        == "== Tea debate · session r1 ==\nTask: t"
    )
    assert describe(ev.Finished(reason="completed", final_answer="Tea.")) == "== final answer: Tea. (completed) =="
    assert describe(ev.Finished(reason="cancelled")) == "== finished (cancelled) =="
    assert describe(ev.HumanInputRequested(agent="You", prompt="Go")) == "[waiting for You] Go"
    assert describe(ev.SpeakerSelected(speaker="Con", method="model")) == "[next speaker] Con (model)"
    assert describe(ev.Notice(level="warning", text="slow")) == "[warning] slow"
    verdict = ev.VerdictReached(round=2, judge="J", decision="decided", winner="Con", reason="sharper", method="json")
    assert describe(verdict) == "[verdict after round 2] decision: decided · winner: Con — sharper (read by json)"
    assert describe(ev.MessageCompleted(message_id="m", agent="A", model="x", text="t", finish_reason="stop")) == ""
    assert describe(ev.TokenDelta(message_id="m1", text="x")) == ""


def test_plan_lines_keep_their_shapes():
    step = ev.PlanRealStep(step=1, action="move down", node_id=3, predicted="a", actual="a", match=True)
    assert describe_plan(step) == "step 1: move down   [ok]"
    off = step.model_copy(update={"match": False, "diff": ("x moved", "y stayed")})
    assert describe_plan(off) == "step 1: move down   [DIVERGED: x moved; y stayed]"
    metrics = {
        "plan_length": 12,
        "optimal_length": 12,
        "nodes": 40,
        "nodes_expanded": 20,
        "model_calls": 0,
        "wm_accuracy": 1.0,
    }
    done = ev.PlanFinished(success=True, reason="goal", plan=("a",) * 12, metrics=metrics)
    assert (
        describe_plan(done)
        == "solved (goal): 12 steps (optimal 12), 40 nodes, 20 expanded, 0 model calls, world-model accuracy 1.0"
    )
    assert (
        describe_plan(ev.PlanIssue(kind="unparsable_prediction", node_id=1, text="x" * 300))
        == "[unparsable prediction] " + "x" * 100
    )
    assert describe_plan(ev.RoundStarted(round=1)) == ""


def test_a_message_that_ends_while_another_streams_prints_after_it():
    out, err = io.StringIO(), io.StringIO()
    printer = EventPrinter(out=out, err=err)
    for event in (
        ev.MessageStarted(message_id="a", agent="Ann", model="m"),
        ev.MessageStarted(message_id="b", agent="Bob", model="m"),
        ev.TokenDelta(message_id="a", text="hi "),
        ev.TokenDelta(message_id="b", text="yo"),
        ev.TokenDelta(message_id="a", text="there"),
    ):
        printer.show(event)
    printer.show(
        ev.MessageCompleted(
            message_id="b", agent="Bob", model="m", text="yo", finish_reason="stop", usage=Usage(completion_tokens=1)
        )
    )
    printer.show(
        ev.MessageCompleted(
            message_id="a",
            agent="Ann",
            model="m",
            text="hi there",
            finish_reason="stop",
            usage=Usage(completion_tokens=2),
        )
    )
    # Bob finished first, but his line waits until Ann's live line has ended.
    assert out.getvalue() == "Ann: hi there\nBob: yo\n"
    assert err.getvalue() == "[2 tokens · 0.00 s · m · stop]\n[1 tokens · 0.00 s · m · stop]\n"
