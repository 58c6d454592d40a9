"""Team files name tools per agent; validation says which are unknown and which are known."""

import json

import pytest

from agents.spec import KNOWN_TOOLS, TeamFileError, load_team, parse_team
from agents.tools.authored import AuthoredTool, ToolLibrary, library_path


def team(*tools, name="Alice"):
    return {
        "name": "t",
        "agents": [{"name": name, "tools": list(tools)}, {"name": "Bob"}],
        "protocol": {"kind": "round_robin"},
    }


def test_built_ins_make_tool_and_ask_a_member_are_known():
    assert set(KNOWN_TOOLS) == {"calculator", "python", "search_files", "read_file", "make_tool"}
    spec = parse_team(team("calculator", "python", "make_tool", "ask_Bob"))
    assert spec.agents[0].tools == ("calculator", "python", "make_tool", "ask_Bob")


def test_unknown_tools_are_named_with_the_known_ones():
    with pytest.raises(TeamFileError) as caught:
        parse_team(team("calculator", "teleport", "ask_Zed"))
    message = str(caught.value)
    assert "agents[0].tools: unknown tool(s) ['ask_Zed', 'teleport']; known: ['calculator']" in message
    assert "ask_<member>" in message


def test_mcp_tools_are_known_when_their_server_is_configured():
    with pytest.raises(TeamFileError, match="notes_search"):
        parse_team(team("notes_search"))
    assert parse_team(team("notes_search"), mcp_servers=["notes"]).agents[0].tools == ("notes_search",)


def test_the_library_beside_a_team_file_makes_its_tools_known(tmp_path):
    path = tmp_path / "team.json"
    path.write_text(json.dumps(team("reverse")), encoding="utf-8")
    with pytest.raises(TeamFileError, match="reverse"):
        load_team(path)
    ToolLibrary(library_path(path)).save(
        AuthoredTool(
            name="reverse",
            version=1,
            description="d",
            parameters={"type": "object"},
            source="def reverse():\n    pass\n",
            test="pass",
            author="Alice",
        )
    )
    assert load_team(path).agents[0].tools == ("reverse",)
    library_path(path).write_text("{broken", encoding="utf-8")  # a damaged library: the tool is unknown again
    with pytest.raises(TeamFileError, match="reverse"):
        load_team(path)
