from pydantic import TypeAdapter

from agents.tools.events import TOOL_EVENTS, ToolCallFailed, ToolCallRejected, outcome_text


def test_every_tool_event_has_a_type_and_round_trips():
    samples = {
        "tool_call_requested": {"call_id": "c", "message_id": "m", "agent": "A", "tool": "t", "arguments": {"x": 1}},
        "tool_approval_requested": {"call_id": "c", "message_id": "m", "agent": "A", "tool": "t"},
        "tool_call_approved": {"call_id": "c", "message_id": "m", "tool": "t", "by": "human", "edited": True},
        "tool_call_rejected": {"call_id": "c", "message_id": "m", "tool": "t", "by": "policy"},
        "tool_call_completed": {"call_id": "c", "message_id": "m", "tool": "t", "output": "42"},
        "tool_call_failed": {"call_id": "c", "message_id": "m", "tool": "t", "kind": "timeout", "message": "slow"},
        "tools_offered": {"message_id": "m", "agent": "A", "offered": ["t"], "available": 9, "reason": "top 1"},
        "tool_authored": {"name": "t", "author": "A", "ok": True, "version": 2},
    }
    for cls in TOOL_EVENTS:
        kind = cls.model_fields["type"].default
        event = cls.model_validate(samples[kind])
        assert TypeAdapter(cls).validate_json(event.model_dump_json()) == event


def test_outcome_texts():
    failed = ToolCallFailed(call_id="c", message_id="m", tool="t", kind="timeout", message="slow")
    assert outcome_text(failed) == "error (timeout): slow"
    rejected = ToolCallRejected(call_id="c", message_id="m", tool="t", by="human", reason="no")
    assert outcome_text(rejected) == "error (rejected): the call was rejected: no"
