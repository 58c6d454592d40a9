"""Typed, serialisable events: the one stream every consumer reads.

Every long operation in ``agents`` is an async generator of these records. They are frozen
pydantic models with a ``type`` discriminator, so a JSONL line parses back to the same object.
"""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


def new_id() -> str:
    """Return a short unique id for messages and runs."""
    return uuid.uuid4().hex[:12]


class Record(BaseModel):
    """Base of every serialisable record: frozen, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class EventBase(Record):
    ts: float = Field(default_factory=time.time, description="Unix time the event was made")


class Usage(Record):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # True when the server sent no usage and the counts were estimated client-side.
    estimated: bool = False


FinishReason = Literal["stop", "length", "cancelled", "error"]
RunEnd = Literal["completed", "cancelled", "error"]
Decision = Literal["continue", "decided"]
VerdictMethod = Literal["json", "tolerant", "scored", "default"]
PlanEnd = Literal["goal", "budget", "no_plan", "max_steps", "cancelled", "error"]

ErrorKind = Literal[
    "unreachable",
    "timeout",
    "auth",
    "rate_limit",
    "server_error",
    "bad_request",
    "context_overflow",
    "model_not_found",
    "disconnected",
    "malformed_response",
    "missing_package",
    "invalid_reference",
    "unsupported",
    "internal",
]


class ModelLoadProgress(EventBase):
    type: Literal["model_load_progress"] = "model_load_progress"
    model: str
    stage: str
    fraction: float | None = Field(default=None, ge=0.0, le=1.0)
    detail: str = ""


class Notice(EventBase):
    type: Literal["notice"] = "notice"
    level: Literal["info", "warning"] = "info"
    text: str


class ContextTrimmed(EventBase):
    type: Literal["context_trimmed"] = "context_trimmed"
    message_id: str
    dropped_messages: int
    truncated_chars: int = 0
    prompt_tokens: int
    context_tokens: int


class MessageStarted(EventBase):
    type: Literal["message_started"] = "message_started"
    message_id: str
    agent: str
    model: str
    # Set when a steering vector was added to the model while it wrote this message.
    steering: str | None = None


class TokenDelta(EventBase):
    type: Literal["token_delta"] = "token_delta"
    message_id: str
    text: str
    token_ids: tuple[int, ...] = ()


class MessageCompleted(EventBase):
    type: Literal["message_completed"] = "message_completed"
    message_id: str
    agent: str
    model: str
    text: str
    finish_reason: FinishReason
    usage: Usage = Usage()
    latency_s: float = 0.0
    first_token_s: float | None = None
    # Exact generated token ids, when the model ran in-process (the interpretability
    # panel re-reads a message from these rather than re-tokenising its text).
    token_ids: tuple[int, ...] | None = None
    # What steered the model while it wrote this ("agreement -4 at layer 10"), if anything.
    steering: str | None = None


class ErrorEvent(EventBase):
    type: Literal["error"] = "error"
    kind: ErrorKind
    message: str
    message_id: str | None = None
    retryable: bool = False
    detail: str = ""


class RunStarted(EventBase):
    """The session header: everything needed to understand and reproduce the run."""

    type: Literal["run_started"] = "run_started"
    run_id: str
    team: dict  # the full team spec, as in its file
    task: str
    models: dict[str, dict] = {}  # agent name -> ModelIdentity fields
    seed: int | None = None
    app_version: str
    parent_run: str | None = None
    forked_at_message: int | None = None


class RoundStarted(EventBase):
    type: Literal["round_started"] = "round_started"
    round: int


class VerdictReached(EventBase):
    type: Literal["verdict"] = "verdict"
    round: int
    judge: str
    decision: Decision
    winner: str | None = None
    answer: str | None = None
    reason: str = ""
    confidence: float | None = None
    # How the judge's text was read: json, tolerant text, constrained scoring, or a default.
    method: VerdictMethod
    final: bool = False


class VoteTallied(EventBase):
    type: Literal["vote"] = "vote"
    votes: dict[str, str]
    counts: dict[str, int]
    winner: str | None


class SpeakerSelected(EventBase):
    type: Literal["speaker_selected"] = "speaker_selected"
    speaker: str
    method: Literal["model", "fallback", "schedule"]
    detail: str = ""


class Delegated(EventBase):
    type: Literal["delegated"] = "delegated"
    manager: str
    worker: str
    subtask: str


class HumanInputRequested(EventBase):
    type: Literal["human_input_requested"] = "human_input_requested"
    agent: str
    prompt: str
    # The answer is given back under this id (the id of the message it becomes); sessions
    # recorded before it existed load with "".
    request_id: str = ""


class Terminated(EventBase):
    type: Literal["terminated"] = "terminated"
    condition: str


class Finished(EventBase):
    type: Literal["finished"] = "finished"
    reason: RunEnd
    final_answer: str | None = None


# --- planning (agents/planning): search trees and "imagine, then act" runs ------------------
PruneKind = Literal["value", "beam", "depth", "duplicate", "unparsable", "illegal", "dead_end"]


class PlanStarted(EventBase):
    type: Literal["plan_started"] = "plan_started"
    run_id: str
    env: str
    seed: int
    env_options: dict = {}  # instance options beyond the seed (e.g. the number of blocks)
    algo: str
    world_model: str  # "exact", or "llm:<model reference>"
    policy: str
    value: str
    budget: dict = {}
    initial: str
    goal: str
    optimal_length: int | None = None  # from the exact solver; None: unsolvable


class PlanNodeCreated(EventBase):
    type: Literal["plan_node_created"] = "plan_node_created"
    node_id: int
    parent: int | None
    action: str | None
    state: str  # the imagined state as text (a failed parse: the model's raw text)
    depth: int
    episode: int = 0  # re-planning starts a new tree
    prior: float | None = None
    parsed: bool = True
    goal: bool = False  # the imagined state meets the goal
    # The simulator's state for the same actions, when the world model is not exact.
    true_state: str | None = None
    raw_output: str = ""


class PlanNodeEvaluated(EventBase):
    type: Literal["plan_node_evaluated"] = "plan_node_evaluated"
    node_id: int
    value: float
    method: str
    raw_output: str = ""


class PlanNodePruned(EventBase):
    type: Literal["plan_node_pruned"] = "plan_node_pruned"
    node_id: int
    kind: PruneKind
    reason: str


class PlanNodeSelected(EventBase):
    type: Literal["plan_node_selected"] = "plan_node_selected"
    node_id: int
    reason: Literal["select", "keep", "plan"]


class PlanBackprop(EventBase):
    type: Literal["plan_backprop"] = "plan_backprop"
    node_ids: tuple[int, ...]
    reward: float
    visits: tuple[int, ...]
    values: tuple[float, ...]


class PlanIssue(EventBase):
    type: Literal["plan_issue"] = "plan_issue"
    kind: Literal["illegal_action", "unparsable_prediction", "model_error"]
    node_id: int | None
    text: str
    detail: str = ""


class PlanRealStep(EventBase):
    type: Literal["plan_real_step"] = "plan_real_step"
    step: int
    action: str
    node_id: int | None
    predicted: str | None
    actual: str
    diff: tuple[str, ...] = ()
    match: bool


class PlanIteration(EventBase):
    """A snapshot after one search iteration, for the replay slider."""

    type: Literal["plan_iteration"] = "plan_iteration"
    episode: int
    iteration: int
    nodes: int
    expanded: int
    model_calls: int
    best_path: tuple[int, ...]
    best_value: float | None = None


class PlanFinished(EventBase):
    type: Literal["plan_finished"] = "plan_finished"
    success: bool
    reason: PlanEnd
    plan: tuple[str, ...]
    metrics: dict = {}


PLAN_EVENTS = (
    PlanStarted,
    PlanNodeCreated,
    PlanNodeEvaluated,
    PlanNodePruned,
    PlanNodeSelected,
    PlanBackprop,
    PlanIssue,
    PlanRealStep,
    PlanIteration,
    PlanFinished,
)
# --- end of planning events --------------------------------------------------------------------


# --- tools (agents/tools): calls, approvals, selection, authored tools ------------------------
ToolPolicy = Literal["run", "ask", "never"]
CallVia = Literal["native", "text", "cli"]
ToolErrorKind = Literal[
    "unknown_tool",
    "bad_arguments",
    "malformed_call",
    "raised",
    "timeout",
    "call_limit",
    "sandbox",
    "server_error",
    "unavailable",
]


class ToolCallRequested(EventBase):
    type: Literal["tool_call_requested"] = "tool_call_requested"
    call_id: str
    message_id: str
    agent: str
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    raw: str = ""  # the call as the model wrote it (text protocol) or its JSON arguments (native)
    via: CallVia = "text"


class ToolApprovalRequested(EventBase):
    """A person must answer (policy "ask"); the run waits for the approver."""

    type: Literal["tool_approval_requested"] = "tool_approval_requested"
    call_id: str
    message_id: str
    agent: str
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class ToolCallApproved(EventBase):
    type: Literal["tool_call_approved"] = "tool_call_approved"
    call_id: str
    message_id: str
    agent: str = ""  # who made the call (the card's colour)
    tool: str
    by: Literal["policy", "human"]
    arguments: dict[str, Any] = Field(default_factory=dict)  # what will run: the person may have edited them
    edited: bool = False


class ToolCallRejected(EventBase):
    type: Literal["tool_call_rejected"] = "tool_call_rejected"
    call_id: str
    message_id: str
    agent: str = ""  # who made the call (the card's colour)
    tool: str
    by: Literal["policy", "human"]
    reason: str = ""


class ToolCallCompleted(EventBase):
    type: Literal["tool_call_completed"] = "tool_call_completed"
    call_id: str
    message_id: str
    agent: str = ""  # who made the call (the card's colour)
    tool: str
    output: str
    truncated: bool = False
    duration_s: float = 0.0


class ToolCallFailed(EventBase):
    type: Literal["tool_call_failed"] = "tool_call_failed"
    call_id: str
    message_id: str
    agent: str = ""  # who made the call (the card's colour)
    tool: str
    kind: ToolErrorKind
    message: str
    duration_s: float = 0.0


class ToolsOffered(EventBase):
    """Which tools a turn was offered, and why (all of them, or the top-k by relevance)."""

    type: Literal["tools_offered"] = "tools_offered"
    message_id: str
    agent: str
    offered: tuple[str, ...]
    available: int
    reason: str
    scores: dict[str, float] = Field(default_factory=dict)


class ToolAuthored(EventBase):
    """An agent's ``make_tool``: saved to the team's tool library, or refused with the reason."""

    type: Literal["tool_authored"] = "tool_authored"
    name: str
    author: str
    session: str | None = None
    ok: bool
    version: int | None = None
    message: str = ""
    library: str = ""


TOOL_EVENTS = (
    ToolCallRequested,
    ToolApprovalRequested,
    ToolCallApproved,
    ToolCallRejected,
    ToolCallCompleted,
    ToolCallFailed,
    ToolsOffered,
    ToolAuthored,
)
# --- end of tool events ------------------------------------------------------------------------
# --- memory (agents/memory): reads, writes as diffs, reflections, store failures ------------
MemoryKind = Literal["observation", "fact", "reflection", "workflow"]
MemoryOp = Literal["ADD", "UPDATE", "DELETE", "NOOP"]
# How an operation was decided: the model's proposal, the rule-based fallback, the
# store-every-turn policy, a person (CLI, Memory panel), or a reflection.
WriteMethod = Literal["model", "rules", "every_turn", "user", "reflection", "workflow"]
StoreProblem = Literal["corrupt", "locked", "newer_version", "io"]


class RetrievedMemory(Record):
    memory_id: str
    text: str
    kind: MemoryKind
    score: float
    recency: float
    importance: float
    relevance: float
    graph: float = 0.0  # the knowledge-graph expansion's share (personalised PageRank)


class MemoryRead(EventBase):
    """What one read put in front of the agent, with every component of every score."""

    type: Literal["memory_read"] = "memory_read"
    agent: str
    owner: str  # the store key: the agent, or "team:NAME" for shared memory
    message_id: str | None = None  # the turn it was read for
    query: str
    items: tuple[RetrievedMemory, ...]
    tokens: int  # of the prompt section
    dropped_for_budget: int = 0
    considered: int = 0  # memories the owner had when the read ran


class MemoryWritten(EventBase):
    """One operation on the store, as a diff: ``before`` and ``after`` texts."""

    type: Literal["memory_write"] = "memory_write"
    agent: str
    owner: str
    op: MemoryOp
    memory_id: str | None
    kind: MemoryKind = "observation"
    before: str | None = None
    after: str | None = None
    importance: float | None = None
    method: WriteMethod
    source_session: str | None = None
    source_message: str | None = None
    reason: str = ""


class MemoryWriteUnreadable(EventBase):
    """A model's write (or reflection) output that could not be read; never a silent loss."""

    type: Literal["memory_write_unreadable"] = "memory_write_unreadable"
    agent: str
    step: Literal["write", "reflect"] = "write"
    raw_output: str
    reason: str
    fallback: bool  # whether the rule-based fallback ran instead


