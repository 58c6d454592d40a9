"""One experiment item under one method, as a job for the one run pipeline.

Team methods run the existing protocols (TeamRun); single / cot / self-consistency sample
one model directly (a team of one is not a protocol) but speak the same events, so every
item is a normal session. Judged debates may be re-judged for bias (see ``JudgeCheck``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from agents import __version__
from agents.events import (
    ErrorEvent,
    Event,
    Finished,
    MessageCompleted,
    Notice,
    RoundStarted,
    RunStarted,
    VerdictReached,
    VoteTallied,
    new_id,
)
from agents.experiments.answers import majority, normalise
from agents.experiments.methods import Method, instruction_for, team_for
from agents.experiments.tasks import TaskItem
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams, Provider
from agents.settings import Settings
from agents.spec import TeamSpec
from agents.streams import merge_streams
from agents.teams.context import REPEAT_RUN, REPETITION_PENALTY, RunContext, Turn
from agents.teams.debate import judge_turn
from agents.teams.run import TeamRun
from agents.termination import ExternalStop, Never

SOLVER = "Solver"


@dataclass
class JudgeCheck:
    original: str | None = None
    swapped: str | None = None


@dataclass
class ItemJob:
    item: TaskItem
    method: Method
    models: Sequence[str]  # one reference, or every reference for a heterogeneous team
    example: str
    seed: int
    temperature: float = 0.7
    max_tokens: int = 192
    answer_tokens: int = 32
    judge_bias: bool = True
    run_id: str = field(default_factory=new_id)
    judge_check: JudgeCheck | None = None
    spec: TeamSpec | None = None

    def __post_init__(self) -> None:
        if not self.method.sampled:
            self.spec = team_for(self.method, self.models, self.example, self.temperature, self.max_tokens)

    def model_refs(self, override: str | None, settings: Settings) -> dict[str, str]:
        if self.spec is None:
            return {SOLVER: self.models[0]}
        return {a.name: a.model for a in self.spec.agents}

    async def start(self, providers: dict[str, Provider], stop: ExternalStop) -> ItemRun:
        return ItemRun(self, providers, stop)


class ItemRun:
    def __init__(self, job: ItemJob, providers: dict[str, Provider], stop: ExternalStop):
        self.job, self.providers, self.stop = job, providers, stop
        self.run_id = job.run_id

    def run_stream(self) -> AsyncIterator[Event]:
        job = self.job
        if job.spec is None:
            return self._samples()
        run = TeamRun(job.spec, self.providers, seed=job.seed, stop=self.stop, run_id=self.run_id)
        stream = run.run_stream(job.item.question)
        if job.method.kind == "judge" and job.judge_bias:
            job.judge_check = JudgeCheck()
            return _with_bias_check(stream, job.spec, self.providers["Judge"], job.item.question, job.judge_check)
        return stream

    async def _samples(self) -> AsyncIterator[Event]:
        job = self.job
        provider = self.providers[SOLVER]
        yield RunStarted(
            run_id=self.run_id,
            team={"name": f"experiment {job.method.name}", "method": job.method.name},
            task=job.item.question,
            models={SOLVER: provider.identity.model_dump(exclude_none=True)},
            seed=job.seed,
            app_version=__version__,
        )
        requests = sample_requests(job)
        samples = len(requests)
        texts: dict[str, str] = {}
        failed = ""
        async for event in merge([provider.stream(r, self.stop.token) for r in requests]):
            if isinstance(event, ErrorEvent) and event.message_id:
                failed = failed or event.message
            if isinstance(event, MessageCompleted) and event.finish_reason != "error":
                texts[event.agent] = event.text
            yield event
        if failed or self.stop.token.cancelled:
            yield Finished(reason="error" if failed else "cancelled")
            return
        answers = {r.speaker: normalise(texts.get(r.speaker, ""), job.item.kind, job.item.choices) for r in requests}
        winner = majority(list(answers.values()))
        if samples > 1:
            votes = {k: v for k, v in answers.items() if v is not None}
            counts = {a: list(votes.values()).count(a) for a in dict.fromkeys(votes.values())}
            yield VoteTallied(votes=votes, counts=counts, winner=winner)
        yield Finished(reason="completed", final_answer=winner)


def sample_requests(job: ItemJob) -> list[CompletionRequest]:
    """The requests of a sampled method (public: the throughput benchmark sends the same ones
    straight to the server to measure what the harness costs)."""
    samples = max(1, job.method.agents)
    system = f"{instruction_for(job.method)}\nExample:\n{job.example}"
    messages = (
        ChatMessage(role="system", content=system),
        ChatMessage(role="user", content=job.item.question, name="Question"),
    )
    tokens = job.answer_tokens if job.method.kind == "single" else job.max_tokens
    # A greedy single answer; samples of a chain of thought need temperature to differ.
    temperature = 0.0 if job.method.kind == "single" else job.temperature
    return [
        CompletionRequest(
            messages=messages,
            speaker=SOLVER if samples == 1 else f"Sample{i + 1}",
            params=GenerationParams(
                max_tokens=tokens,
                temperature=temperature,
                seed=job.seed + i,
                stop=("\nQuestion:",),
                repetition_penalty=REPETITION_PENALTY,  # as the teams sample: methods differ only in method
                repeat_run=REPEAT_RUN,
            ),
        )
        for i in range(samples)
    ]


async def merge(streams: Sequence[AsyncIterator[Event]]) -> AsyncIterator[Event]:
    """Interleave concurrent streams as their events arrive (samples decode together)."""

    def crashed(_index: int, exc: Exception) -> Event:
        return ErrorEvent(kind="internal", message=f"a sample failed: {exc!r}", message_id="merge")

    async for event in merge_streams(streams, crashed):
        yield event


async def _with_bias_check(
    stream: AsyncIterator[Event], spec: TeamSpec, judge: Provider, task: str, check: JudgeCheck
) -> AsyncIterator[Event]:
    """Pass the debate through; before it finishes, ask the judge again with the debaters'
    order reversed and their names hidden, and note both winners."""
    debaters = [a.name for a in spec.by_role("debater")]
    turns: list[tuple[int, MessageCompleted]] = []
    round_number = 0
    async for event in stream:
        if isinstance(event, RoundStarted):
            round_number = event.round
        if isinstance(event, MessageCompleted) and event.agent in debaters and event.finish_reason != "error":
            turns.append((round_number, event))
        if isinstance(event, VerdictReached):
            check.original = event.winner
        if isinstance(event, Finished) and event.reason == "completed" and check.original:
            yield Notice(text="judge-bias check: the same debate, the debaters' order reversed and their names hidden")
            async for extra in _rejudge(spec, judge, task, debaters, turns, check):
                yield extra
        yield event


async def _rejudge(
    spec: TeamSpec,
    judge: Provider,
    task: str,
    debaters: list[str],
    turns: list[tuple[int, MessageCompleted]],
    check: JudgeCheck,
) -> AsyncIterator[Event]:
    """The debate's own judge step (same prompt, worked example, reading and fallback) over a
    copy of the team whose debaters are renamed "Debater 1..n" in reversed order."""
    order = list(reversed(debaters))
    alias = {name: f"Debater {i + 1}" for i, name in enumerate(order)}
    hidden = re.compile(r"\b(" + "|".join(map(re.escape, debaters)) + r")\b")
    aliased = _aliased_team(spec, alias, order)
    referee = aliased.by_role("judge")[0]
    ctx = RunContext(aliased, {referee.name: judge}, task, Never(), ExternalStop())
    for round_number, turn in sorted(turns, key=lambda t: (t[0], order.index(t[1].agent))):
        text = hidden.sub(lambda m: alias[m.group(1)], turn.text)
        ctx.transcript.append(Turn(alias[turn.agent], text, turn.message_id, round_number))
    last_round = max((r for r, _ in turns), default=1)
    verdict: VerdictReached | None = None
    async for event in judge_turn(ctx, referee, aliased.by_role("debater"), last_round, final=True):
        if isinstance(event, VerdictReached):
            verdict = event  # the item's verdict stays the first one; this one is only compared
        else:
            yield event
    real = {v: k for k, v in alias.items()}
    check.swapped = real.get(verdict.winner) if verdict is not None and verdict.winner else None
    agree = "agrees" if check.swapped == check.original else "disagrees"
    yield Notice(
        text=f"judge-bias check: first verdict {check.original}, swapped verdict {check.swapped or 'none'} ({agree})"
    )


def _aliased_team(spec: TeamSpec, alias: dict[str, str], order: list[str]) -> TeamSpec:
    """The team with its debaters renamed and listed in ``order``; every other agent kept."""
    renamed = {a.name: a.model_copy(update={"name": alias[a.name]}) for a in spec.agents if a.name in alias}
    others = [a for a in spec.agents if a.name not in alias]
    links = tuple(
        link.model_copy(
            update={"source": alias.get(link.source, link.source), "target": alias.get(link.target, link.target)}
        )
        for link in spec.links
    )
    return spec.model_copy(update={"agents": tuple([renamed[n] for n in order] + others), "links": links})
