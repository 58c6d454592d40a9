"""The Memory panel: per agent, every memory (search, filter by kind or entity), edits and
deletions with undo, the write history as diffs, reflections as trees over what they cite, and
the knowledge graph. During a run, the memories read for the current turn are highlighted;
double-clicking a memory asks to jump to the message it came from.

It reads the live store directly (SQLite reads are quick) and refreshes when a run writes.
"""

from __future__ import annotations

import html
import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from agents.events import EventBase, RunStarted
from agents.memory.events import MemoryRead, MemoryReflected, MemoryWritten
from agents.memory.graph import MemoryGraph
from agents.memory.inspector import ReflectionNode, diffs, entity_memories, layout, reflection_trees
from agents.memory.read import OwnerIndex, score
from agents.memory.records import MEMORY_KINDS, Memory
from agents.memory.store import MemoryStore, MemoryStoreError
from desktop.memory.graph_view import GraphView
from desktop.memory.table_model import MemoryTableModel

LIST_LIMIT = 500  # the newest shown; search and the entity filter reach the rest
REFRESH_MS = 250  # a run's writes arrive in bursts: one refresh per burst
OP_COLOURS = {"ADD": "#15803d", "UPDATE": "#b45309", "DELETE": "#b91c1c", "NOOP": "#64748b"}


class _Delete(QUndoCommand):
    def __init__(self, panel: MemoryPanel, memory: Memory):
        super().__init__(f"forget {memory.id}")
        self.panel, self.memory = panel, memory

    def redo(self) -> None:
        self.panel.store_call(lambda store: store.delete(self.memory.id, method="user"))

    def undo(self) -> None:
        self.panel.store_call(lambda store: store.add(self.memory, method="user"))


class _Edit(QUndoCommand):
    def __init__(self, panel: MemoryPanel, memory: Memory, text: str):
        super().__init__(f"edit {memory.id}")
        self.panel, self.memory, self.new_text = panel, memory, text

    def redo(self) -> None:
        self.panel.store_call(lambda store: store.update(self.memory.id, method="user", text=self.new_text))

    def undo(self) -> None:
        self.panel.store_call(lambda store: store.update(self.memory.id, method="user", text=self.memory.text))