class MemoryReflected(EventBase):
    """An insight stored as a ``reflection`` (or a ``workflow``) memory, with what it cites."""

    type: Literal["memory_reflected"] = "memory_reflected"
    agent: str
    owner: str
    memory_id: str
    kind: MemoryKind = "reflection"
    text: str
    cites: tuple[str, ...]
    method: Literal["model", "rules"]
    trigger: Literal["every_n", "session_end", "workflow", "manual"] = "every_n"


class MemoryUnavailable(EventBase):
    """The store could not be used (corrupt, locked, from a newer version): the run goes on
    without memory or stops, as the settings say; the file is left as it was."""

    type: Literal["memory_unavailable"] = "memory_unavailable"
    agent: str
    problem: StoreProblem
    message: str
    path: str
    action: Literal["continue", "stop"] = "continue"


class MemoryModelCall(EventBase):
    """One model call a memory step made (a write's extraction, a reflection) and its usage:
    the run's token budget counts it as it counts a message, and the totals can be read back."""

    type: Literal["memory_model_call"] = "memory_model_call"
    agent: str
    owner: str
    step: Literal["write", "reflect"]
    model: str = ""
    usage: Usage = Field(default_factory=Usage)
    error: str | None = None  # the provider's failure, if the call failed


MEMORY_EVENTS = (
    MemoryRead,
    MemoryWritten,
    MemoryWriteUnreadable,
    MemoryReflected,
    MemoryUnavailable,
    MemoryModelCall,
)
# --- end of memory events ---------------------------------------------------------------------


