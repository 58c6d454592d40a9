"""The Tools section of the settings dialog: the folders the file tools may use and the MCP
servers (a JSON list, as in settings.json), with a button that starts them and lists their tools.
Their secrets (secret-named env values, HTTP headers) go to the OS keyring on Save."""

from __future__ import annotations

import asyncio
import json

from pydantic import ValidationError
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QPlainTextEdit, QPushButton

from agents.tool_settings import McpServerConfig, ToolSettings
from agents.tools.mcp_listing import list_servers_blocking
from agents.tools.mcp_secrets import forget_secrets, stash_all, unused_entries

EXAMPLE = '[{"name": "files", "command": "python", "args": ["server.py"]}, {"name": "web", "url": "http://127.0.0.1:8000/mcp"}]'


class ToolSettingsGroup(QGroupBox):
    def __init__(self, tools: ToolSettings):
        super().__init__("Tools (search and read folders, MCP servers)")
        self.tools = tools
        form = QFormLayout(self)
        self.search_folder = QLineEdit(tools.search_folder or "")
        self.search_folder.setPlaceholderText("a folder of .txt / .md notes for search_files")
        self.read_folders = QLineEdit("; ".join(tools.read_folders))
        self.read_folders.setPlaceholderText("folders read_file may open, separated by ;")
        self.servers = QPlainTextEdit(
            json.dumps([s.model_dump(exclude_defaults=True) for s in tools.mcp_servers], indent=1)
        )
        self.servers.setPlaceholderText(EXAMPLE)
        self.servers.setMaximumHeight(90)
        self.list_button = QPushButton("Start and list tools")
        self.list_button.clicked.connect(self._list_soon)
        self._listing: asyncio.Future | None = None
        self.result = QLabel("")
        self.result.setWordWrap(True)
        form.addRow("Search folder", self.search_folder)
        form.addRow("Read folders", self.read_folders)
        form.addRow("MCP servers", self.servers)
        form.addRow(self.list_button, self.result)

    def value(self) -> ToolSettings:
        """The edited section; ValueError says what is wrong (nothing is saved then)."""
        text = self.servers.toPlainText().strip() or "[]"
        try:
            servers = [McpServerConfig.model_validate(s) for s in json.loads(text)]
        except json.JSONDecodeError as exc:
            raise ValueError(f"MCP servers: not JSON ({exc.msg}, line {exc.lineno})") from None
        except (ValidationError, TypeError) as exc:
            raise ValueError(f"MCP servers: {exc}") from None
        folders = tuple(f.strip() for f in self.read_folders.text().split(";") if f.strip())
        return self.tools.model_copy(
            update={
                "search_folder": self.search_folder.text().strip() or None,
                "read_folders": folders,
                "mcp_servers": tuple(servers),
            }
        )

    def value_to_save(self) -> tuple[ToolSettings, list[str]]:
        """The edited section as settings.json may hold it: the MCP servers' secrets moved to the
        OS keyring (or, with no keyring, into environment references), and a note for each of those."""
        tools = self.value()
        servers, notes = stash_all(tools.mcp_servers)
        return tools.model_copy(update={"mcp_servers": servers}), notes

    def forget_unused(self, saved: ToolSettings) -> None:
        """Once saved: drop the keyring entries of servers (or secrets) that are gone."""
        forget_secrets(unused_entries(self.tools.mcp_servers, saved.mcp_servers))
        self.tools = saved

    def _list_soon(self) -> None:
        self._listing = asyncio.ensure_future(self.list_tools())  # kept: a bare task may be collected

    async def list_tools(self) -> str:
        """Start every server, list its tools, stop it again; the outcome is shown under the button."""
        try:
            servers = list(self.value().mcp_servers)
        except ValueError as exc:
            self.result.setText(f"✗ {exc}")
            return self.result.text()
        self.result.setText("starting…")
        # On a worker thread with a loop of its own: a server that is slow to start never stalls the window.
        listings = await asyncio.to_thread(list_servers_blocking, servers)
        names = ", ".join(name for listing in listings for name in listing.names()) or "no tools"
        problems = [listing.problem for listing in listings if listing.problem is not None]
        self.result.setText("\n".join([f"✓ {names}"] + [f"✗ {p}" for p in problems]))
        return self.result.text()