class MemoryPanel(QWidget):
    jumpRequested = Signal(str, str)  # session id, message id
    problem = Signal(str)

    def __init__(self, store_path: str | None = None, parent=None):
        super().__init__(parent)
        self.store_path = store_path
        self.store: MemoryStore | None = None
        self.entity: str | None = None
        self.undo_stack = QUndoStack(self)
        self.model = MemoryTableModel(self)
        self._build()
        self.timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

    def _build(self) -> None:
        self.agent_box = QComboBox(editable=True)
        self.agent_box.setMinimumContentsLength(14)
        self.search = QLineEdit(placeholderText="search (ranked as a read would rank them)")
        self.kind_box = QComboBox()
        self.kind_box.addItems(["all kinds", *MEMORY_KINDS])
        self.entity_label = QPushButton("", flat=True)
        self.entity_label.setVisible(False)
        self.entity_label.clicked.connect(lambda: self.filter_entity(None))
        bar = QHBoxLayout()
        for widget in (QLabel("Agent"), self.agent_box, self.search, self.kind_box, self.entity_label):
            bar.addWidget(widget)
        bar.setStretch(2, 1)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for section in range(1, 5):
            header.setSectionResizeMode(section, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.doubleClicked.connect(self._jump)
        self.history = QTextBrowser()
        self.reflections = QTreeWidget()
        self.reflections.setHeaderLabels(["Reflection / cited memory", "Kind"])
        self.reflections.setColumnWidth(0, 520)
        self.graph = GraphView()
        self.graph.entityClicked.connect(self.filter_entity)
        names: tuple[tuple[QWidget, str], ...] = (
            (self.agent_box, "Agent"),
            (self.kind_box, "Memory kind"),
            (self.entity_label, "Clear the entity filter"),
            (self.table, "Memories"),
            (self.history, "Write history"),
            (self.reflections, "Reflections"),
            (self.graph, "Knowledge graph"),
        )
        for named, name in names:
            named.setAccessibleName(name)
        self.tabs = QTabWidget()
        tabs: tuple[tuple[QWidget, str], ...] = (
            (self.table, "Memories"),
            (self.history, "Changes"),
            (self.reflections, "Reflections"),
            (self.graph, "Graph"),
        )
        for page, title in tabs:
            self.tabs.addTab(page, title)
        buttons = QHBoxLayout()
        self.status = QLabel("")
        self.status.setStyleSheet("color: #64748b")
        for text, slot in (
            ("Edit…", self.edit_selected),
            ("Forget", self.delete_selected),
            ("Undo", self.undo_stack.undo),
            ("Redo", self.undo_stack.redo),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addWidget(self.status, 1)
        column = QVBoxLayout(self)
        column.addLayout(bar)
        column.addWidget(self.tabs, 1)
        column.addLayout(buttons)
        self.agent_box.currentTextChanged.connect(lambda _: self.refresh())
        self.search.textChanged.connect(lambda _: self.timer.start())
        self.kind_box.currentIndexChanged.connect(lambda _: self.refresh())
        self.tabs.currentChanged.connect(lambda _: self.refresh())

    # --- the store ---------------------------------------------------------------------------
    def open_store(self) -> MemoryStore | None:
        if self.store is None:
            try:
                self.store = MemoryStore(self.store_path)
            except MemoryStoreError as exc:
                self.status.setText(f"memory unavailable: {exc}")
                self.problem.emit(str(exc))
                return None
        return self.store

    def store_call(self, change) -> None:
        store = self.open_store()
        if store is None:
            return
        try:
            change(store)
        except (MemoryStoreError, KeyError) as exc:
            self.problem.emit(f"memory: {exc}")
        self.refresh()

    def set_agents(self, names: list[str]) -> None:
        """The team's agents first, then any other owner the store knows."""
        store = self.open_store()
        known = store.agents() if store else []
        current = self.agent_box.currentText()
        self.agent_box.blockSignals(True)
        self.agent_box.clear()
        self.agent_box.addItems(list(dict.fromkeys([*names, *known])))
        self.agent_box.setCurrentText(current if current else (names[0] if names else ""))
        self.agent_box.blockSignals(False)
        self.refresh()

    @property
    def agent(self) -> str:
        return self.agent_box.currentText().strip()

    # --- showing -------------------------------------------------------------------------------
    def refresh(self) -> None:
        store = self.open_store()
        if store is None or not self.agent:
            self.model.set_memories([])
            return
        memories = self._visible(store)
        self.model.set_memories(memories)
        self.status.setText(f"{len(memories)} of {store.count(self.agent)} memories of {self.agent}")
        # Only the page in view is rebuilt (a large memory's graph is not free); the others on showing.
        page = self.tabs.currentWidget()
        if page is self.history:
            self._show_history(store)
        elif page is self.reflections:
            self._show_reflections(store)
        elif page is self.graph:
            self.graph.show_graph(layout(MemoryGraph.build(*store.graph_rows(self.agent))))

    def _visible(self, store: MemoryStore) -> list[Memory]:
        kind = self.kind_box.currentText()
        if self.entity:
            memories = entity_memories(store, MemoryGraph.build(*store.graph_rows(self.agent)), self.agent, self.entity)
        elif self.search.text().strip():
            ranked = score(OwnerIndex(store, self.agent), self.search.text(), time.time(), limit=200)
            memories = [store.get(item.memory_id) for item in ranked]
        else:
            memories = store.newest(self.agent, LIST_LIMIT)
        return [m for m in memories if kind not in MEMORY_KINDS or m.kind == kind]

    def _show_history(self, store: MemoryStore) -> None:
        rows = []
        for row in diffs(store, self.agent, limit=300):
            colour = OP_COLOURS.get(row["op"], "#334155")
            before = (
                f"<div style='color:#b91c1c'>− {html.escape(row['before'] or '')}</div>"
                if row["before"] and row["op"] != "ADD"
                else ""
            )
            after = f"<div style='color:#15803d'>+ {html.escape(row['after'] or '')}</div>" if row["after"] else ""
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row["ts"]))
            rows.append(
                f"<p><b style='color:{colour}'>{row['op']}</b> <span style='color:#64748b'>{when} · {row['method']}"
                f"{' · session ' + html.escape(row['source_session']) if row['source_session'] else ''}</span>{before}{after}</p>"
            )
        self.history.setHtml("".join(rows) or "<p style='color:#64748b'>No writes yet.</p>")

    def _show_reflections(self, store: MemoryStore) -> None:
        self.reflections.clear()

        def add(parent, node: ReflectionNode) -> None:
            item = QTreeWidgetItem(parent, [node.memory.text.splitlines()[0], node.memory.kind])
            item.setToolTip(0, node.memory.text)
            for cited in node.cites:
                add(item, cited)
            for missing in node.missing:
                QTreeWidgetItem(item, [f"(forgotten: {missing})", ""])

        for tree in reflection_trees(store, self.agent):
            add(self.reflections, tree)
        self.reflections.expandAll()

    def filter_entity(self, entity: str | None) -> None:
        self.entity = entity
        self.entity_label.setText(f"entity: {entity} ✕" if entity else "")
        self.entity_label.setVisible(entity is not None)
        if entity is not None:
            self.tabs.setCurrentWidget(self.table)
        self.refresh()

    # --- a run's events --------------------------------------------------------------------
    def feed(self, batch: list) -> None:
        """A stream runner's batch: the team's agents when a run starts, then its memory events."""
        for event in batch:
            self.on_event(event)

    def on_event(self, event: EventBase) -> None:
        if isinstance(event, RunStarted):
            self.set_agents(
                [
                    str(agent.get("name", ""))
                    for agent in event.team.get("agents", [])
                    if (agent.get("memory") or {}).get("enabled")
                ]
            )
        elif isinstance(event, MemoryRead):
            if not self.agent:
                self.agent_box.setCurrentText(event.owner)
            if self.agent in (event.agent, event.owner):  # the turn being taken by the agent shown
                self.model.highlight({item.memory_id for item in event.items})
        elif isinstance(event, (MemoryWritten, MemoryReflected)):
            self.timer.start()

    # --- editing -----------------------------------------------------------------------------
    def selected(self) -> Memory | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.memory_at(rows[0].row()) if rows else None

    def delete_selected(self) -> None:
        memory = self.selected()
        if memory is not None:
            self.undo_stack.push(_Delete(self, memory))

    def edit_selected(self) -> None:
        memory = self.selected()
        if memory is None:
            return
        text, ok = QInputDialog.getMultiLineText(self, "Edit memory", "Text", memory.text)
        if ok and text.strip() and text.strip() != memory.text:
            self.undo_stack.push(_Edit(self, memory, text.strip()))

    def _jump(self, index) -> None:
        memory = self.model.memory_at(index.row())
        if memory is not None and memory.source_session and memory.source_message:
            self.jumpRequested.emit(memory.source_session, memory.source_message)

    def closeEvent(self, event) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None
        super().closeEvent(event)
