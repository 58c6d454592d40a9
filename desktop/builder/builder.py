"""The team builder: palette, canvas, live validation and the property editors, on one draft."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from agents.spec import (
    DebateProtocol,
    ManagerWorkersProtocol,
    RoundRobinProtocol,
    SelectorProtocol,
    TeamFileError,
    TeamSpec,
    TerminationSpec,
    load_team,
    load_template,
    save_team,
)
from agents.team_draft import TeamDraft
from agents.tool_settings import McpServerConfig
from agents.tools.authored import library_tool_names
from desktop.builder.canvas import TeamCanvas
from desktop.builder.document import DraftDocument
from desktop.builder.forms import AgentForm, RecordForm
from desktop.builder.gallery import TemplateGallery
from desktop.builder.link_dialog import LinkDialog
from desktop.builder.palette import RolePalette

PROTOCOLS = {
    p.model_fields["kind"].default: p
    for p in (DebateProtocol, RoundRobinProtocol, SelectorProtocol, ManagerWorkersProtocol)
}


class ProtocolForm(QWidget):
    """Protocol kind, then that protocol's own parameters."""

    edited = Signal(object)  # the new protocol record

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QFormLayout(self)
        self.kind = QComboBox()
        self.kind.addItems(list(PROTOCOLS))
        self.stack = QStackedWidget()
        self.forms = {kind: RecordForm(cls) for kind, cls in PROTOCOLS.items()}
        for kind, form in self.forms.items():
            self.stack.addWidget(form)
            form.edited.connect(lambda values, kind=kind: self.edited.emit(PROTOCOLS[kind](**values)))
        self.kind.currentTextChanged.connect(lambda kind: self.edited.emit(PROTOCOLS[kind]()))
        layout.addRow("Protocol", self.kind)
        layout.addRow(self.stack)

    def show_protocol(self, protocol) -> None:
        self.kind.blockSignals(True)
        self.kind.setCurrentText(protocol.kind)
        self.kind.blockSignals(False)
        self.stack.setCurrentWidget(self.forms[protocol.kind])
        self.forms[protocol.kind].show_record(protocol)


