"""The main window: dockable panels around the live conversation. Layout and wiring only:
runs belong to the RunController, team files to the builder, sessions to their browser."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from agents.events import ErrorEvent, MessageCompleted, ModelLoadProgress, RunStarted
from agents.session.library import read_session
from agents.session.pipeline import ProviderSource
from agents.settings import Settings, load_settings
from agents.tools.authored import ToolLibrary, library_path, unsaved_team_library
from desktop.accessible import name_unnamed, order_tabs
from desktop.builder.builder import TeamBuilder
from desktop.builder.tool_library import ToolLibraryDialog
from desktop.conversation.view import ConversationView
from desktop.conversation.welcome import Welcome, sample_session_paths
from desktop.experiments.panel import ExperimentsPanel
from desktop.inputs import Banner, HumanInputBar, ToolApprovalBar
from desktop.interp.panel import InterpPanel
from desktop.loading import LoadingDialog
from desktop.memory.panel import MemoryPanel
from desktop.menus import MenuHandlers, build_menus
from desktop.planning.panel import PlanningPanel
from desktop.run_bar import RunBar
from desktop.run_controller import RunController, RunInputs
from desktop.run_status import RunStatus
from desktop.runner import Handlers, route
from desktop.sessions.browser import SessionBrowser
from desktop.settings_dialog import SettingsDialog
from desktop.theme import ThemeKeeper

FIRST_TEMPLATE = "debate_with_judge"
LEFT, RIGHT, BOTTOM = (
    Qt.DockWidgetArea.LeftDockWidgetArea,
    Qt.DockWidgetArea.RightDockWidgetArea,
    Qt.DockWidgetArea.BottomDockWidgetArea,
)
# Default proportions of the window: the conversation keeps the rest (about 60% by 65%).
LAYOUT_VERSION = 2  # bump when the docks' arrangement changes
SIDE_SHARE, SIDE_MIN, SIDE_MAX = 0.32, 360, 620
BOTTOM_SHARE, RAISED_SHARE = 0.38, 0.55  # a panel the user's action fills grows to RAISED_SHARE


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None, load: ProviderSource | None = None):
        """``load`` opens the providers of every run (tests pass scripted ones); default: the real loader."""
        super().__init__()
        self.setWindowTitle("Agora Lab")
        self.resize(1280, 800)
        self.settings = settings or load_settings()
        self.docks: list[QDockWidget] = []
        self.theme = ThemeKeeper(str(QSettings("Agora Lab", "agora-lab").value("theme", "system")), self)
        self.theme.apply()
        self.builder = TeamBuilder(self._model_choices())
        self.builder.set_mcp_servers(self.settings.tools.mcp_servers)
        self.run_bar = RunBar(self._model_choices())
        inputs = RunInputs(
            team=self.builder.team,
            task=self.run_bar.task,
            model=self.run_bar.model,
            team_file=lambda: self.builder.document.path,
        )
        self.runs = RunController(lambda: self.settings, inputs, load, self)
        self.loading = LoadingDialog(self)
        self._build_centre()
        self._build_docks(load)
        self.menu_actions = build_menus(
            self, self._menu_handlers(), self.builder.document.undo_stack, self.docks, self.theme.choice
        )
        self._connect_runs()
        self._connect_welcome()
        self.builder.open_template(FIRST_TEMPLATE)
        self.unnamed = name_unnamed(self)  # what a screen reader could not name (a test keeps it empty)
        areas = (LEFT, None, BOTTOM, RIGHT)  # Tab follows the screen: left docks, the centre, then below
        regions = [region for area in areas for region in self._docks_in(area)]
        self.tab_chain = order_tabs(self, regions)
        self._restore()

    # --- layout -----------------------------------------------------------------
    def _build_centre(self) -> None:
        centre = self.centre = QWidget()
        layout = QVBoxLayout(centre)
        self.banner = Banner()
        self.conversation = ConversationView()
        self.welcome = Welcome()
        self.pages = QStackedWidget()  # the welcome until the conversation has something to show
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(self.conversation)
        self.human_bar = HumanInputBar()
        self.approval_bar = ToolApprovalBar()
        for widget in (self.run_bar, self.banner, self.pages, self.human_bar, self.approval_bar):
            layout.addWidget(widget, 1 if widget is self.pages else 0)
        self.setCentralWidget(centre)
        self.run_status = RunStatus(self.statusBar(), self.runs.runner)

    def _build_docks(self, load: ProviderSource | None) -> None:
        self.sessions = SessionBrowser()
        self.planning = PlanningPanel(lambda: self.settings, load=load)
        self.interp = InterpPanel(lambda: self.settings)
        self.experiments = ExperimentsPanel(lambda: self.settings, load=load)
        self.memory = MemoryPanel()
        # Every dock in one list: (title, panel, area). Docks of one area are tabbed together, the
        # first of each area in front. A new panel adds its line here.
        docks = [
            ("Team builder", self.builder, LEFT),
            ("Sessions", self.sessions, LEFT),
            ("Planning", _shrinkable(self.planning), BOTTOM),
            ("Interpretability", _shrinkable(self.interp), BOTTOM),
            ("Experiments", _shrinkable(self.experiments), BOTTOM),
            ("Memory", _shrinkable(self.memory), BOTTOM),
        ]
        self.setCorner(Qt.Corner.BottomLeftCorner, LEFT)  # the builder keeps the full height
        self.setDockOptions(self.dockOptions() | QMainWindow.DockOption.GroupedDragging)
        for title, panel, area in docks:
            self._dock(title, panel, area)
        self.dock_for = {dock.windowTitle(): dock for dock in self.docks}
        self._default_state = QByteArray(self.saveState())

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        dock.setAccessibleName(title)
        widget.setAccessibleName(f"{title} panel")
        same_area = [d for d in self.docks if self.dockWidgetArea(d) == area]
        self.addDockWidget(area, dock)
        if same_area:
            self.tabifyDockWidget(same_area[0], dock)
            same_area[0].raise_()
        self.docks.append(dock)
        return dock

    def _docks_in(self, area: Qt.DockWidgetArea | None) -> list[QWidget]:
        if area is None:  # the centre
            return [self.centre]
        return [d for d in self.docks if self.dockWidgetArea(d) == area]

    def show_panel(self, title: str, grow: bool = True) -> QDockWidget:
        """Bring the dock a user's action fills (an inspection, a plan) forward, with room to read it."""
        dock = self.dock_for[title]
        dock.show()
        dock.raise_()
        if grow and self.dockWidgetArea(dock) == BOTTOM and not dock.isFloating():
            self.resizeDocks([dock], [int(self.height() * RAISED_SHARE)], Qt.Orientation.Vertical)
        return dock

    def reset_layout(self) -> None:
        """View › Reset layout: every dock back where a first start puts it, at the default sizes."""
        self.restoreState(self._default_state)
        for dock in self.docks:
            dock.setFloating(False)
            dock.show()
        for first in ("Team builder", "Planning"):
            self.dock_for[first].raise_()
        self._default_dock_sizes()

    def _menu_handlers(self) -> MenuHandlers:
        b = self.builder
        return MenuHandlers(
            new_team=b.new_team,
            open_gallery=b.open_gallery,
            open_team=b.open_team_file,
            save_team=b.save_team_file,
            save_team_as=b.save_team_as,
            export_session=self.sessions.export_latest,
            open_settings=self.open_settings,
            quit=self.close,
            delete_selection=b.canvas.delete_selection,
            run=self.runs.start_run,
            stop=self.runs.stop_run,
            tool_library=self.open_tool_library,
            set_theme=self.set_theme,
            reset_layout=self.reset_layout,
            link_agents=b.open_link_dialog,
            inspect=self.inspect_selected,
        )

    # --- wiring -------------------------------------------------------------------
    def _connect_runs(self) -> None:
        runs, runner, problem = self.runs, self.runs.runner, self.banner.show_problem
        for source in (self.builder, self.sessions, self.planning, self.experiments, self.memory, runs):
            source.problem.connect(problem)
        self.builder.document.changed.connect(lambda _draft: self._title())
        self.builder.saved.connect(self._saved)
        self.sessions.exported.connect(self._exported)
        self.builder.taskSuggested.connect(self.run_bar.suggest_task)
        self.run_bar.task_edit.returnPressed.connect(runs.start_run)
        self.run_bar.run_button.clicked.connect(runs.start_run)
        self.run_bar.stop_button.clicked.connect(runs.stop_run)
        self.sessions.replayRequested.connect(runs.replay)
        self.experiments.sessionRequested.connect(runs.replay)  # a clicked cell replays its item
        self.sessions.replayRequested.connect(self.planning.show_session)  # a stored planning run opens there
        self.sessions.forkRequested.connect(runs.fork)
        self.planning.runner.finished.connect(lambda _finished: self.sessions.refresh())  # a stored session too
        self.conversation.connect_runner(runner)
        self.conversation.inspectRequested.connect(lambda _id: self.show_panel("Interpretability"))
        self.conversation.inspectRequested.connect(self.interp.inspect_message)
        self.planning.runningChanged.connect(lambda running: running and self.show_panel("Planning"))
        self.planning.treeStarted.connect(lambda: self.show_panel("Planning"))
        runs.starting.connect(self._starting)
        runs.humanRequested.connect(self.human_bar.ask)
        runs.humanWithdrawn.connect(self.human_bar.withdraw)
        self.human_bar.answered.connect(runs.answer)
        runs.approvalRequested.connect(self.approval_bar.ask)
        runs.humanWithdrawn.connect(self.approval_bar.withdraw)
        self.approval_bar.answered.connect(runs.approve)
        self.loading.canceled.connect(runs.stop_run)
        handlers: Handlers = {
            ModelLoadProgress: self.loading.on_progress,
            ErrorEvent: lambda e: problem(f"{e.kind}: {e.message}"),
            RunStarted: self.interp.on_event,
            MessageCompleted: self.interp.on_completed,
        }
        runner.batch.connect(lambda batch: route(batch, handlers))
        runner.batch.connect(self.planning.feed)  # a team Planner's search grows there live
        runner.batch.connect(self.memory.feed)  # what each turn read and wrote, live
        self.memory.jumpRequested.connect(
            lambda session, message: (
                self.conversation.show_message(message)
                or problem(f"that memory came from session {session}: open it in Sessions")
            )
        )
        runner.failed.connect(lambda e: problem(f"{e.kind}: the run failed: {e.message}"))
        runner.runningChanged.connect(self.run_bar.set_running)
        runner.finished.connect(self._ended)

    def _connect_welcome(self) -> None:
        self.welcome.templateRequested.connect(self.builder.open_gallery)
        self.welcome.scratchRequested.connect(self.build_from_scratch)
        self.welcome.sampleRequested.connect(self.open_sample)
        self.conversation.conversation.rowsInserted.connect(lambda *_: self.pages.setCurrentWidget(self.conversation))

    def build_from_scratch(self) -> None:
        self.builder.new_team()
        self.show_panel("Team builder")
        self.builder.roles.setFocus()  # Enter on a card adds it; dragging works too
        self.builder.roles.setCurrentRow(0)

    def open_sample(self) -> None:
        """Replay the shipped samples, no model needed: a judged debate here, a finished search in Planning."""
        debate, plan = sample_session_paths()
        self.runs.replay(read_session(debate))
        self.planning.show_session(read_session(plan))
        self.show_panel("Planning", grow=False)  # the debate is what the conversation shows first

    def inspect_selected(self) -> None:
        """Run › Inspect (Ctrl+I): the conversation's selected message, the keyboard twin of its context menu."""
        message_id = self.conversation.selected_message_id()
        if message_id is None:
            self.banner.show_problem("Select a finished message in the conversation first (Up and Down move).")
            return
        self.conversation.inspectRequested.emit(message_id)

    def _starting(self, live: bool) -> None:
        self.pages.setCurrentWidget(self.conversation)
        self.conversation.clear()
        self.run_status.reset()
        if live:
            self.banner.hide()

    def _ended(self, _finished: object) -> None:
        self.loading.hide()
        self.sessions.refresh()

    def _title(self) -> None:
        path = self.builder.document.path
        self.setWindowTitle(f"Agora Lab — {self.builder.draft.name}" + (f" ({path.name})" if path else ""))

    def _exported(self, path: str) -> None:
        if path:  # a failed export already said why in the banner
            self.statusBar().showMessage(f"Exported {path}", 8000)

    def _saved(self, path: str) -> None:
        self._title()
        self.statusBar().showMessage(f"Saved {path}", 5000)

    def set_theme(self, choice: str) -> None:
        self.theme.apply(choice)
        self.conversation.restyle()
        QSettings("Agora Lab", "agora-lab").setValue("theme", choice)

    # --- settings -----------------------------------------------------------------
    def _model_choices(self) -> list[str]:
        return ["local"] + [f"endpoint:{n}" for n in sorted(self.settings.endpoints)]

    def open_tool_library(self) -> ToolLibraryDialog:
        """The tools the team's agents wrote: beside its file, or in the data folder while unsaved."""
        path = self.builder.document.path
        library = ToolLibrary(library_path(path) if path else unsaved_team_library(self.builder.draft.name))
        dialog = ToolLibraryDialog(library, self)
        dialog.show()  # non-modal: runs and the canvas stay usable
        return dialog

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self)
        dialog.accepted.connect(lambda: self._settings_saved(dialog.settings))
        dialog.open()  # window-modal but asynchronous: the event loop keeps running
        return dialog

    def _settings_saved(self, settings: Settings) -> None:
        self.settings = settings
        self.run_bar.set_models(self._model_choices())
        self.builder.agent_form.set_models(self._model_choices())
        self.builder.set_mcp_servers(settings.tools.mcp_servers)

    # --- persistence --------------------------------------------------------------
    def _restore(self) -> None:
        store = QSettings("Agora Lab", "agora-lab")
        if store.value("geometry") is not None:
            self.restoreGeometry(store.value("geometry"))
        # A layout saved by an older arrangement of the docks is not restored (restoreState refuses
        # another version): the user gets today's defaults once, then their own layout again.
        if store.value("state") is None or not self.restoreState(store.value("state"), LAYOUT_VERSION):
            QTimer.singleShot(0, self._default_dock_sizes)

    def _default_dock_sizes(self) -> None:
        """The conversation keeps the most room: the side docks a third of the width, the bottom a third of the height."""
        side = max(SIDE_MIN, min(SIDE_MAX, int(self.width() * SIDE_SHARE)))
        for area, size, orientation in (
            (LEFT, side, Qt.Orientation.Horizontal),
            (RIGHT, side, Qt.Orientation.Horizontal),
            (BOTTOM, int(self.height() * BOTTOM_SHARE), Qt.Orientation.Vertical),
        ):
            docks = [d for d in self.docks if self.dockWidgetArea(d) == area and d.toggleViewAction().isChecked()]
            if docks:
                self.resizeDocks(docks[:1], [size], orientation)

    def closeEvent(self, event) -> None:
        store = QSettings("Agora Lab", "agora-lab")
        store.setValue("geometry", self.saveGeometry())
        store.setValue("state", self.saveState(LAYOUT_VERSION))
        self.runs.stop_run()  # the run ends itself, closing its providers
        self.planning.stop()
        self.experiments.stop()  # items in flight are not recorded; Run resumes them
        super().closeEvent(event)


def _shrinkable(panel: QWidget) -> QScrollArea:
    """A panel the window may squeeze below its own minimum (it scrolls instead of crowding the rest)."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(panel)
    return scroll
