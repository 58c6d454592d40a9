"""Tools in the window: the approval bar (answered by call id through the run controller), tool cards,
the status bar's count, the builder's checklist and the team's tool library."""

import asyncio

from agents.session.library import list_sessions, read_session
from agents.settings import Settings
from agents.spec import parse_team
from agents.tool_settings import ToolSettings
from agents.tools.events import ToolApprovalRequested, ToolCallApproved, ToolCallCompleted, ToolCallRejected
from desktop.builder.tool_library import ToolLibraryDialog
from desktop.inputs import ToolApprovalBar
from desktop.main_window import MainWindow
from tests.desktop.test_main_window import Scripted, loader, run_until_finished

TEAM = {
    "name": "calc",
    "agents": [{"name": "Alice", "tools": ["calculator"]}, {"name": "Bob"}],
    "protocol": {"kind": "round_robin", "max_rounds": 1},
}


def reply(request):
    if request.speaker == "Bob":
        return "Agreed."
    return "Done." if request.messages[-1].role == "assistant" else "<tool>calculator(6*7)</tool>"


def asking_window(qtbot, qloop):
    win = MainWindow(load=loader(lambda name: Scripted(reply, name=name)))
    win.settings = Settings(tools=ToolSettings(policies={"calculator": "ask"}))
    qtbot.addWidget(win)
    win.show()
    win.runs.start(parse_team(TEAM), "What is 6*7?")

    async def asked():
        while not win.approval_bar.isVisible():
            await asyncio.sleep(0.01)

    qloop.run_until_complete(asyncio.wait_for(asked(), 20))
    return win


def tool_events(kind):
    return [e for e in read_session(list_sessions()[0].session_id).events if isinstance(e, kind)]


def test_approve_with_edited_arguments(qtbot, qloop):
    win = asking_window(qtbot, qloop)
    request = win.approval_bar.request
    assert request is not None and "calculator" in win.approval_bar.prompt.text()
    assert win.runs.approvals.waiting == (request.call_id,) and win.runs.approve("not-a-call", None) is False
    win.approval_bar.arguments.setText('{"expression": "1+1"}')
    win.approval_bar.approve.click()
    run_until_finished(qloop, win)
    assert not win.approval_bar.isVisible()
    approved = tool_events(ToolCallApproved)[0]
    assert approved.edited and approved.arguments == {"expression": "1+1"}
    assert tool_events(ToolCallCompleted)[0].output == "2"
    assert win.run_status.tools_label.text() == "tool calls: 1"  # counted in the status bar
    kinds = [entry.card.kind for entry in win.conversation.cards]
    assert "tool_call" in kinds and "tool_decision" in kinds and "tool_result" in kinds  # cards in the conversation


def test_reject(qtbot, qloop):
    win = asking_window(qtbot, qloop)
    win.approval_bar.reject.click()
    run_until_finished(qloop, win)
    rejected = tool_events(ToolCallRejected)[0]
    assert rejected.by == "human" and "rejected in the window" in rejected.reason
    assert list_sessions()[0].status == "completed"


def test_stop_while_asked_ends_the_run(qtbot, qloop):
    win = asking_window(qtbot, qloop)
    call_id = win.approval_bar.request.call_id
    win.run_bar.stop_button.click()
    run_until_finished(qloop, win)
    assert not win.approval_bar.isVisible() and win.approval_bar.request is None
    assert list_sessions()[0].status == "cancelled"
    assert win.runs.approve(call_id, None) is False


def test_arguments_that_are_not_a_json_object_keep_the_bar(qtbot):
    bar = ToolApprovalBar()
    qtbot.addWidget(bar)
    answers = []
    bar.answered.connect(lambda call_id, approval: answers.append((call_id, approval)))
    bar.ask(ToolApprovalRequested(call_id="c1", message_id="m", agent="A", tool="python", arguments={"code": "1"}))
    bar.arguments.setText("[1, 2]")
    bar.approve.click()
    assert answers == [] and "dc2626" in bar.arguments.styleSheet()
    bar.arguments.setText('{"code": "1"}')
    bar.approve.click()
    assert answers[0][0] == "c1" and answers[0][1].approved and answers[0][1].arguments is None  # unchanged


def test_the_builder_offers_every_built_in_and_keeps_tools_it_does_not_list(qtbot):
    from agents.agent import Agent
    from agents.spec import KNOWN_TOOLS
    from desktop.builder.forms import AgentForm

    form = AgentForm(["local"])
    qtbot.addWidget(form)
    assert list(form.tools.boxes) == list(KNOWN_TOOLS) and "make_tool" in form.tools.boxes
    form.show_agent(Agent(name="Alice", tools=("calculator", "ask_Bob", "reverse")))
    form.tools.boxes["python"].setChecked(True)
    assert form.values()["tools"] == ("calculator", "ask_Bob", "reverse", "python")  # the agent's order kept


