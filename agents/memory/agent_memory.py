"""One agent's memory as a turn uses it: read before the turn, write after it, reflect when due.

Each step yields typed events (the session log records them, replay shows them). The model steps
take any :class:`~agents.llm.base.Provider`; with none, or when its output cannot be read, the
rule-based fallback runs and the unreadable output is an event of its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from typing import Literal

from agents.events import Event
from agents.llm.base import CancelToken, Provider
from agents.memory.embed import Embedder
from agents.memory.events import (
    MemoryModelCall,
    MemoryOp,
    MemoryRead,
    MemoryReflected,
    MemoryWriteUnreadable,
    MemoryWritten,
    WriteMethod,
)
from agents.memory.prompting import Completion, complete
from agents.memory.read import DEFAULT_WEIGHTS, OwnerIndex, Retrieval, Weights, retrieve, score
from agents.memory.records import Memory, MemoryConfig, clip_text
from agents.memory.reflect import (
    RECENT_FOR_REFLECTION,
    REFLECT_STOPS,
    Insight,
    parse_insights,
    reflect_prompt,
    rule_insights,
    workflow_text,
)
from agents.memory.store import MemoryStore
from agents.memory.write import (
    WRITE_STOPS,
    Operation,
    duplicate_of,
    guarded,
    guess_kind,
    parse_operations,
    rule_operations,
    write_prompt,
)

SIMILAR_FOR_WRITE = 5
ReflectTrigger = Literal["every_n", "session_end", "manual"]
WRITE_MAX_TOKENS = 96
REFLECT_MAX_TOKENS = 160


class AgentMemory:
    def __init__(
        self,
        store: MemoryStore,
        agent: str,
        config: MemoryConfig,
        *,
        owner: str | None = None,
        provider: Provider | None = None,
        session_id: str | None = None,
        weights: Weights = DEFAULT_WEIGHTS,
        embedder: Embedder | None = None,
    ):
        self.store, self.agent, self.config = store, agent, config
        self.owner = owner or agent
        self.provider = provider
        self.session_id = session_id
        self.weights = weights
        self.embedder = embedder
        self.index = OwnerIndex(store, self.owner)
        self.last_read: Retrieval = Retrieval()

    # --- read ----------------------------------------------------------------------------------
    def read(
        self,
        query: str,
        now: float | None = None,
        query_embedding: Sequence[float] | None = None,
        message_id: str | None = None,
    ) -> MemoryRead:
        """Retrieve for ``query``; the prompt section is ``self.last_read.section``."""
        self.last_read = retrieve(
            self.index,
            query,
            self.config.read_k,
            self.config.token_budget,
            time.time() if now is None else now,
            self.weights,
            self.config.graph,
            query_embedding=query_embedding,
        )
        return MemoryRead(
            agent=self.agent,
            owner=self.owner,
            message_id=message_id,
            query=clip_text(query, 500),
            items=tuple(self.last_read.items),
            tokens=self.last_read.tokens,
            dropped_for_budget=self.last_read.dropped_for_budget,
            considered=self.last_read.considered,
        )

    async def aread(self, query: str, now: float | None = None, message_id: str | None = None) -> MemoryRead:
        """:meth:`read` off the event loop (a first read of a large store loads its index), with
        the query embedded first when there is an embedder."""
        vectors = await self._embed([query])
        return await asyncio.to_thread(self.read, query, now, vectors[0] if vectors else None, message_id)

    def recall_workflows(self, query: str, message_id: str | None = None, now: float | None = None) -> MemoryRead:
        """The stored workflows most like ``query`` (at most ``read_k``), for a planner that
        reuses them as steps rather than as prompt text (agent workflow memory)."""
        with self.index.lock:
            ranked = score(self.index.fresh(), query, time.time() if now is None else now, self.weights, False)
        items = tuple(item for item in ranked if item.kind == "workflow")[: self.config.read_k]
        return MemoryRead(
            agent=self.agent,
            owner=self.owner,
            message_id=message_id,
            query=clip_text(query, 500),
            items=items,
            tokens=0,  # nothing enters a prompt: the steps guide the search
            considered=len(self.index.memories),
        )

    async def _embed(self, texts: list[str]) -> list[tuple[float, ...]]:
        """Vectors for ``texts``, or [] without an embedder or when it fails (BM25 carries on)."""
        if self.embedder is None or not texts:
            return []
        try:
            return await self.embedder.embed(texts)
        except Exception:  # any server or network failure: relevance stays lexical
            return []

    # --- write ---------------------------------------------------------------------------------
    async def write(
        self, turn_text: str, source_message: str | None = None, cancel: CancelToken | None = None
    ) -> AsyncIterator[Event]:
        """Store what this turn taught, then reflect if ``reflect_every`` writes have gathered."""
        if not turn_text.strip():
            return
        similar = [self.index.memories[str(k)] for k, _ in self.index.fresh().bm25.top(turn_text, SIMILAR_FOR_WRITE)]
        operations, method = await self._propose(turn_text, similar, cancel)
        for event in operations:
            if isinstance(event, (MemoryModelCall, MemoryWriteUnreadable)):
                yield event
        ops = [op for op in operations if isinstance(op, Operation)]
        texts = [op.text for op in ops if op.op in ("ADD", "UPDATE")]
        vectors = dict(zip(texts, await self._embed(texts)))
        for op in ops:
            safe = guarded(op, similar, turn_text) if method == "model" else op
            yield self._apply(safe, similar, method, source_message, vectors.get(op.text))
        every = self.config.reflect_every
        if every and self.store.writes_since_reflection(self.owner) >= every:
            async for event in self.reflect("every_n", cancel):
                yield event

    async def _propose(
        self, turn_text: str, similar: Sequence[Memory], cancel: CancelToken | None
    ) -> tuple[list, WriteMethod]:
        policy = self.config.write_policy
        if policy == "every_turn":
            return [Operation("ADD", clip_text(turn_text), None, 3.0, "every turn is stored")], "every_turn"
        if policy == "rules" or self.provider is None:
            return list(rule_operations(turn_text, similar)), "rules"
        system, user = write_prompt(self.agent, turn_text, similar)
        reply = await complete(self.provider, system, user, "Memory", WRITE_MAX_TOKENS, WRITE_STOPS, cancel)
        called = self._called("write", reply)
        proposal = parse_operations(reply.text, len(similar), turn_text)
        if proposal.operations and reply.error is None:
            refused = (
                [
                    MemoryWriteUnreadable(
                        agent=self.agent,
                        raw_output=clip_text(reply.text, 2000),
                        reason="; ".join(proposal.problems),
                        fallback=False,
                    )
                ]
                if proposal.problems
                else []
            )
            return [called, *refused, *proposal.operations], "model"  # what was refused is said, never dropped
        reason = reply.error or "; ".join(proposal.problems) or "no operation could be read"
        unreadable = MemoryWriteUnreadable(
            agent=self.agent, raw_output=clip_text(reply.text, 2000), reason=reason, fallback=True
        )
        return [called, unreadable, *rule_operations(turn_text, similar)], "rules"

    def _called(self, step: Literal["write", "reflect"], reply: Completion) -> MemoryModelCall:
        return MemoryModelCall(
            agent=self.agent, owner=self.owner, step=step, model=reply.model, usage=reply.usage, error=reply.error
        )

    def _apply(
        self,
        op: Operation,
        similar: Sequence[Memory],
        method: WriteMethod,
        source_message: str | None,
        embedding: tuple[float, ...] | None = None,
    ) -> MemoryWritten:
        def written(kind: MemoryOp, memory: Memory | None, before: str | None, after: str | None, reason: str):
            return MemoryWritten(
                agent=self.agent,
                owner=self.owner,
                op=kind,
                memory_id=memory.id if memory else None,
                kind=memory.kind if memory else "observation",
                before=before,
                after=after,
                importance=memory.importance if memory and kind in ("ADD", "UPDATE") else None,
                method=method,
                source_session=self.session_id,
                source_message=source_message,
                reason=reason,
            )

        target = similar[op.target - 1] if op.target else None
        if op.op == "ADD" and (same := duplicate_of(op.text, similar)) is not None:
            return written("NOOP", same, same.text, same.text, "already stored")
        if op.op == "ADD":
            new = Memory(
                agent=self.owner,
                text=op.text,
                kind=guess_kind(op.text),
                importance=op.importance or 5.0,
                source_session=self.session_id,
                source_message=source_message,
                embedding=embedding,
            )
            memory = self.store.add(new, method)
            return written("ADD", memory, None, memory.text, op.reason)
        if op.op == "UPDATE" and target is not None:
            changes: dict = {"text": op.text, "source_session": self.session_id, "source_message": source_message}
            changes |= {"embedding": embedding} | ({"importance": op.importance} if op.importance is not None else {})
            before, after = self.store.update(target.id, method, **changes)
            return written("UPDATE", after, before.text, after.text, op.reason)
        if op.op == "DELETE" and target is not None:
            gone = self.store.delete(target.id, method)
            return written("DELETE", gone, gone.text, None, op.reason)
        return written("NOOP", None, None, None, op.reason)

    # --- reflection and workflows -----------------------------------------------------------
    async def reflect(
        self, trigger: ReflectTrigger = "manual", cancel: CancelToken | None = None
    ) -> AsyncIterator[Event]:
        recent = [m for m in self.store.memories(self.owner) if m.kind != "reflection"][-RECENT_FOR_REFLECTION:]
        self.store.reset_write_count(self.owner)
        if len(recent) < 2:
            return
        insights: list[Insight] = []
        method: Literal["model", "rules"] = "rules"
        if self.provider is not None:
            system, user = reflect_prompt(self.agent, recent)
            reply = await complete(self.provider, system, user, "Reflection", REFLECT_MAX_TOKENS, REFLECT_STOPS, cancel)
            yield self._called("reflect", reply)
            insights, rejected = parse_insights(reply.text, len(recent))
            if insights and reply.error is None:
                method = "model"
            else:
                insights = []
                yield MemoryWriteUnreadable(
                    agent=self.agent,
                    step="reflect",
                    raw_output=clip_text(reply.text, 2000),
                    reason=reply.error or f"no insight citing its sources ({len(rejected)} line(s) refused)",
                    fallback=True,
                )
        for insight in insights or rule_insights(recent):
            cites = tuple(recent[n - 1].id for n in insight.cites)
            memory = self.store.add(
                Memory(
                    agent=self.owner,
                    text=insight.text,
                    kind="reflection",
                    importance=insight.importance,
                    links=cites,
                    source_session=self.session_id,
                ),
                "reflection",
            )
            yield MemoryReflected(
                agent=self.agent,
                owner=self.owner,
                memory_id=memory.id,
                text=memory.text,
                cites=cites,
                method=method,
                trigger=trigger,
            )

    async def end_session(self, cancel: CancelToken | None = None) -> AsyncIterator[Event]:
        """Reflect once more if anything was written since the last reflection."""
        if self.store.writes_since_reflection(self.owner) > 0:
            async for event in self.reflect("session_end", cancel):
                yield event

    def record_workflow(
        self, task: str, steps: Sequence[str], cites: Sequence[str] = (), source_message: str | None = None
    ) -> MemoryReflected | None:
        """Keep a solution that worked as a ``workflow`` memory; a repeat of a stored one is skipped."""
        if len(steps) < 2:
            return None
        text = workflow_text(task, steps)
        workflows = self.store.memories(self.owner, kind="workflow")
        if duplicate_of(text, workflows) is not None:
            return None
        memory = self.store.add(
            Memory(
                agent=self.owner,
                text=text,
                kind="workflow",
                importance=8.0,
                links=tuple(cites),
                source_session=self.session_id,
                source_message=source_message,
            ),
            "workflow",
        )
        return MemoryReflected(
            agent=self.agent,
            owner=self.owner,
            memory_id=memory.id,
            kind="workflow",
            text=memory.text,
            cites=tuple(cites),
            method="rules",
            trigger="workflow",
        )
