"""The builder's tools checklist with MCP servers from settings: a real server (the SDK's server
side, tests/agents/tools/mcp_server.py) is listed on a worker thread, a broken and a hung one
are named in words, and team validation in the builder accepts the servers' tools."""

import sys
from pathlib import Path

import pytest

from agents.spec import TeamFileError, load_team, parse_team
from agents.tool_settings import McpServerConfig
from desktop.builder.builder import TeamBuilder

SERVER = str(Path(__file__).parents[2] / "agents" / "tools" / "mcp_server.py")
TEAM = {
    "name": "mcp team",
    "agents": [{"name": "Alice", "tools": ["calculator", "test_add"]}, {"name": "Bob"}],
    "protocol": {"kind": "round_robin", "max_rounds": 1},
}
LISTING_CAP_MS = 120_000  # a cap for a loaded machine, not a timing the test depends on


def servers() -> list[McpServerConfig]:
    return [
        McpServerConfig(name="test", command=sys.executable, args=(SERVER, "stdio")),
        McpServerConfig(name="broken", command=sys.executable, args=("-c", "import sys; sys.exit(3)")),
        # Reads its input and never answers the MCP handshake.
        McpServerConfig(
            name="hung", command=sys.executable, args=("-c", "import sys; sys.stdin.read()"), connect_timeout_s=2
        ),
    ]


@pytest.fixture
def builder(qtbot):
    widget = TeamBuilder(["local"])
    qtbot.addWidget(widget)
    widget.resize(900, 1100)
    widget.show()
    return widget


def test_the_checklist_lists_mcp_tools_off_the_gui_thread(qtbot, builder):
    checklist = builder.agent_form.tools
    with qtbot.waitSignal(checklist.listed, timeout=LISTING_CAP_MS):
        builder.set_mcp_servers(servers())
        # set_mcp_servers returned before any server answered: the window was never waiting.
        assert {name: note.text() for name, note in checklist.notes.items()} == {
            "test": "listing its tools…",
            "broken": "listing its tools…",
            "hung": "listing its tools…",
        }
        assert checklist.refresh_button.isVisibleTo(builder)
    assert {"test_add", "test_echo", "test_fail", "calculator", "make_tool"} <= checklist.shown()
    assert checklist.boxes["test_add"].toolTip() == "Add two integers."
    assert "test" not in checklist.notes
    assert checklist.notes["broken"].text().startswith("✗ unreachable: MCP server broken could not start")
    assert checklist.notes["hung"].text() == "✗ unreachable: MCP server hung did not answer within 2 s"


def test_the_builder_accepts_and_edits_mcp_tools(qtbot, builder, tmp_path):
    with pytest.raises(TeamFileError, match=r"unknown tool\(s\) \['test_add'\]"):
        parse_team(TEAM)  # what the builder said before it knew the servers
    checklist = builder.agent_form.tools
    with qtbot.waitSignal(checklist.listed, timeout=LISTING_CAP_MS):
        builder.set_mcp_servers(servers()[:1])
    path = tmp_path / "mcp-team.json"
    path.write_text(__import__("json").dumps(TEAM), encoding="utf-8")
    assert builder.open_file(path)
    builder.canvas.select("Alice")
    assert checklist.boxes["test_add"].isChecked() and not checklist.boxes["test_echo"].isChecked()
    checklist.boxes["test_echo"].setChecked(True)
    checklist.boxes["calculator"].setChecked(False)
    alice = builder.draft.agent("Alice")
    assert alice.tools == ("test_add", "test_echo")
    assert builder.team().agents[0].tools == ("test_add", "test_echo")  # validation in the builder accepts them
    saved = tmp_path / "saved.json"
    assert builder.save_file(saved)
    assert load_team(saved, check_models=False, mcp_servers=["test"]).agents[0].tools == ("test_add", "test_echo")
    builder.document.undo_stack.undo()
    assert builder.draft.agent("Alice").tools == ("calculator", "test_add", "test_echo")


def test_an_unreachable_server_keeps_the_agents_tools(qtbot, builder):
    checklist = builder.agent_form.tools
    with qtbot.waitSignal(checklist.listed, timeout=LISTING_CAP_MS):
        builder.set_mcp_servers(servers()[1:2])
    data = {**TEAM, "agents": [{"name": "Alice", "tools": ["broken_lookup"]}, {"name": "Bob"}]}
    builder.open_spec(parse_team(data, mcp_servers=["broken"]))
    builder.canvas.select("Alice")
    assert "broken_lookup" not in checklist.shown()
    checklist.boxes["python"].setChecked(True)
    assert builder.draft.agent("Alice").tools == ("broken_lookup", "python")  # not lost while unlisted
    assert builder.team().agents[0].tools == ("broken_lookup", "python")


def test_the_window_hands_the_settings_servers_to_the_builder(qtbot, qloop):
    from agents.settings import Settings
    from agents.tool_settings import ToolSettings
    from desktop.main_window import MainWindow
    from tests.desktop.test_main_window import scripted_loader

    window = MainWindow(settings=Settings(), load=scripted_loader())
    qtbot.addWidget(window)
    assert window.builder.mcp_servers == () and not window.builder.agent_form.tools.notes
    broken = servers()[1]
    with qtbot.waitSignal(window.builder.agent_form.tools.listed, timeout=LISTING_CAP_MS):
        window._settings_saved(Settings(tools=ToolSettings(mcp_servers=(broken,))))  # what Save in Providers calls
    assert window.builder.mcp_servers == ("broken",)
    assert window.builder.agent_form.tools.notes["broken"].text().startswith("✗ unreachable")
