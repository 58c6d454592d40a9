"""The main window: dockable panels around the live conversation, one run at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from agents.events import Event, Finished, MessageCompleted, ModelLoadProgress
from agents.session.fork import kept_messages, team_of
from agents.session.replay import replay
from agents.session.store import SessionWriter, recorded
from agents.settings import Settings, load_settings
from agents.spec import TeamFileError, TeamSpec
from agents.teams.run import TeamRun, load_team_providers
from agents.termination import ExternalStop
from desktop.bridge import RunBridge
from desktop.builder.builder import TeamBuilder
from desktop.conversation.view import ConversationView
from desktop.inputs import Banner, HumanInputBar
from desktop.loading import LoadingDialog
from desktop.menus import build_menus
from desktop.sessions.browser import SessionBrowser
from desktop.settings_dialog import SettingsDialog
from desktop.team_files import TeamFileActions
from desktop.theme import ThemeKeeper

TEAM_MODELS = "as in the team file"
ProviderLoader = Callable[[TeamSpec, Settings, str | None], AsyncIterator]


class MainWindow(TeamFileActions, QMainWindow):
    def __init__(self, settings: Settings | None = None, provider_loader: ProviderLoader = load_team_providers):
        super().__init__()
        self.setWindowTitle("Agora Lab")
        self.resize(1280, 800)
        self.settings = settings or load_settings()
        self.provider_loader = provider_loader
        self.bridge = RunBridge(self)
        self.loading = LoadingDialog(self)
        self.stop = ExternalStop()
        self.tokens = 0
        self.docks: list[QDockWidget] = []
        self.theme = ThemeKeeper(str(QSettings("Agora Lab", "agora-lab").value("theme", "system")), self)
        self.theme.apply()
        self._build_centre()
        self._build_team_dock()
        self._build_docks()
        self.actions = build_menus(self)
        self._connect_bridge()
        self._restore()

    # --- layout -----------------------------------------------------------------
    def _build_centre(self) -> None:
        centre = QWidget()
        layout = QVBoxLayout(centre)
        self.banner = Banner()
        self.conversation = ConversationView()
        self.human_bar = HumanInputBar()
        layout.addWidget(self._build_run_bar())
        layout.addWidget(self.banner)
        layout.addWidget(self.conversation)
        layout.addWidget(self.human_bar)
        self.setCentralWidget(centre)
        self.status_model = QLabel("model: –")
        self.status_tokens = QLabel("tokens: 0")
        self.statusBar().addPermanentWidget(self.status_model)
        self.statusBar().addPermanentWidget(self.status_tokens)

    def _build_run_bar(self) -> QWidget:
        bar = QWidget()
        grid = QGridLayout(bar)
        grid.setContentsMargins(0, 0, 0, 0)
        self.task_edit = QLineEdit()
        self.task_edit.setPlaceholderText("The task or question for the team")
        self.task_edit.returnPressed.connect(self.start_run)
        self.model_box = QComboBox()
        self.model_box.setEditable(True)  # any model reference may be typed
        self._fill_models()
        self.run_button = QPushButton("Run")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.run_button.clicked.connect(self.start_run)
        self.stop_button.clicked.connect(self.stop_run)
        grid.addWidget(QLabel("Task"), 0, 0)
        grid.addWidget(self.task_edit, 0, 1, 1, 3)
        grid.addWidget(QLabel("Model"), 1, 0)
        grid.addWidget(self.model_box, 1, 1)
        grid.addWidget(self.run_button, 1, 2)
        grid.addWidget(self.stop_button, 1, 3)
        grid.setColumnStretch(1, 1)
        return bar

    def _build_team_dock(self) -> None:
        self.builder = TeamBuilder(self._model_choices())
        self.builder.problem.connect(self.banner.show_problem)
        self.builder.document.changed.connect(self._team_changed)
        self._dock("Team builder", self.builder, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.open_template("debate_with_judge")

    def _build_docks(self) -> None:
        self.sessions = SessionBrowser()
        self.sessions.replayRequested.connect(self.start_replay)
        self.sessions.forkRequested.connect(self.start_fork)
        self.sessions.problem.connect(self.banner.show_problem)
        self._dock("Sessions", self.sessions, Qt.DockWidgetArea.RightDockWidgetArea)
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        planning = self._dock("Planning", _shrinkable(self._planning_panel()), bottom)
        interp = self._dock("Interpretability", _shrinkable(self._interp_panel()), bottom)
        self.tabifyDockWidget(planning, interp)
        planning.raise_()

    # Each panel is built by its own method so that the panels grow independently.
    def _planning_panel(self) -> QWidget:
        from desktop.planning.panel import PlanningPanel

        self.planning = PlanningPanel(self.settings)
        self.planning.problem.connect(self.banner.show_problem)
        self.planning.runningChanged.connect(lambda running: running or self.sessions.refresh())
        self.sessions.replayRequested.connect(self.planning.show_session)  # a stored planning run opens here too
        self.bridge.eventReceived.connect(self.planning.feed)  # a team Planner's search grows here live
        return self.planning

    def _interp_panel(self) -> QWidget:
        from desktop.interp.panel import InterpPanel

        self.interp = InterpPanel(lambda: self.settings)
        self.bridge.eventReceived.connect(self.interp.on_event)
        self.bridge.messageCompleted.connect(self.interp.on_completed)
        self.conversation.inspectRequested.connect(self.interp.inspect_message)
        return self.interp

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks.append(dock)
        return dock

    def _connect_bridge(self) -> None:
        self.conversation.connect_bridge(self.bridge)
        self.bridge.loadProgress.connect(self._on_progress)
        self.bridge.loadProgress.connect(self.loading.on_progress)
        self.bridge.runningChanged.connect(lambda running: running or self.loading.hide())
        self.loading.canceled.connect(self.stop_run)
        self.bridge.errorRaised.connect(lambda e: self.banner.show_problem(f"{e.kind}: {e.message}"))
        self.bridge.messageCompleted.connect(self._on_completed)
        self.bridge.tokensInFlight.connect(lambda n: self.status_tokens.setText(f"tokens: {self.tokens + n}"))
        self.bridge.runningChanged.connect(self._on_running)
        self.bridge.finished.connect(self._on_finished)

    def set_theme(self, choice: str) -> None:
        self.theme.apply(choice)
        self.conversation.restyle()
        QSettings("Agora Lab", "agora-lab").setValue("theme", choice)

    # --- runs -------------------------------------------------------------------
    def current_team(self) -> TeamSpec:
        """The team on the canvas; TeamFileError says what it still lacks."""
        return self.builder.team()

    def _model_choices(self) -> list[str]:
        return ["local"] + [f"endpoint:{n}" for n in sorted(self.settings.endpoints)]

    def _fill_models(self) -> None:
        self.model_box.clear()
        self.model_box.addItems([TEAM_MODELS] + self._model_choices())

    def open_template(self, name: str) -> None:
        self.builder.open_template(name)
        self.task_edit.setText(self.builder.draft.sample_task)

    def _team_changed(self, draft) -> None:
        path = self.builder.document.path
        self.setWindowTitle(f"Agora Lab — {draft.name}" + (f" ({path.name})" if path else ""))

    def start_run(self) -> None:
        try:
            team = self.current_team()
        except TeamFileError as exc:
            self.banner.show_problem(f"the team cannot run yet — {exc}")
            return
        self._start(team, self.task_edit.text().strip() or "Introduce yourselves.")

    def start_fork(self, log, keep: int) -> None:
        """Continue a stored session from its first ``keep`` messages (a failed one: resume)."""
        try:
            spec = team_of(log)
        except (ValueError, TeamFileError) as exc:
            self.banner.show_problem(f"cannot fork: {exc}")
            return
        self._start(spec, log.task, kept_messages(log, keep), log.session_id)

    def _start(self, spec: TeamSpec, task: str, prior=(), parent: str | None = None) -> None:
        if self.bridge.running:
            return
        self.conversation.clear()
        self.banner.hide()
        self.tokens = 0
        self.stop = ExternalStop()
        self.bridge.start(self._run_stream(spec, task, prior, parent))

    async def _run_stream(self, spec: TeamSpec, task: str, prior=(), parent: str | None = None) -> AsyncIterator[Event]:
        providers = {}
        override = self.model_box.currentText().strip()
        override = None if override in ("", TEAM_MODELS) else override
        async for item in self.provider_loader(spec, self.settings, override):
            if isinstance(item, dict):
                providers = item
            else:
                yield item
        run = TeamRun(spec, providers, stop=self.stop, human=self.human_bar.ask, prior=prior, parent_run=parent)
        async for event in recorded(run.run_stream(task), SessionWriter(run.run_id)):
            yield event

    def start_replay(self, log) -> None:
        if self.bridge.running:
            return
        self.conversation.clear()
        self.bridge.start(replay(log, speed=4.0))

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self)
        dialog.accepted.connect(self._settings_saved)
        dialog.open()  # window-modal but asynchronous: the event loop keeps running
        return dialog

    def _settings_saved(self) -> None:
        self.settings = self.sender().settings
        self._fill_models()
        self.builder.agent_form.set_models(self._model_choices())

    def export_latest(self, path: str | None = None):
        """Export the selected session, else the newest one (a save dialog asks where)."""
        self.sessions.refresh()
        if self.sessions.selected() is None and self.sessions.logs:
            self.sessions.table.selectRow(0)
        return self.sessions.export_selected(path)

    def stop_run(self) -> None:
        self.stop.set()
        self.human_bar.release()  # a run waiting for a person must not outlive Stop

    def _on_progress(self, event: ModelLoadProgress) -> None:
        percent = "" if event.fraction is None else f" {event.fraction:.0%}"
        self.statusBar().showMessage(f"Loading {event.model}:{percent} {event.stage}")
        if event.stage == "ready":
            self.status_model.setText(f"model: {event.model} ({event.detail})")

    def _on_completed(self, event: MessageCompleted) -> None:
        self.tokens += event.usage.completion_tokens
        self.status_tokens.setText(f"tokens: {self.tokens}")

    def _on_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)

    def _on_finished(self, finished: Finished | None) -> None:
        self.statusBar().showMessage(f"Finished: {finished.reason}" if finished else "Stopped", 10000)
        self.sessions.refresh()
        if finished is not None and finished.reason == "error":
            self.banner.show_problem("the run failed; its session was saved and can be resumed")

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
        self.stop.set()
        super().closeEvent(event)


def _shrinkable(panel: QWidget) -> QScrollArea:
    """A panel the window may squeeze below its own minimum (it scrolls instead of crowding the rest)."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(panel)
    return scroll
