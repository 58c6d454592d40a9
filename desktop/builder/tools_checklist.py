"""The property editor's tools checklist: the built-ins, the team library's tools and every
configured MCP server's tools, one box each.

An MCP server's tools are known only once the server has started and listed them, which may
take seconds (or never come, for a server that hangs), so the listing runs on a worker thread
with its own event loop and comes back through a queued signal. Until then, and when a server
cannot be reached, the server's section says so in words; the window never waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton, QVBoxLayout, QWidget

from agents.spec import KNOWN_TOOLS
from agents.tool_settings import McpServerConfig
from agents.tools.mcp_listing import ServerTools, list_servers_blocking


class _Relay(QObject):
    """Carries a worker's listing to the GUI thread. A child of the checklist, so Qt deletes
    it there; a worker that finishes after the checklist is gone finds it deleted and stops."""

    done = Signal(int, object)  # the refresh it answers, its list of ServerTools


def _list_in_thread(relay: _Relay, generation: int, configs: Sequence[McpServerConfig]) -> None:
    listings = list_servers_blocking(configs)
    try:
        relay.done.emit(generation, listings)
    except RuntimeError:  # the builder was closed while the servers were starting
        pass


def _note(listing: ServerTools | None) -> str:
    """What a server's section says while it has no boxes to show."""
    if listing is None:
        return "listing its tools…"
    if listing.problem is not None:
        return f"✗ unreachable: {listing.problem}"
    return "no tools"


class ToolsChecklist(QWidget):
    """``toggled``: the user ticked or cleared a box. ``listed``: the MCP servers' listing that
    was last asked for has arrived and is shown."""

    toggled = Signal()
    listed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Tools")
        self.boxes: dict[str, QCheckBox] = {}
        self.servers: tuple[McpServerConfig, ...] = ()
        self.listings: dict[str, ServerTools] = {}
        self.notes: dict[str, QLabel] = {}  # one line per MCP server: listing… / its problem
        self._chosen: set[str] = set()
        self._library: tuple[str, ...] = ()
        self._generation = 0
        self._relay = _Relay(self)
        self._relay.done.connect(self._show_listing)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.refresh_button = QPushButton("Refresh MCP tools")
        self.refresh_button.setToolTip("Start the MCP servers from Providers again and list their tools")
        self.refresh_button.clicked.connect(self.refresh)
        self._rebuild()

    # --- what is listed -----------------------------------------------------------------
    def set_servers(self, servers: Iterable[McpServerConfig]) -> None:
        """Show these servers' tools; listed again unless they are unchanged and all answered."""
        servers = tuple(servers)
        answered = self.listings and all(listing.problem is None for listing in self.listings.values())
        if servers == self.servers and (answered or not servers):
            return
        self.servers = servers
        self.listings = {}
        self.refresh()

    def set_library(self, names: Iterable[str]) -> None:
        """The tools the team's agents wrote (its library beside the team file)."""
        names = tuple(sorted(names))
        if names != self._library:
            self._library = names
            self._rebuild()

    def refresh(self) -> None:
        """List every server's tools again, on a worker thread; returns at once."""
        self._generation += 1
        self._rebuild()
        if self.servers:
            worker = threading.Thread(
                target=_list_in_thread,
                args=(self._relay, self._generation, self.servers),
                name="mcp-listing",
                daemon=True,  # a server that hangs must not keep the app from quitting
            )
            worker.start()

    def _show_listing(self, generation: int, listings: list[ServerTools]) -> None:
        if generation != self._generation:
            return  # an older refresh, overtaken by a newer one
        self.listings = {listing.server: listing for listing in listings}
        self._rebuild()
        self.listed.emit()

    # --- the agent's choice ---------------------------------------------------------------
    def show_tools(self, tools: Iterable[str]) -> None:
        self._chosen = set(tools)
        for name, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(name in self._chosen)
            box.blockSignals(False)

    def checked(self) -> tuple[str, ...]:
        return tuple(name for name, box in self.boxes.items() if box.isChecked())

    def shown(self) -> set[str]:
        return set(self.boxes)

    # --- layout ---------------------------------------------------------------------------
    def _rebuild(self) -> None:
        while (item := self._layout.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None and widget is not self.refresh_button:
                widget.deleteLater()
        self.boxes, self.notes = {}, {}
        for name in KNOWN_TOOLS:
            self._add_box(name)
        if self._library:
            self._layout.addWidget(QLabel("Written by the team's agents"))
            for name in self._library:
                self._add_box(name)
        for config in self.servers:
            self._add_server(config)
        if self.servers:
            self._layout.addWidget(self.refresh_button)
        self.refresh_button.setVisible(bool(self.servers))

    def _add_server(self, config: McpServerConfig) -> None:
        self._layout.addWidget(QLabel(f"<b>MCP server {config.name}</b>"))
        listing = self.listings.get(config.name)
        if listing is not None and listing.tools:
            for spec in listing.tools:
                self._add_box(spec.name, spec.description)
            return
        note = QLabel(_note(listing))
        note.setWordWrap(True)
        note.setAccessibleName(f"MCP server {config.name}")
        self.notes[config.name] = note
        self._layout.addWidget(note)

    def _add_box(self, name: str, tip: str = "") -> None:
        box = QCheckBox(name)
        box.setToolTip(tip)
        box.setChecked(name in self._chosen)
        box.toggled.connect(self._toggled)
        self.boxes[name] = box
        self._layout.addWidget(box)

    def _toggled(self, *_) -> None:
        self._chosen = set(self.checked()) | (self._chosen - self.shown())
        self.toggled.emit()
