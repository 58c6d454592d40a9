"""The Memory panel: per agent, every memory (search, filter by kind or entity), edits and
deletions with undo, the write history as diffs, reflections as trees over what they cite, and
the knowledge graph. During a run, the memories read for the current turn are highlighted;
double-clicking a memory asks to jump to the message it came from.

It never touches the store on the GUI thread: every read and edit goes through a
:class:`~desktop.memory.reader.StoreReader` (the one Qt edge, with the store call in a worker
thread), and the answer is drawn when it arrives. A store that cannot be used is said in a
banner, in words (damaged, locked by another program, from a newer version); the window goes on.
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
from agents.memory.inspector import ReflectionNode
from agents.memory.records import MEMORY_KINDS, Memory
from agents.memory.reflect import workflow_steps
from agents.memory.store import STORE_TIMEOUT_S
from agents.memory.view import Change, Page, PanelView, StoreFailure, ViewRequest, memory_owners
from desktop.memory.graph_view import GraphView
from desktop.memory.reader import StoreReader
from desktop.memory.table_model import MemoryTableModel

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
    shown = Signal()  # a view from the store was drawn (tests and the screenshot wait on it)

    def __init__(self, store_path: str | None = None, parent=None, timeout_s: float = STORE_TIMEOUT_S):
        super().__init__(parent)
        self.store_path = store_path
        self.entity: str | None = None
        self.undo_stack = QUndoStack(self)
        self.model = MemoryTableModel(self)
        self.reader = StoreReader(store_path, timeout_s, self)
        self.reader.viewed.connect(self._show_view)
        self.reader.failed.connect(self._show_failure)
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
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fef2f2; border: 1px solid #fca5a5; padding: 6px; color: #7f1d1d")
        self.banner.setVisible(False)
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
            (self.banner, "Memory store problem"),
            (self.table, "Memories"),
            (self.history, "Write history"),
            (self.reflections, "Reflections"),
            (self.graph, "Knowledge graph"),
        )
        for named, name in names:
            named.setAccessibleName(name)
        self.tabs = QTabWidget()
        self.pages: dict[QWidget, Page] = {
            self.table: "memories",
            self.history: "history",
            self.reflections: "reflections",
            self.graph: "graph",
        }
        for page, title in zip(self.pages, ("Memories", "Changes", "Reflections", "Graph")):
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
        column.addWidget(self.banner)
        column.addWidget(self.tabs, 1)
        column.addLayout(buttons)
        self.agent_box.currentTextChanged.connect(lambda _: self.refresh())
        self.search.textChanged.connect(lambda _: self.timer.start())
        self.kind_box.currentIndexChanged.connect(lambda _: self.refresh())
        self.tabs.currentChanged.connect(lambda _: self.refresh())

    # --- the store, through the reader --------------------------------------------------------
    def store_call(self, change: Change) -> None:
        """An edit, made in the reader's worker; the view is read again after it."""
        self.reader.ask(self.request(), change)

    def request(self) -> ViewRequest | None:
        if not self.agent:
            return None
        kind = self.kind_box.currentText()
        page = self.pages.get(self.tabs.currentWidget(), "memories")
        return ViewRequest(self.agent, self.search.text(), kind if kind in MEMORY_KINDS else "", self.entity, page)

    def set_agents(self, names: list[str]) -> None:
        """The team's memory owners first; the store's other owners join when a view arrives."""
        current = self.agent_box.currentText()
        self._set_choices(names)
        self.agent_box.blockSignals(True)
        self.agent_box.setCurrentText(current if current else (names[0] if names else ""))
        self.agent_box.blockSignals(False)
        self.refresh()

    def _set_choices(self, names: list[str]) -> None:
        shown = [self.agent_box.itemText(i) for i in range(self.agent_box.count())]
        wanted = list(dict.fromkeys([*names, *shown]))
        if wanted != shown:
            current = self.agent_box.currentText()
            self.agent_box.blockSignals(True)
            self.agent_box.clear()
            self.agent_box.addItems(wanted)
            self.agent_box.setCurrentText(current)
            self.agent_box.blockSignals(False)

    @property
    def agent(self) -> str:
        return self.agent_box.currentText().strip()

    # --- showing -------------------------------------------------------------------------------
    def refresh(self) -> None:
        request = self.request()
        if request is None:
            self.model.set_memories([])
            return
        self.status.setText(f"reading the memories of {request.agent}…")
        self.reader.ask(request)

    def _show_view(self, view: PanelView) -> None:
        if view.request != self.request():
            return  # the user moved on while it was read; the newer request is queued
        self.banner.setVisible(False)
        self._set_choices(view.owners)
        self.model.set_memories(view.memories)
        self.status.setText(f"{len(view.memories)} of {view.total} memories of {view.request.agent}")
        for problem in view.problems:
            self.problem.emit(f"memory: {problem}")
        if view.history is not None:
            self._show_history(view.history)
        if view.reflections is not None:
            self._show_reflections(view.reflections)
        if view.graph is not None:
            self.graph.show_graph(view.graph)
        self.shown.emit()

    def _show_failure(self, failure: StoreFailure) -> None:
        self.banner.setText(failure.message)
        self.banner.setVisible(True)
        self.status.setText(f"memory unavailable ({failure.problem})")
        self.problem.emit(failure.message)

    def _show_history(self, rows: list[dict]) -> None:
        out = []
        for row in rows:
            colour = OP_COLOURS.get(row["op"], "#334155")
            before = (
                f"<div style='color:#b91c1c'>− {html.escape(row['before'] or '')}</div>"
                if row["before"] and row["op"] != "ADD"
                else ""
            )
            after = f"<div style='color:#15803d'>+ {html.escape(row['after'] or '')}</div>" if row["after"] else ""
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row["ts"]))
            out.append(
                f"<p><b style='color:{colour}'>{row['op']}</b> <span style='color:#64748b'>{when} · {row['method']}"
                f"{' · session ' + html.escape(row['source_session']) if row['source_session'] else ''}</span>{before}{after}</p>"
            )
        self.history.setHtml("".join(out) or "<p style='color:#64748b'>No writes yet.</p>")

    def _show_reflections(self, trees: list[ReflectionNode]) -> None:
        self.reflections.clear()

        def add(parent, node: ReflectionNode) -> None:
            item = QTreeWidgetItem(parent, [node.memory.text.splitlines()[0], node.memory.kind])
            item.setToolTip(0, node.memory.text)
            for step in workflow_steps(node.memory.text) if node.memory.kind == "workflow" else ():
                QTreeWidgetItem(item, [step, "step"])  # a workflow is the recipe it keeps
            for cited in node.cites:
                add(item, cited)
            for missing in node.missing:
                QTreeWidgetItem(item, [f"(forgotten: {missing})", ""])

        for tree in trees:
            add(self.reflections, tree)
        self.reflections.expandAll()

    def filter_entity(self, entity: str | None) -> None:
        self.entity = entity
        self.entity_label.setText(f"entity: {entity} ✕" if entity else "")
        self.entity_label.setVisible(entity is not None)
        if entity is not None:
            self.tabs.blockSignals(True)
            self.tabs.setCurrentWidget(self.table)
            self.tabs.blockSignals(False)
        self.refresh()

    # --- a run's events --------------------------------------------------------------------
    def feed(self, batch: list) -> None:
        """A stream runner's batch: the team's agents when a run starts, then its memory events."""
        for event in batch:
            self.on_event(event)

    def on_event(self, event: EventBase) -> None:
        if isinstance(event, RunStarted):
            self.set_agents(memory_owners(event.team))
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
        self.reader.close()
        super().closeEvent(event)
