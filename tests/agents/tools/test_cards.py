from agents.events import Notice
from agents.tools.builtins import classify_tool_names
from agents.tools.cards import tool_card
from agents.tools.events import (
    TOOL_EVENTS,
    ToolApprovalRequested,
    ToolAuthored,
    ToolCallApproved,
    ToolCallCompleted,
    ToolCallFailed,
    ToolCallRejected,
    ToolCallRequested,
    ToolsOffered,
)

EVENTS = [
    ToolCallRequested(
        call_id="c", message_id="m", agent="Alice", tool="calculator", arguments={"expression": "1+1"}, via="native"
    ),
    ToolApprovalRequested(call_id="c", message_id="m", agent="Alice", tool="python", arguments={"code": "print(1)"}),
    ToolCallApproved(call_id="c", message_id="m", agent="Alice", tool="python", by="human", edited=True),
    ToolCallRejected(call_id="c", message_id="m", tool="python", by="human", reason="not now"),
    ToolCallCompleted(
        call_id="c", message_id="m", tool="calculator", output="x" * 5000, truncated=True, duration_s=0.012
    ),
    ToolCallFailed(call_id="c", message_id="m", tool="calculator", kind="bad_arguments", message="ends early"),
    ToolsOffered(message_id="m", agent="Alice", offered=("calculator",), available=9, reason="top 1"),
    ToolAuthored(name="rev", author="Smith", ok=False, message="the test failed"),
]


def test_every_tool_event_has_a_card():
    assert {type(e) for e in EVENTS} == set(TOOL_EVENTS)
    cards = [tool_card(e) for e in EVENTS]
    assert all(card is not None and card.title for card in cards)
    call, ask, approved, rejected, result, failed, offered, authored = cards
    assert call.title == "Alice calls calculator" and '"1+1"' in call.body and call.message_id == "m"
    assert ask.tone == "warning" and "edited" in approved.title and approved.agent == "Alice"
    assert rejected.body == "not now" and rejected.meta == "by human"
    assert result.meta == "12 ms" and "more characters" in result.body and "[output truncated]" in result.body
    assert failed.title == "calculator failed (bad arguments)" and failed.tone == "error"
    assert offered.body == "calculator" and "not saved" in authored.title and authored.tone == "error"
    assert tool_card(Notice(text="x")) is None


def test_classify_tool_names():
    known, unknown = classify_tool_names(
        ["calculator", "ask_Bob", "ask_Zed", "notes_search", "reverse", "teleport", "make_tool"],
        team_agents=["Alice", "Bob"],
        library_names=["reverse"],
        mcp_servers=["notes"],
    )
    assert known == ["ask_Bob", "calculator", "make_tool", "notes_search", "reverse"]
    assert unknown == ["ask_Zed", "teleport"]


# For tests/agents/session/test_render.py: (event, card kind, title, body), one row per tool event.
TOOL_RENDER_CASES = [(event, card.kind, card.title, card.body) for event in EVENTS if (card := tool_card(event))]
