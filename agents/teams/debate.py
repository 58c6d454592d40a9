"""Debate refereed by a judge (sequential MAD or simultaneous Du et al.), with majority vote."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

from agents.agent import Agent
from agents.events import Event, RoundStarted, Terminated, VerdictReached, VoteTallied
from agents.spec import DebateProtocol
from agents.teams.context import RunContext
from agents.teams.verdict import Verdict, extract_answer, parse_verdict, scored_verdict, winner_by_answer

# No moderator line before a debater's or the judge's turn: a small base model copied them
# ("Round 3. Affirmative, your turn." came back as its turn, so did "The debate is over.").
# The worked example before the task (agents.teams.examples) shows what a turn and a verdict
# look like; a last verdict that still says "continue" is decided by scoring.


async def run_debate(ctx: RunContext) -> AsyncIterator[Event]:
    protocol: DebateProtocol = ctx.spec.protocol  # type: ignore[assignment]
    debaters = ctx.spec.by_role("debater")
    judges = ctx.spec.by_role("judge")
    judge = judges[0] if judges and protocol.aggregate == "judge" else None
    ctx.final_answer = None
    for round_number in range(1, protocol.max_rounds + 1):
        ctx.round = round_number
        yield RoundStarted(round=round_number)
        async for event in _debaters_speak(ctx, protocol, debaters, round_number):
            yield event
        if ctx.check_termination():
            break
        if protocol.stop_on_consensus and _consensus(ctx, debaters):
            ctx.state.consensus = True
            ctx.final_answer = _latest_answers(ctx, debaters)[debaters[0].name]
            yield Terminated(condition="consensus")
            break
        if judge is not None:
            verdict = None
            async for event in judge_turn(ctx, judge, debaters, round_number, final=False):
                verdict = event if isinstance(event, VerdictReached) else verdict
                yield event
            if verdict is not None and verdict.decision == "decided":
                ctx.final_answer = _answer_of(ctx, debaters, verdict)
                return
            if ctx.check_termination():
                break
    if judge is not None and not ctx.fired:  # a limit that fired is not overrun by the judge
        async for event in judge_turn(ctx, judge, debaters, ctx.round, final=True):
            if isinstance(event, VerdictReached):
                ctx.final_answer = _answer_of(ctx, debaters, event) or ctx.final_answer
            yield event
    elif protocol.aggregate == "majority_vote":
        vote = _majority_vote(ctx, debaters)
        ctx.final_answer = vote.winner
        yield vote


async def _debaters_speak(
    ctx: RunContext, protocol: DebateProtocol, debaters: list[Agent], round_number: int
) -> AsyncIterator[Event]:
    if protocol.turn_order == "simultaneous":
        async for event in ctx.speak_all(debaters):
            yield event
        return
    for debater in debaters:
        async for event in ctx.speak(debater):
            yield event
        if ctx.check_termination():
            return


async def judge_turn(
    ctx: RunContext, judge: Agent, debaters: list[Agent], round_number: int, final: bool
) -> AsyncIterator[Event]:
    """The judge speaks on ``ctx.transcript``; its verdict is read from the text, else from the
    debaters' answers it names, else scored; one VerdictReached ends the stream."""
    names = [d.name for d in debaters]
    async for event in ctx.speak(judge):
        yield event
    text = ctx.transcript[-1].text if ctx.transcript and ctx.transcript[-1].agent == judge.name else ""
    verdict = parse_verdict(text, names) or winner_by_answer(text, _latest_answers(ctx, debaters))
    if verdict is None:
        messages = ctx.messages_for(judge, ctx.transcript, None)
        verdict = await scored_verdict(ctx.providers[judge.name], messages, judge.name, names, allow_continue=not final)
    if verdict is None:
        verdict = Verdict(
            "decided" if final else "continue", None, None, "the judge's reply could not be read", None, "default"
        )
    if final and verdict.decision != "decided":
        verdict = Verdict("decided", verdict.winner, verdict.answer, verdict.reason, verdict.confidence, verdict.method)
    yield VerdictReached(
        round=round_number,
        judge=judge.name,
        decision=verdict.decision,
        winner=verdict.winner,
        answer=verdict.answer,
        reason=verdict.reason,
        confidence=verdict.confidence,
        method=verdict.method,
        final=final,
    )


def _answer_of(ctx: RunContext, debaters: list[Agent], verdict: VerdictReached) -> str | None:
    """The judge's stated answer, else the winner's own latest answer, else the winner."""
    if verdict.answer:
        return verdict.answer
    if verdict.winner:
        return _latest_answers(ctx, debaters).get(verdict.winner) or verdict.winner
    return None


def _latest_answers(ctx: RunContext, debaters: list[Agent]) -> dict[str, str]:
    latest: dict[str, str] = {}
    for turn in ctx.transcript:
        if any(turn.agent == d.name for d in debaters):
            latest[turn.agent] = extract_answer(turn.text)
    return latest


def _consensus(ctx: RunContext, debaters: list[Agent]) -> bool:
    answers = _latest_answers(ctx, debaters)
    values = set(answers.values())
    return len(answers) == len(debaters) and len(values) == 1 and "" not in values


def _majority_vote(ctx: RunContext, debaters: list[Agent]) -> VoteTallied:
    votes = {name: answer for name, answer in _latest_answers(ctx, debaters).items() if answer}
    counts = Counter(votes.values())
    ranked = counts.most_common()
    winner = ranked[0][0] if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]) else None
    return VoteTallied(votes=votes, counts=dict(counts), winner=winner)