def test_the_tool_library_shows_source_and_deletes(qtbot, tmp_path):
    from agents.tools.authored import AuthoredTool, ToolLibrary
    from desktop.builder.tool_library import ToolLibraryDialog

    library = ToolLibrary(tmp_path / "team.tools.json")
    library.save(
        AuthoredTool(
            name="reverse",
            version=1,
            description="Reverse a text.",
            author="Smith",
            session="s1",
            parameters={"type": "object"},
            source="def reverse(text):\n    return text[::-1]\n",
            test="assert reverse('ab') == 'ba'",
        )
    )
    dialog = ToolLibraryDialog(library)
    qtbot.addWidget(dialog)
    text = dialog.source.toPlainText()
    assert "version 1, by Smith in session s1" in text and "return text[::-1]" in text and "assert reverse" in text
    dialog.delete_selected()
    assert library.latest() == {} and dialog.names.count() == 0 and not dialog.delete.isEnabled()


def test_the_run_menu_opens_the_tool_library(qtbot, qloop):
    win = MainWindow(load=loader(lambda name: Scripted(reply, name=name)))
    qtbot.addWidget(win)
    win.menu_actions["Tool library"].trigger()
    dialog = win.findChild(ToolLibraryDialog)
    assert dialog is not None and dialog.isVisible() and "tool-libraries" in str(dialog.library.path)


def test_mcp_servers_and_folders_in_the_settings_dialog(qtbot, qloop, tmp_path, monkeypatch):
    import json
    import sys
    from pathlib import Path

    from agents.settings import load_settings
    from desktop.settings_dialog import SettingsDialog

    monkeypatch.setenv("AGORA_LAB_CONFIG_DIR", str(tmp_path / "config"))
    server = str(Path(__file__).parents[1] / "agents" / "tools" / "mcp_server.py")
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.tools.servers.setPlainText("[{not json")
    dialog.save()
    assert "not saved: MCP servers: not JSON" in dialog.tools.result.text() and not load_settings().tools.mcp_servers
    dialog.tools.servers.setPlainText(
        json.dumps([{"name": "test", "command": sys.executable, "args": [server, "stdio"]}])
    )
    dialog.tools.search_folder.setText(str(tmp_path))
    listed = qloop.run_until_complete(asyncio.wait_for(dialog.tools.list_tools(), 60))
    assert listed.startswith("✓") and "test_add" in listed
    dialog.save()
    saved = load_settings().tools
    assert (
        saved.search_folder == str(tmp_path)
        and saved.mcp_servers[0].name == "test"
        and saved.mcp_servers[0].policy == "ask"
    )


def test_mcp_secrets_go_to_the_keyring_not_the_settings_file(qtbot, qloop, tmp_path, monkeypatch):
    import json
    import sys

    from agents.llm.credentials import KEYRING_SERVICE
    from agents.settings import load_settings
    from agents.tools.mcp_secrets import IN_KEYRING
    from desktop.settings_dialog import SettingsDialog
    from tests.agents.tools.helpers import MemoryKeyring, use_keyring
    from tests.agents.tools.test_mcp import SERVER

    monkeypatch.setenv("AGORA_LAB_CONFIG_DIR", str(tmp_path / "config"))
    keyring = use_keyring(MemoryKeyring())
    backend = next(keyring)
    try:
        dialog = SettingsDialog(Settings())
        qtbot.addWidget(dialog)
        server = {"name": "test", "command": sys.executable, "args": [SERVER, "stdio"], "env": {"API_TOKEN": "t" * 24}}
        dialog.tools.servers.setPlainText(json.dumps([server]))
        with qtbot.waitSignal(dialog.accepted, timeout=10_000):
            dialog.save()
        files = "".join(p.read_text() for p in (tmp_path / "config").rglob("*") if p.is_file())
        assert "t" * 24 not in files and load_settings().tools.mcp_servers[0].env == {"API_TOKEN": IN_KEYRING}
        assert backend.entries == {(KEYRING_SERVICE, "mcp:test:env:API_TOKEN"): "t" * 24}
        again = SettingsDialog(load_settings())  # the saved server, its secret read back when it starts
        qtbot.addWidget(again)
        assert IN_KEYRING in again.tools.servers.toPlainText()
        listed = qloop.run_until_complete(asyncio.wait_for(again.tools.list_tools(), 60))
        assert listed.startswith("✓") and "test_getenv" in listed
        again.tools.servers.setPlainText("[]")
        again.save()
        assert backend.entries == {}  # the removed server's secret left the keyring
    finally:
        keyring.close()


def test_without_a_keyring_the_dialog_says_which_variable_to_set(qtbot, tmp_path, monkeypatch):
    import json

    from keyring.backends import fail

    from agents.settings import load_settings
    from desktop.settings_dialog import SettingsDialog
    from tests.agents.tools.helpers import use_keyring

    monkeypatch.setenv("AGORA_LAB_CONFIG_DIR", str(tmp_path / "config"))
    keyring = use_keyring(fail.Keyring())
    next(keyring)
    try:
        dialog = SettingsDialog(Settings())
        qtbot.addWidget(dialog)
        server = {"name": "test", "command": "python", "env": {"GITHUB_TOKEN": "g" * 24}}
        dialog.tools.servers.setPlainText(json.dumps([server]))
        dialog.save()
        assert "set the environment variable GITHUB_TOKEN" in dialog.tools.result.text()
        assert dialog.result() != dialog.DialogCode.Accepted  # kept open so the note is read
        assert load_settings().tools.mcp_servers[0].env == {"GITHUB_TOKEN": "${GITHUB_TOKEN}"}
    finally:
        keyring.close()
