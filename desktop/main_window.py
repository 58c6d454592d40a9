"""The main window: dockable panels around the live conversation. Layout and wiring only:
runs belong to the RunController, team files to the builder, sessions to their browser."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QVBoxLayout, QWidget

from agents.events import ErrorEvent, MessageCompleted, ModelLoadProgress, RunStarted
from agents.session.pipeline import ProviderSource
from agents.settings import Settings, load_settings
from desktop.builder.builder import TeamBuilder
from desktop.conversation.view import ConversationView
from desktop.inputs import Banner, HumanInputBar
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
        self.run_bar = RunBar(self._model_choices())
        inputs = RunInputs(team=self.builder.team, task=self.run_bar.task, model=self.run_bar.model)
        self.runs = RunController(lambda: self.settings, inputs, load, self)
        self.loading = LoadingDialog(self)
        self._build_centre()
        self._build_docks(load)
        self.menu_actions = build_menus(
            self, self._menu_handlers(), self.builder.document.undo_stack, self.docks, self.theme.choice
        )
        self._connect_runs()
        self.builder.open_template(FIRST_TEMPLATE)
        self._restore()

    # --- layout -----------------------------------------------------------------
    def _build_centre(self) -> None:
        centre = QWidget()
        layout = QVBoxLayout(centre)
        self.banner = Banner()
        self.conversation = ConversationView()
        self.human_bar = HumanInputBar()
        for widget in (self.run_bar, self.banner, self.conversation, self.human_bar):
            layout.addWidget(widget)
        self.setCentralWidget(centre)
        self.run_status = RunStatus(self.statusBar(), self.runs.runner)

    def _build_docks(self, load: ProviderSource | None) -> None:
        self.sessions = SessionBrowser()
        self.planning = PlanningPanel(lambda: self.settings, load=load)
        self.interp = InterpPanel(lambda: self.settings)
        self._dock("Team builder", self.builder, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("Sessions", self.sessions, Qt.DockWidgetArea.RightDockWidgetArea)
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        planning = self._dock("Planning", _shrinkable(self.planning), bottom)
        interp = self._dock("Interpretability", _shrinkable(self.interp), bottom)
        self.tabifyDockWidget(planning, interp)
        self.memory = MemoryPanel()
        self.tabifyDockWidget(planning, self._dock("Memory", _shrinkable(self.memory), bottom))
        planning.raise_()

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks.append(dock)
        return dock

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
            set_theme=self.set_theme,
        )

    # --- wiring -------------------------------------------------------------------
    def _connect_runs(self) -> None:
        runs, runner, problem = self.runs, self.runs.runner, self.banner.show_problem
        for source in (self.builder, self.sessions, self.planning, self.memory, runs):
            source.problem.connect(problem)
        self.builder.document.changed.connect(lambda _draft: self._title())
        self.builder.saved.connect(self._saved)
        self.builder.taskSuggested.connect(self.run_bar.suggest_task)
        self.run_bar.task_edit.returnPressed.connect(runs.start_run)
        self.run_bar.run_button.clicked.connect(runs.start_run)
        self.run_bar.stop_button.clicked.connect(runs.stop_run)
        self.sessions.replayRequested.connect(runs.replay)
        self.sessions.replayRequested.connect(self.planning.show_session)  # a stored planning run opens there
        self.sessions.forkRequested.connect(runs.fork)
        self.planning.runner.finished.connect(lambda _finished: self.sessions.refresh())  # a stored session too
        self.conversation.connect_runner(runner)
        self.conversation.inspectRequested.connect(self.interp.inspect_message)
        runs.starting.connect(self._starting)
        runs.humanRequested.connect(self.human_bar.ask)
        runs.humanWithdrawn.connect(self.human_bar.withdraw)
        self.human_bar.answered.connect(runs.answer)
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

    def _starting(self, live: bool) -> None:
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

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self)
        dialog.accepted.connect(lambda: self._settings_saved(dialog.settings))
        dialog.open()  # window-modal but asynchronous: the event loop keeps running
        return dialog

    def _settings_saved(self, settings: Settings) -> None:
        self.settings = settings
        self.run_bar.set_models(self._model_choices())
        self.builder.agent_form.set_models(self._model_choices())

    # --- persistence --------------------------------------------------------------
    def _restore(self) -> None:
        store = QSettings("Agora Lab", "agora-lab")
        if store.value("geometry") is not None:
            self.restoreGeometry(store.value("geometry"))
            self.restoreState(store.value("state"))
        else:  # first start: a narrow sessions list and low bottom panels leave room for the conversation
            QTimer.singleShot(0, self._default_dock_sizes)

    def _default_dock_sizes(self) -> None:
        self.resizeDocks(self.docks[:2], [480, 300], Qt.Orientation.Horizontal)
        bottom = [d for d in self.docks if self.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea]
        self.resizeDocks(bottom[:1], [max(240, self.height() // 3)], Qt.Orientation.Vertical)

    def closeEvent(self, event) -> None:
        store = QSettings("Agora Lab", "agora-lab")
        store.setValue("geometry", self.saveGeometry())
        store.setValue("state", self.saveState())
        self.runs.stop_run()  # the run ends itself, closing its providers
        self.planning.stop()
        super().closeEvent(event)


def _shrinkable(panel: QWidget) -> QScrollArea:
    """A panel the window may squeeze below its own minimum (it scrolls instead of crowding the rest)."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(panel)
    return scroll
