"""Running a team: one async generator of events from RunStarted to Finished."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from agents import __version__
from agents.events import (
    ErrorEvent,
    Event,
    Finished,
    MessageCompleted,
    Notice,
    RunEnd,
    RunStarted,
    Terminated,
    VerdictReached,
    new_id,
)
from agents.llm.base import Provider
from agents.memory.team import MemoryStopped, TeamMemory
from agents.spec import TeamSpec
from agents.teams.collaboration import run_manager_workers, run_round_robin, run_selector
from agents.teams.context import RunAborted, RunContext
from agents.teams.debate import run_debate
from agents.teams.human import HumanInput
from agents.termination import Condition, ExternalStop, from_spec
from agents.tool_settings import ToolSettings
from agents.tools.calls import Approver
from agents.tools.toolbox import Toolbox

PROTOCOLS: dict[str, Callable[[RunContext], AsyncIterator[Event]]] = {
    "debate": run_debate,
    "round_robin": run_round_robin,
    "selector": run_selector,
    "manager_workers": run_manager_workers,
}


class TeamRun:
    """``async for event in TeamRun(spec, providers).run_stream(task)``."""

    def __init__(
        self,
        spec: TeamSpec,
        providers: dict[str, Provider],
        *,
        human: HumanInput | None = None,
        seed: int | None = None,
        termination: Condition | None = None,
        stop: ExternalStop | None = None,
        prior: Sequence[MessageCompleted] = (),
        parent_run: str | None = None,
        run_id: str | None = None,
        tools: ToolSettings | None = None,
        approver: Approver | None = None,
        team_file: str | Path | None = None,
        toolbox: Toolbox | None = None,
    ):
        self.spec = spec
        self.toolbox = toolbox  # tools made by the caller (tests, benchmarks); else opened per run
        self.tool_settings = tools or ToolSettings()
        self.approver = approver  # who answers tools set to "ask me"; None: they are rejected
        self.team_file = team_file
        self.providers = providers
        self.human = human
        self.seed = seed
        self.termination = termination if termination is not None else from_spec(spec.termination)
        self.stop = stop or ExternalStop()
        self.prior = tuple(prior)
        self.parent_run = parent_run
        self.run_id = run_id or new_id()

    def header(self, task: str) -> RunStarted:
        models = {name: p.identity.model_dump(exclude_none=True) for name, p in self.providers.items()}
        return RunStarted(
            run_id=self.run_id,
            team=self.spec.model_dump(mode="json"),
            task=task,
            models=models,
            seed=self.seed,
            app_version=__version__,
            parent_run=self.parent_run,
            forked_at_message=len(self.prior) if self.parent_run else None,
        )

    async def run_stream(self, task: str) -> AsyncIterator[Event]:
        yield self.header(task)
        configs = {agent.name: agent.memory for agent in self.spec.agents if agent.memory is not None}
        try:
            memory, problems = await TeamMemory.open(self.spec.name, configs, dict(self.providers), self.run_id)
        except MemoryStopped as exc:
            yield ErrorEvent(kind="internal", message=f"memory unavailable, and the team asks to stop: {exc}")
            yield Finished(reason="error")
            return
        for problem in problems:
            yield problem
        try:
            async for event in self._run(task, memory):
                yield event
        finally:
            memory.close()

    async def _run(self, task: str, memory: TeamMemory) -> AsyncIterator[Event]:
        ctx = RunContext(
            self.spec,
            self.providers,
            task,
            self.termination,
            self.stop,
            human=self.human,
            seed=self.seed,
            prior=self.prior,
            memory=memory,
        )
        deadline = _arm_timeout(self.spec.termination.timeout_s, self.stop)
        decided = False
        try:
            if any(agent.tools for agent in self.spec.agents):
                ctx.tools = await self._open_tools()
                for problem in ctx.tools.problems:
                    yield Notice(level="warning", text=problem)
            async for event in PROTOCOLS[self.spec.protocol.kind](ctx):
                decided = decided or (isinstance(event, VerdictReached) and event.decision == "decided")
                yield event
        except RunAborted:
            if self.stop.token.cancelled:  # the user's Stop, or the timeout timer
                yield Terminated(condition=self.stop.reason)
            reason: RunEnd = (
                "error" if not self.stop.token.cancelled else "cancelled" if self.stop.by_user else "completed"
            )
            yield Finished(reason=reason, final_answer=ctx.final_answer)
            return
        except Exception as exc:  # a protocol bug must still close the session cleanly
            yield ErrorEvent(kind="internal", message=f"the {self.spec.protocol.kind} protocol failed: {exc!r}")
            yield Finished(reason="error", final_answer=ctx.final_answer)
            return
        finally:
            if deadline is not None:
                deadline.cancel()
            if ctx.tools is not None:
                await ctx.tools.aclose()  # MCP servers stop with the run
        if ctx.fired:
            yield Terminated(condition=ctx.fired)
        turns = [(turn.agent, turn.text, turn.message_id) for turn in ctx.transcript]
        async for kept in memory.end(task, turns, solved=_solved(ctx, decided), cancel=self.stop.token):
            yield kept
        yield Finished(reason="completed", final_answer=ctx.final_answer)

    async def _open_tools(self) -> Toolbox:
        if self.toolbox is not None:
            return self.toolbox
        return await Toolbox.open(
            self.spec.agents,
            self.providers,
            self.tool_settings,
            self.team_file,
            session=self.run_id,
            approver=self.approver,
            team_name=self.spec.name,
        )


def _solved(ctx: RunContext, decided: bool) -> bool:
    """Whether the run ended on a solution worth keeping as a workflow: a judge decided, the
    team agreed or said its stop word, or a manager declared the task done. Running out of
    rounds is not a solution."""
    if ctx.final_answer is None:
        return False
    fired = ctx.fired or ""
    return decided or fired.startswith(("text mention", "consensus")) or ctx.spec.protocol.kind == "manager_workers"


def _arm_timeout(seconds: float | None, stop: ExternalStop) -> asyncio.TimerHandle | None:
    """A timeout must also interrupt a message in flight, not only be noticed after it."""
    if not seconds:
        return None
    return asyncio.get_running_loop().call_later(seconds, stop.set, f"timeout ({seconds:g} s)")
