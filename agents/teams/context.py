"""What every protocol shares: who said what, how an agent is prompted, how a turn is taken."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Literal, cast

from agents.agent import Agent
from agents.events import ErrorEvent, Event, HumanInputRequested, MessageCompleted, MessageStarted, Usage, new_id
from agents.llm.base import Cancelled, ChatMessage, CompletionRequest, GenerationParams, Provider, unless_cancelled
from agents.memory.events import MemoryModelCall
from agents.memory.records import clip_text
from agents.memory.team import TeamMemory
from agents.spec import TeamSpec
from agents.streams import merge_streams
from agents.teams.examples import example_lines, render_example
from agents.teams.human import HumanInput, ask_human
from agents.teams.planner import planner_turn, planning_problem
from agents.termination import Condition, ExternalStop, RunState
from agents.tools.toolbox import Toolbox

MODERATOR = "Moderator"
# A reply copies no run of more than four tokens from an earlier turn or from itself (a small
# model otherwise writes the turn before it again, or one line until max tokens; see
# agents.llm.local_repeats). Measured in the quality bench: with six, the Editor still wrote the
# Researcher's sentence with one word swapped ("Cats purr to attract the mouse / rabbit / dog
# that purr."); four left 8% of turns repeating an earlier one (six: 14%; no rule: 29%). The
# token penalty it replaces (1.2) pushed an answer away from the digits its own sum had used:
# "12 / 4 = 3. Answer: 5", "5 x 5 = 25. Answer: 18".
REPEAT_RUN = 4
REPETITION_PENALTY = 1.0
# A turn is one paragraph: a base model's next paragraph is a turn nobody took ("Debater: …").
PARAGRAPH_STOP = ("\n\n",)


@dataclass(frozen=True)
class Turn:
    agent: str
    text: str
    message_id: str
    round: int


class RunAborted(Exception):
    """A turn failed (provider error) or the user stopped the run; the protocol unwinds."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class RunContext:
    def __init__(
        self,
        spec: TeamSpec,
        providers: dict[str, Provider],
        task: str,
        termination: Condition,
        stop: ExternalStop,
        *,
        human: HumanInput | None = None,
        seed: int | None = None,
        prior: Sequence[MessageCompleted] = (),
        tools: Toolbox | None = None,
        memory: TeamMemory | None = None,
    ):
        self.spec = spec
        self.tools = tools
        self.providers = providers
        self.task = task
        self.termination = termination
        self.stop = stop
        self.human = human
        self.seed = seed
        self.prior = deque(prior)
        self.transcript: list[Turn] = []
        self.state = RunState()
        self.round = 0
        self.fired: str | None = None
        self.final_answer: str | None = None
        self.memory = memory
        # The worked example every prompt of this run shows before the real task ("" if none fits).
        self.example = render_example(example_lines(spec, task))

    def agent(self, name: str) -> Agent:
        # A bare next() would raise StopIteration, which a coroutine turns into an opaque
        # RuntimeError('coroutine raised StopIteration').
        found = next((a for a in self.spec.agents if a.name == name), None)
        if found is None:
            raise KeyError(f"no agent named {name!r} in this team")
        return found

    def messages_for(
        self, agent: Agent, turns: Sequence[Turn], instruction: str | None, memories: str = ""
    ) -> tuple[ChatMessage, ...]:
        """The agent's view: persona, a worked example, what it recalls, the task, the turns it
        may see, then any instruction."""
        others = ", ".join(a.name for a in self.spec.agents if a.name != agent.name)
        system = f"You are {agent.name} ({agent.role}) in a team with {others}. {agent.persona}".strip()
        # One system message, the example after the persona: a transcript or a chat template
        # joins system messages with a blank line anyway, and the inspector sees one system span.
        system = "\n\n".join(part for part in (system, self.example) if part)
        messages = [ChatMessage(role="system", content=system)]
        if memories:
            messages.append(ChatMessage(role="system", content=memories))
        messages.append(ChatMessage(role="user", content=self.task))
        heard = self.spec.heard_by(agent.name)
        for turn in turns:
            if heard is not None and turn.agent not in heard:
                continue  # the canvas gave this agent no link from that speaker
            role: Literal["assistant", "user"] = "assistant" if turn.agent == agent.name else "user"
            messages.append(ChatMessage(role=role, content=turn.text, name=turn.agent))
        if instruction:
            messages.append(ChatMessage(role="user", content=instruction, name=MODERATOR))
        return tuple(messages)

    def check_termination(self) -> str | None:
        self.fired = self.fired or self.stop.check(self.state) or self.termination.check(self.state)
        return self.fired

    async def speak(
        self, agent: Agent, instruction: str | None = None, turns: Sequence[Turn] | None = None
    ) -> AsyncIterator[Event]:
        """Take one turn; on success the Turn is appended to the transcript."""
        visible = self.transcript if turns is None else turns
        async for event in self._turn_stream(agent, visible, instruction):
            if isinstance(event, ErrorEvent) and event.message_id:
                yield event
                raise RunAborted(f"{agent.name}: {event.message}")
            if isinstance(event, MessageCompleted):
                self._record(event)
            yield event
        if self.stop.token.cancelled:
            raise RunAborted("stopped by the user")

    async def _model_turn(self, agent: Agent, visible: Sequence[Turn], instruction: str | None) -> AsyncIterator[Event]:
        seed = None if self.seed is None else self._turn_seed(agent)
        # Any team member's label ends the turn, also one who has not spoken yet.
        stops = tuple(f"\n{name}:" for name in [a.name for a in self.spec.agents] + [MODERATOR])
        params = GenerationParams(
            max_tokens=agent.max_tokens,
            temperature=agent.temperature,
            seed=seed,
            stop=stops,
            transcript_stop=PARAGRAPH_STOP,
            repetition_penalty=REPETITION_PENALTY,
            repeat_run=REPEAT_RUN,
        )
        message_id, memories = new_id(), ""
        before = list(visible)  # the transcript grows by this very turn while the stream is consumed
        if self.memory is not None and agent.name in self.memory:
            query = self._memory_query(visible, instruction)
            memories, read = await self.memory.before_turn(agent.name, query, message_id)
            if read is not None:
                yield read
        request = CompletionRequest(
            messages=self.messages_for(agent, visible, instruction, memories),
            params=params,
            speaker=agent.name,
            message_id=message_id,
        )
        provider = self.providers[agent.name]
        if agent.tools and self.tools is not None:
            # One message with the tool calls run inside it (native or text protocol), their events between.
            turn = self.tools.turn(agent, request, provider, self.stop.token)
        else:
            turn = provider.stream(request, self.stop.token)
        async for event in turn:
            yield cast(Event, event)
            if isinstance(event, MessageCompleted) and event.message_id == message_id:
                async for written in self._remember(agent, before, event):
                    yield written

    def _turn_seed(self, agent: Agent) -> int:
        """One seed per turn: simultaneous turns share ``state.messages``, so the agent's place in
        the team keeps theirs apart (one seed made three debaters of one model write one turn)."""
        place = next(i for i, member in enumerate(self.spec.agents) if member.name == agent.name)
        return (cast(int, self.seed) + self.state.messages) * len(self.spec.agents) + place

    async def _remember(self, agent: Agent, before: Sequence[Turn], done: MessageCompleted) -> AsyncIterator[Event]:
        """The write after a turn; its model calls count in the run's token budget like messages."""
        if done.finish_reason == "error" or self.memory is None:
            return
        said = self._heard_and_said(agent, before, done.text)
        async for written in self.memory.after_turn(agent.name, said, done.message_id, self.stop.token):
            if isinstance(written, MemoryModelCall):
                self.state.tokens += written.usage.prompt_tokens + written.usage.completion_tokens
            yield written

    def _heard_and_said(self, agent: Agent, visible: Sequence[Turn], text: str) -> str:
        """What a write learns from: the task on the agent's first turn, what it heard since its
        last turn, and its own turn, as "Name: text" lines (facts are often told, not said)."""
        spoke = [i for i, turn in enumerate(visible) if turn.agent == agent.name]
        heard_by = self.spec.heard_by(agent.name)
        since = visible[spoke[-1] + 1 :] if spoke else visible
        lines = [] if spoke else [f"Task: {self.task}"]
        lines += [f"{t.agent}: {t.text}" for t in since if heard_by is None or t.agent in heard_by]
        return "\n".join([*lines, f"{agent.name}: {text}"])

    def _memory_query(self, visible: Sequence[Turn], instruction: str | None) -> str:
        """What a read looks for: the task, the latest turn and the instruction."""
        latest = visible[-1].text if visible else ""
        return clip_text(" ".join(part for part in (self.task, latest, instruction or "") if part), 1500)

    async def _human_turn(self, agent: Agent, visible: Sequence[Turn], instruction: str | None) -> AsyncIterator[Event]:
        """Announce the turn as an event (its request id is the answer's message id), then wait;
        Stop (or the run's timeout) ends the wait at once."""
        prompt = instruction or f"{agent.name}, your turn."
        message_id = new_id()
        yield HumanInputRequested(agent=agent.name, prompt=prompt, request_id=message_id)
        yield MessageStarted(message_id=message_id, agent=agent.name, model="human")
        if self.human is None:
            yield ErrorEvent(kind="unsupported", message="this run has no way to ask a human", message_id=message_id)
            return
        try:
            text = (await unless_cancelled(ask_human(self.human, agent, prompt, message_id), self.stop.token)).strip()
        except Cancelled:
            yield MessageCompleted(
                message_id=message_id,
                agent=agent.name,
                model="human",
                text="",
                finish_reason="cancelled",
                usage=Usage(),
            )
            return
        yield MessageCompleted(
            message_id=message_id, agent=agent.name, model="human", text=text, finish_reason="stop", usage=Usage()
        )

    async def _replayed(self, done: MessageCompleted) -> AsyncIterator[Event]:
        """A message kept from the parent session (fork/resume): no model call."""
        yield MessageStarted(message_id=done.message_id, agent=done.agent, model=done.model)
        yield done

    def _record(self, done: MessageCompleted) -> None:
        if done.finish_reason == "error":
            return
        self.transcript.append(Turn(done.agent, done.text, done.message_id, self.round))
        self.state.messages += 1
        self.state.tokens += done.usage.prompt_tokens + done.usage.completion_tokens
        self.state.last_text = done.text

    async def speak_all(self, agents: Sequence[Agent], instruction: str | None = None) -> AsyncIterator[Event]:
        """Simultaneous turns: everyone sees the same transcript and answers concurrently.

        Events (completed messages included, so the session log keeps each one at once)
        are passed on as they arrive; turns enter the transcript in the agents' order, so
        the next round's prompts do not depend on which model happened to finish first.
        """
        visible = list(self.transcript)
        completed: dict[str, MessageCompleted] = {}
        errors: list[str] = []

        async def watched(agent: Agent) -> AsyncIterator[Event]:
            async for event in self._turn_stream(agent, visible, instruction):
                if isinstance(event, ErrorEvent) and event.message_id:
                    errors.append(f"{agent.name}: {event.message}")
                if isinstance(event, MessageCompleted):
                    completed[agent.name] = event
                yield event

        def crashed(index: int, exc: Exception) -> Event:  # a crashed turn must abort the run, not vanish
            name = agents[index].name
            errors.append(f"{name}: {exc!r}")
            return ErrorEvent(kind="internal", message=f"{name}'s turn failed: {exc!r}")

        async for event in merge_streams([watched(agent) for agent in agents], crashed):
            yield event
        for agent in agents:
            if agent.name in completed:
                self._record(completed[agent.name])
        if errors:
            raise RunAborted(errors[0])
        if self.stop.token.cancelled:
            raise RunAborted("stopped by the user")

    def _turn_stream(self, agent: Agent, visible: Sequence[Turn], instruction: str | None) -> AsyncIterator[Event]:
        """A kept message from the parent session, a human's input, or a model's reply."""
        if self.prior and self.prior[0].agent == agent.name:
            return self._replayed(self.prior.popleft())
        if agent.role == "human":
            return self._human_turn(agent, visible, instruction)
        if agent.role == "planner" and (problem := planning_problem(self.task, agent.persona)) is not None:
            memory = self.memory if self.memory is not None and agent.name in self.memory else None
            return planner_turn(agent, problem, self.providers.get(agent.name), self.stop.token, memory)
        return self._model_turn(agent, visible, instruction)
