"""Scoring one item's event stream: the final answer, compute used, and the debate's
forensics (each round's answers per agent, consensus). Reads only events, so a stored
session scores the same way it scored live."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agents.events import ErrorEvent, EventBase, Finished, MessageCompleted, RoundStarted
from agents.experiments.answers import is_correct, majority, normalise
from agents.experiments.job import ItemJob
from agents.experiments.records import ResultRow, Status


@dataclass
class Tally:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    latency_s: float = 0.0
    error: str = ""
    finished: Finished | None = None


def tally(events: Iterable[EventBase]) -> tuple[Tally, dict[int, dict[str, str]]]:
    """Compute used, how the run ended, and the text each agent gave in each round."""
    out, round_number = Tally(), 1
    by_round: dict[int, dict[str, str]] = {}
    for event in events:
        if isinstance(event, RoundStarted):
            round_number = event.round
        elif isinstance(event, MessageCompleted):
            out.calls += 1
            out.prompt_tokens += event.usage.prompt_tokens
            out.completion_tokens += event.usage.completion_tokens
            out.latency_s = max(out.latency_s, event.latency_s)
            if event.finish_reason != "error":
                by_round.setdefault(round_number, {})[event.agent] = event.text
        elif isinstance(event, ErrorEvent):
            out.error = out.error or f"{event.kind}: {event.message}"
        elif isinstance(event, Finished):
            out.finished = event
    return out, by_round


def score_item(
    job: ItemJob, events: list[EventBase], *, key: str, model: str, session: str, attempts: int, elapsed_s: float
) -> ResultRow:
    item, method = job.item, job.method
    used, by_round = tally(events)
    debaters = [a.name for a in job.spec.by_role("debater")] if job.spec is not None else []
    rounds = (
        tuple(tuple(_read(by_round.get(r, {}).get(name), job) for name in debaters) for r in sorted(by_round))
        if debaters
        else ()
    )
    if method.kind == "judge" or not debaters:
        final = used.finished.final_answer if used.finished else None
        answer = normalise(final, item.kind, item.choices) if final else None
    else:
        answer = majority(list(rounds[-1])) if rounds else None
    correct = bool(is_correct(answer, item.answer, item.kind, item.numbers))
    status: Status = (
        "failed"
        if used.finished is None or used.finished.reason == "error"
        else "ok"
        if answer is not None
        else "unanswered"
    )
    check = job.judge_check
    last = rounds[-1] if rounds else ()
    return ResultRow(
        key=key,
        item_id=item.id,
        method=method.name,
        model=model,
        seed=job.seed,
        status=status,
        expected=item.answer,
        answer=answer,
        correct=correct and status == "ok",
        prompt_tokens=used.prompt_tokens,
        completion_tokens=used.completion_tokens,
        calls=used.calls,
        latency_s=round(elapsed_s, 4),
        agents=tuple(debaters),
        rounds=rounds,
        rounds_correct=tuple(
            tuple(bool(is_correct(a, item.answer, item.kind, item.numbers)) for a in r) for r in rounds
        ),
        consensus=(len(set(last)) == 1 and None not in last) if last else None,
        judge_winner=check.original if check else None,
        judge_swapped_winner=check.swapped if check else None,
        judge_agreement=(check.original == check.swapped) if check and check.original and check.swapped else None,
        session=session,
        run_id=job.run_id,
        attempts=attempts,
        error=used.error if status == "failed" else "",
    )


def _read(text: str | None, job: ItemJob) -> str | None:
    return normalise(text, job.item.kind, job.item.choices) if text else None
