"""`agora-lab tools list|run`, called in-process (no model is loaded)."""

import json

from agents.cli.commands import main
from agents.tools.authored import AuthoredTool, ToolLibrary, library_path


def test_list_shows_builtins(capsys):
    assert main(["tools", "list"]) == 0
    out = capsys.readouterr().out
    assert "calculator" in out and "python" in out and "[builtin, ask]" in out and "make_tool" in out


def test_list_a_team_names_unknown_tools_and_the_library(tmp_path, capsys):
    team = tmp_path / "team.json"
    team.write_text(
        json.dumps(
            {
                "name": "t",
                "agents": [
                    {"name": "Alice", "tools": ["calculator", "ask_Bob", "teleport"]},
                    {"name": "Bob", "tools": ["word_count"]},
                ],
            }
        )
    )
    ToolLibrary(library_path(team)).save(
        AuthoredTool(
            name="word_count",
            version=1,
            description="Count words.",
            parameters={"type": "object", "properties": {"text": {"type": "string"}}},
            source="def word_count(text):\n    return len(text.split())\n",
            test="assert word_count('a') == 1",
            author="Bob",
        )
    )
    assert main(["tools", "list", "--team", str(team)]) == 0
    out = capsys.readouterr().out
    assert "Alice: calculator, ask_Bob, teleport; unknown: teleport" in out
    assert "Bob: word_count\n" in out and "word_count v1 by Bob" in out
    assert main(["tools", "run", "word_count", "--team", str(team), "--args", '{"text": "a b c"}']) == 0
    assert capsys.readouterr().out.strip() == "3"


def test_run_exit_codes(capsys):
    assert main(["tools", "run", "calculator", "--args", '{"expression": "12+34*5"}']) == 0
    assert capsys.readouterr().out.strip() == "182"
    assert main(["tools", "run", "calculator", "--args", '{"expression": "12+"}']) == 1
    assert "error (bad_arguments)" in capsys.readouterr().err
    assert main(["tools", "run", "teleport"]) == 2
    assert "no tool named 'teleport'" in capsys.readouterr().err
    assert main(["tools", "run", "calculator", "--args", "{bad"]) == 2
    assert "not valid JSON" in capsys.readouterr().err


async def test_terminal_approver(monkeypatch):
    from agents.cli.tools import terminal_approver
    from agents.tools.events import ToolApprovalRequested

    request = ToolApprovalRequested(call_id="c", message_id="m", agent="A", tool="python", arguments={"code": "1"})
    answers = iter(["y\n", "n\n", "e\n", '{"code": "2"}\n', "e\n", "[1]\n", ""])
    monkeypatch.setattr("sys.stdin", type("Stdin", (), {"readline": lambda self: next(answers)})())
    assert (await terminal_approver(request)).approved
    assert not (await terminal_approver(request)).approved
    edited = await terminal_approver(request)
    assert edited.approved and edited.arguments == {"code": "2"}
    assert not (await terminal_approver(request)).approved
    eof = await terminal_approver(request)
    assert not eof.approved and eof.reason == "no input available"


def test_an_mcp_server_on_the_command_line(capsys):
    import sys
    from pathlib import Path

    server = f"{sys.executable} {Path(__file__).with_name('mcp_server.py')} stdio"
    assert main(["tools", "list", "--mcp-command", server]) == 0
    assert "mcp_add          [mcp, run] Add two integers." in capsys.readouterr().out
    assert main(["tools", "run", "mcp_add", "--args", '{"a": 40, "b": 2}', "--mcp-command", server]) == 0
    assert capsys.readouterr().out.strip() == "42"
    assert main(["tools", "list", "--mcp-url", "http://example.com/mcp"]) == 2
    assert "only http(s) URLs on loopback" in capsys.readouterr().err
    assert main(["tools", "list", "--mcp-command", "/nonexistent/server"]) == 1
    assert "could not start" in capsys.readouterr().err


def test_list_uses_the_settings(tmp_path, monkeypatch, capsys):
    from agents.settings import Settings, settings_path

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("The budget is 300 euros.", encoding="utf-8")
    settings = {
        "tools": {
            "search_folder": str(notes),
            "policies": {"calculator": "ask"},
            "mcp_servers": [{"name": "files", "command": "mcp-files", "args": ["--root", "/tmp"]}],
        }
    }
    Settings.model_validate(settings)
    settings_path().write_text(json.dumps(settings), encoding="utf-8")
    try:
        assert main(["tools", "list"]) == 0
        out = capsys.readouterr().out
        assert "calculator       [builtin, ask]" in out and "files            [ask] mcp-files --root /tmp" in out
        assert main(["tools", "run", "search_files", "--args", '{"query": "budget"}']) == 0
        assert "300 euros" in capsys.readouterr().out
    finally:
        settings_path().unlink()