Event = Annotated[
    ModelLoadProgress
    | Notice
    | ContextTrimmed
    | MessageStarted
    | TokenDelta
    | MessageCompleted
    | ErrorEvent
    | RunStarted
    | RoundStarted
    | VerdictReached
    | VoteTallied
    | SpeakerSelected
    | Delegated
    | HumanInputRequested
    | Terminated
    | Finished
    | PlanStarted
    | PlanNodeCreated
    | PlanNodeEvaluated
    | PlanNodePruned
    | PlanNodeSelected
    | PlanBackprop
    | PlanIssue
    | PlanRealStep
    | PlanIteration
    | PlanFinished
    | ToolCallRequested
    | ToolApprovalRequested
    | ToolCallApproved
    | ToolCallRejected
    | ToolCallCompleted
    | ToolCallFailed
    | ToolsOffered
    | ToolAuthored
    | MemoryRead
    | MemoryWritten
    | MemoryWriteUnreadable
    | MemoryReflected
    | MemoryUnavailable
    | MemoryModelCall,
    Field(discriminator="type"),
]

_EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def event_to_json(event: EventBase) -> str:
    """Serialise one event to a single JSON line (no trailing newline)."""
    return event.model_dump_json()


def event_from_json(line: str | bytes) -> Event:
    """Parse one JSON line back into its typed event."""
    return _EVENT_ADAPTER.validate_json(line)


def event_json_schema() -> dict:
    """JSON Schema of the event union, for consumers outside Python."""
    return _EVENT_ADAPTER.json_schema()