class TeamBuilder(QWidget):
    """Edits a team by drag and drop; every edit goes through ``document`` (undoable)."""

    problem = Signal(str)  # a file could not be opened or saved
    taskSuggested = Signal(str)  # an opened team's sample task ("" when it has none)
    saved = Signal(str)  # the path a team was saved to

    def __init__(self, models: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.document = DraftDocument(parent=self)
        self.selected = ""
        self.mcp_servers: tuple[str, ...] = ()  # names of the configured servers: their tools are known
        self.roles = RolePalette()
        self.canvas = TeamCanvas()
        self.validation = QLabel()
        self.validation.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Team name")
        self.name_edit.editingFinished.connect(
            lambda: self._apply("Rename team", self.draft.renamed(self.name_edit.text()))
        )
        self.agent_form = AgentForm(models)
        self.protocol_form = ProtocolForm()
        self.termination_form = RecordForm(TerminationSpec)
        self._lay_out()
        self._connect()
        self.document.show(TeamDraft())

    @property
    def draft(self) -> TeamDraft:
        return self.document.draft

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel("Team"))
        top.addWidget(self.name_edit)
        tabs = QTabWidget()
        for form, title in (
            (self.agent_form, "Agent"),
            (self.protocol_form, "Protocol"),
            (self.termination_form, "Termination"),
        ):
            scroll = QScrollArea()  # the forms may shrink: the dock shares the window's height
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(form)
            scroll.setAccessibleName(f"{title} editor")
            tabs.addTab(scroll, title)
        self.tabs = tabs
        upper = QWidget()
        column = QVBoxLayout(upper)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.roles)
        column.addWidget(self.canvas, 1)
        column.addWidget(self.validation)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        c = self.canvas
        c.cardDropped.connect(lambda role, at: self._apply(f"Add {role}", self.draft.with_card(role, (at.x(), at.y()))))
        c.nodeMoved.connect(lambda name, at: self._apply(f"Move {name}", self.draft.moved(name, (at.x(), at.y()))))
        c.linkRequested.connect(lambda s, t: self._apply(f"Link {s} → {t}", self.draft.with_link(s, t)))
        c.deleteRequested.connect(self._delete)
        c.selectionChangedTo.connect(self._select)
        self.roles.itemActivated.connect(lambda item: self.add_card(item.data(Qt.ItemDataRole.UserRole)))
        self.agent_form.edited.connect(self._edit_agent)
        self.protocol_form.edited.connect(lambda p: self._apply("Change protocol", self.draft.with_protocol(p)))
        self.termination_form.edited.connect(
            lambda v: self._apply("Change termination", self.draft.with_termination(TerminationSpec(**v)))
        )
        self.document.changed.connect(self._show)

    # --- edits ----------------------------------------------------------------------
    def _apply(self, text: str, after: TeamDraft) -> None:
        self.document.apply(text, after)

    def add_card(self, role: str) -> None:
        """The keyboard way to add a card (Enter on the palette): placed beside the team, then selected."""
        at = self.canvas.free_spot()
        before = {a.name for a in self.draft.agents}
        self._apply(f"Add {role}", self.draft.with_card(role, (at.x(), at.y())))
        added = [a.name for a in self.draft.agents if a.name not in before]
        if added:
            self.canvas.select(added[0])
            self.canvas.ensureVisible(self.canvas.nodes[added[0]])

    def open_link_dialog(self) -> LinkDialog:
        selected = self.canvas.selected_names()
        dialog = LinkDialog([a.name for a in self.draft.agents], selected[0] if selected else "", self)
        dialog.chosen.connect(lambda s, t: self._apply(f"Link {s} → {t}", self.draft.with_link(s, t)))
        dialog.open()
        return dialog

    def _delete(self, names: list[str], links: list) -> None:
        after = self.draft
        for link in links:
            after = after.without_link(link)
        for name in names:
            after = after.without_agent(name)
        self._apply("Delete " + ", ".join(names or ["link"]), after)

    def _edit_agent(self, name: str, changes: dict) -> None:
        try:
            after = self.draft.with_agent_changed(name, **changes)
        except ValueError as exc:
            self.agent_form.show_agent(self.draft.agent(name))  # put back what is valid
            self.problem.emit(f"{name}: {exc}")
            return
        new_name = changes.get("name", name)
        self._apply(f"Edit {name}", after)
        self.canvas.select(new_name)

    def _select(self, name: str) -> None:
        self.selected = name
        self.agent_form.show_agent(self.draft.agent(name) if name else None)
        if name:
            self.tabs.setCurrentIndex(0)  # the Agent tab

    def _show(self, draft: TeamDraft) -> None:
        self.canvas.show_draft(draft)
        self.agent_form.tools.set_library(self.library_tools())
        self.name_edit.setText(draft.name)
        self.protocol_form.show_protocol(draft.protocol)
        self.termination_form.show_record(draft.termination)
        names = {a.name for a in draft.agents}
        self._select(self.selected if self.selected in names else "")
        problems = draft.problems()
        self.validation.setText("Ready to run." if not problems else "Missing: " + "; ".join(problems))
        self.validation.setStyleSheet(f"color: {'#1a7f37' if not problems else '#cf222e'}; font-weight: bold")

    # --- files ----------------------------------------------------------------------
    def new_team(self) -> None:
        self.document.replace("New team", TeamDraft())

    def open_spec(self, spec: TeamSpec, path: Path | None = None) -> None:
        self.document.replace(f"Open {spec.name}", TeamDraft.from_spec(spec), path)
        QTimer.singleShot(0, self.canvas.fit)  # once the view has its size
        self.taskSuggested.emit(spec.sample_task)

    def open_template(self, name: str) -> None:
        self.open_spec(load_template(name))

    def open_file(self, path: str | Path) -> bool:
        try:
            self.open_spec(load_team(path, check_models=False, mcp_servers=self.mcp_servers), Path(path))
        except TeamFileError as exc:
            self.problem.emit(str(exc))  # the team on the canvas stays as it was
            return False
        return True

    def save_file(self, path: str | Path) -> bool:
        try:
            save_team(self.draft.to_spec(str(path), self.library_tools(), self.mcp_servers), path)
        except (TeamFileError, OSError) as exc:
            self.problem.emit(f"not saved: {exc}")
            return False
        self.document.path = Path(path)
        self.document.undo_stack.setClean()
        return True

    # --- File › New / Open / Save, with non-blocking dialogs --------------------------------
    def open_gallery(self) -> TemplateGallery:
        gallery = TemplateGallery(self)
        gallery.chosen.connect(self.open_template)
        gallery.open()
        return gallery

    def open_team_file(self, path: str | None = None) -> None:
        if path is None:
            self._ask_path("Open team", False, self.open_team_file)
        else:
            self.open_file(path)

    def save_team_file(self, path: str | Path | None = None) -> None:
        path = path or self.document.path
        if path is None:
            self.save_team_as()
        elif self.save_file(path):
            self.saved.emit(str(path))

    def save_team_as(self, path: str | None = None) -> None:
        if path is None:
            self._ask_path("Save team as", True, self.save_team_file)
        else:
            self.save_team_file(path)

    def _ask_path(self, title: str, save: bool, then: Callable[[str], None]) -> QFileDialog:
        """A non-blocking file dialog (a modal exec() would stall the asyncio loop)."""
        dialog = QFileDialog(self, title, str(self.document.path or ""), "Team files (*.json)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen)
        dialog.setDefaultSuffix("json")
        dialog.fileSelected.connect(then)
        dialog.open()
        return dialog

    def team(self) -> TeamSpec:
        """The runnable team, or TeamFileError saying what the canvas still lacks."""
        return self.draft.to_spec(library_tools=self.library_tools(), mcp_servers=self.mcp_servers)

    def set_mcp_servers(self, servers: Iterable[McpServerConfig]) -> None:
        """The MCP servers from Providers: their tools join the checklist (listed off the GUI
        thread) and team validation accepts them, as the CLI does."""
        servers = tuple(servers)
        self.mcp_servers = tuple(server.name for server in servers)
        self.agent_form.tools.set_servers(servers)

    def library_tools(self) -> list[str]:
        """The tools saved beside the team's file (agents wrote them), usable like built-ins."""
        return library_tool_names(self.document.path) if self.document.path else []
