"""A team's memories for one run: what a protocol calls before and after each agent's turn.

It knows nothing of teams (the teams layer sits above memory): agents are names, each with its
:class:`MemoryConfig` and the provider whose model runs its memory steps. One store is shared by
all (SQLite serialises the writes); a ``shared`` agent reads and writes under ``team:NAME``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence

from agents.events import Event
from agents.llm.base import CancelToken, Provider
from agents.memory.agent_memory import AgentMemory
from agents.memory.events import MemoryRead, MemoryReflected, MemoryUnavailable
from agents.memory.records import MemoryConfig
from agents.memory.reflect import first_sentence, workflow_steps
from agents.memory.store import MemoryStore, MemoryStoreError


def open_store(
    agent: str, config: MemoryConfig, path: str | None = None
) -> tuple[MemoryStore | None, MemoryUnavailable | None]:
    """The store, or the event saying why there is none (the file is left as it was); the
    event's ``action`` is the agent's ``on_store_error``: go on without memory, or stop."""
    try:
        return MemoryStore(path), None
    except MemoryStoreError as exc:
        return None, MemoryUnavailable(
            agent=agent, problem=exc.problem, message=str(exc), path=str(exc.path), action=config.on_store_error
        )


class MemoryStopped(Exception):
    """The store is unusable and an agent's settings say to stop rather than run without memory."""


class TeamMemory:
    def __init__(self, store: MemoryStore | None, memories: dict[str, AgentMemory]):
        self.store = store
        self.memories = memories

    @classmethod
    async def open(
        cls,
        team: str,
        configs: Mapping[str, MemoryConfig],
        providers: Mapping[str, Provider | None],
        session_id: str | None,
        path: str | None = None,
    ) -> tuple[TeamMemory, list[Event]]:
        """Memories for the agents that have memory on; the events say why any is missing.
        Raises :class:`MemoryStopped` when the store fails and an agent asked to stop."""
        enabled = {name: config for name, config in configs.items() if config.enabled}
        if not enabled:
            return cls(None, {}), []
        first = next(iter(enabled))
        store, problem = await asyncio.to_thread(open_store, first, enabled[first], path)
        if store is None:
            assert problem is not None
            events: list[Event] = [
                problem.model_copy(update={"agent": name, "action": config.on_store_error})
                for name, config in enabled.items()
            ]
            if any(config.on_store_error == "stop" for config in enabled.values()):
                raise MemoryStopped(problem.message)
            return cls(None, {}), events
        memories = {}
        for name, config in enabled.items():
            memories[name] = await asyncio.to_thread(  # a first load of a large store takes a while
                AgentMemory,
                store,
                name,
                config,
                owner=config.owner(name, team),
                provider=providers.get(name),
                session_id=session_id,
            )
        return cls(store, memories), []

    def __contains__(self, agent: str) -> bool:
        return agent in self.memories

    async def before_turn(self, agent: str, query: str, message_id: str | None = None) -> tuple[str, MemoryRead | None]:
        """The memories section for this turn's prompt ("" when none) and the read event."""
        memory = self.memories.get(agent)
        if memory is None or memory.config.read_k == 0:
            return "", None
        read = await memory.aread(query, message_id=message_id)
        return memory.last_read.section, read

    async def recall_workflows(
        self, agent: str, query: str, message_id: str | None = None
    ) -> tuple[list[list[str]], MemoryRead | None]:
        """The steps of the stored workflows most like ``query``, best first, and the read event
        (None when the agent has no memory)."""
        memory = self.memories.get(agent)
        if memory is None:
            return [], None
        read = await asyncio.to_thread(memory.recall_workflows, query, message_id)
        return [steps for item in read.items if (steps := workflow_steps(item.text))], read

    async def keep_workflow(
        self, agent: str, task: str, steps: Sequence[str], message_id: str | None = None
    ) -> MemoryReflected | None:
        """A verified solution (a plan that reached its goal) kept as a workflow, once; off the
        loop, as a write may wait for another run's lock."""
        memory = self.memories.get(agent)
        if memory is None:
            return None
        return await asyncio.to_thread(memory.record_workflow, task, steps, source_message=message_id)

    async def after_turn(
        self, agent: str, text: str, message_id: str | None, cancel: CancelToken | None = None
    ) -> AsyncIterator[Event]:
        memory = self.memories.get(agent)
        if memory is not None:
            async for event in memory.write(text, message_id, cancel):
                yield event

    async def end(
        self, task: str, turns: Sequence[tuple[str, str, str]], solved: bool, cancel: CancelToken | None = None
    ) -> AsyncIterator[Event]:
        """At the end of the session: each agent reflects on what it wrote; when the run solved
        its task in several turns, each agent keeps the solution as a workflow.
        ``turns`` are (agent, text, message id) in order."""
        for memory in self.memories.values():
            async for event in memory.end_session(cancel):
                yield event
            if solved and len(turns) >= 2:
                steps = [f"{agent}: {first_sentence(text)}" for agent, text, _ in turns if text.strip()]
                recorded = memory.record_workflow(task, steps, source_message=turns[-1][2])
                if recorded is not None:
                    yield recorded

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
