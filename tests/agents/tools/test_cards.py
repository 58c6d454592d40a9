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
    ToolCallApproved(call_id="c", message_id="m", tool="python", by="human", edited=True),
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
    assert all(card is not None and card[0] for card in cards)
    titles = [c[0] for c in cards]
    assert titles[0] == "🔧 Alice calls calculator" and '"1+1"' in cards[0][1]
    assert "arguments edited" in titles[2] and cards[3][1] == "not now" and cards[3][2]["kind"] == "error"
    assert (
        cards[4][2]["duration"] == "12 ms" and "more characters" in cards[4][1] and "[output truncated]" in cards[4][1]
    )
    assert titles[5] == "calculator failed: bad arguments" and "not saved" in titles[7]
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
