"""Render the builder's tools checklist with MCP servers to PNG:
`QT_QPA_PLATFORM=offscreen python -m desktop.devtools.tools_checklist_screenshot OUT.png SERVER.py`.

SERVER.py is an MCP server script (the tests' one: tests/agents/tools/mcp_server.py); a second,
broken server shows how an unreachable one reads in the checklist.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QScrollArea, QSplitter

from agents.spec import parse_team
from agents.tool_settings import McpServerConfig
from desktop.builder.builder import TeamBuilder

TEAM = {
    "name": "mcp team",
    "agents": [{"name": "Alice", "tools": ["calculator", "files_add"]}, {"name": "Bob"}],
    "protocol": {"kind": "round_robin", "max_rounds": 1},
}


def main(out: str, server: str) -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    builder = TeamBuilder(["local"])
    builder.resize(760, 1180)
    builder.show()
    servers = [
        McpServerConfig(name="files", command=sys.executable, args=(server, "stdio")),
        McpServerConfig(name="web", command=sys.executable, args=("-c", "raise SystemExit('no network here')")),
    ]
    waiting = QEventLoop()
    builder.agent_form.tools.listed.connect(waiting.quit)
    QTimer.singleShot(120_000, waiting.quit)  # a cap: the picture then shows what was listed so far
    builder.set_mcp_servers(servers)
    builder.open_spec(parse_team(TEAM, mcp_servers=["files"]))
    builder.canvas.select("Alice")
    waiting.exec()
    builder.agent_form.tools.boxes["files_echo"].setChecked(True)
    splitter = builder.findChild(QSplitter)
    assert splitter is not None
    splitter.setSizes([330, 850])  # the property editor gets the room: it is the subject here
    app.processEvents()
    scroll = builder.tabs.currentWidget()
    if isinstance(scroll, QScrollArea):
        scroll.ensureWidgetVisible(builder.agent_form.tools.refresh_button)
    app.processEvents()
    builder.grab().save(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
