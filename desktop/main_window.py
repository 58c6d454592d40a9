"""The main window: dockable panels around the live conversation, one run at a time."""

from __future__ import annotations

from typing import AsyncIterator, Callable

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agents.events import Event, Finished, MessageCompleted, ModelLoadProgress
from agents.session.fork import kept_messages, team_of
from agents.session.replay import replay
from agents.session.store import SessionWriter, recorded
from agents.settings import Settings, load_settings
from agents.spec import TeamFileError, TeamSpec, load_template, template_names
from agents.teams.run import TeamRun, load_team_providers
from agents.termination import ExternalStop
from desktop.bridge import RunBridge
from desktop.conversation.view import ConversationView
from desktop.inputs import Banner, HumanInputBar
from desktop.loading import LoadingDialog
from desktop.settings_dialog import SettingsDialog
from desktop.sessions.browser import SessionBrowser

TEAM_MODELS = "as in the team file"
ProviderLoader = Callable[[TeamSpec, Settings, str | None], AsyncIterator]


class MainWindow(QMainWindow):
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
        self._build_centre()
        self._build_team_dock()
        self._build_docks()
        self._build_actions()
        self._connect_bridge()
        self._restore()

    # --- layout -----------------------------------------------------------------
    def _build_centre(self) -> None:
        centre = QWidget()
        layout = QVBoxLayout(centre)
        self.banner = Banner()
        self.conversation = ConversationView()
        self.human_bar = HumanInputBar()
        layout.addWidget(self.banner)
        layout.addWidget(self.conversation)
        layout.addWidget(self.human_bar)
        self.setCentralWidget(centre)
        self.status_model = QLabel("model: –")
        self.status_tokens = QLabel("tokens: 0")
        self.statusBar().addPermanentWidget(self.status_model)
        self.statusBar().addPermanentWidget(self.status_tokens)

    def _build_team_dock(self) -> None:
        panel = QWidget()
        form = QFormLayout(panel)
        self.template_box = QComboBox()
        for name in template_names():
            self.template_box.addItem(load_template(name).name, name)
        self.template_box.currentIndexChanged.connect(self._template_chosen)
        self.agent_list = QListWidget()
        self.model_box = QComboBox()
        self.model_box.setEditable(True)  # any model reference may be typed
        self._fill_models()
        self.task_edit = QLineEdit()
        self.run_button = QPushButton("Run")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.run_button.clicked.connect(self.start_run)
        self.stop_button.clicked.connect(self.stop_run)
        form.addRow("Team", self.template_box)
        form.addRow("Agents", self.agent_list)
        form.addRow("Model", self.model_box)
        form.addRow("Task", self.task_edit)
        form.addRow(self.run_button, self.stop_button)
        self._dock("Team", panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._template_chosen()

    def _build_docks(self) -> None:
        self.sessions = SessionBrowser()
        self.sessions.replayRequested.connect(self.start_replay)
        self.sessions.forkRequested.connect(self.start_fork)
        self.sessions.problem.connect(self.banner.show_problem)
        self._dock("Sessions", self.sessions, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("Planning", self._planning_panel(), Qt.DockWidgetArea.BottomDockWidgetArea)
        self._dock("Interpretability", self._interp_panel(), Qt.DockWidgetArea.BottomDockWidgetArea)

    # Each panel is built by its own method so that the panels grow independently.
    def _planning_panel(self) -> QWidget:
        frame = QLabel("Planning panel: not built yet.")
        frame.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return frame

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
        return dock

    def _build_actions(self) -> None:
        toolbar = self.addToolBar("Run")
        toolbar.setObjectName("toolbar-run")
        file_menu = self.menuBar().addMenu("&File")
        run_menu = self.menuBar().addMenu("&Run")
        entries = (
            (file_menu, "&Export session…", "Ctrl+E", self.export_latest, False),
            (file_menu, "&Providers…", "Ctrl+,", self.open_settings, False),
            (file_menu, "&Quit", "Ctrl+Q", self.close, False),
            (run_menu, "&Run", "Ctrl+R", self.start_run, True),
            (run_menu, "&Stop", "Ctrl+.", self.stop_run, True),
        )
        for menu, text, shortcut, slot, on_toolbar in entries:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
            menu.addAction(action)
            if on_toolbar:
                toolbar.addAction(action)

    def _connect_bridge(self) -> None:
        self.conversation.connect_bridge(self.bridge)
        self.bridge.loadProgress.connect(self._on_progress)
        self.bridge.loadProgress.connect(self.loading.on_progress)
        self.bridge.runningChanged.connect(lambda running: running or self.loading.hide())
        self.loading.canceled.connect(self.stop_run)
        self.bridge.errorRaised.connect(lambda e: self.banner.show_problem(f"{e.kind}: {e.message}"))
        self.bridge.messageCompleted.connect(self._on_completed)
        self.bridge.runningChanged.connect(self._on_running)
        self.bridge.finished.connect(self._on_finished)

    # --- runs -------------------------------------------------------------------
    def current_team(self) -> TeamSpec:
        return load_template(self.template_box.currentData())

    def _fill_models(self) -> None:
        self.model_box.clear()
        self.model_box.addItems([TEAM_MODELS, "local"] + [f"endpoint:{n}" for n in sorted(self.settings.endpoints)])

    def _template_chosen(self) -> None:
        spec = self.current_team()
        self.agent_list.clear()
        self.agent_list.addItems([f"{a.name} — {a.role} ({a.model})" for a in spec.agents])
        self.task_edit.setText(spec.sample_task)

    def start_run(self) -> None:
        self._start(self.current_team(), self.task_edit.text().strip() or "Introduce yourselves.")

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
        dialog.accepted.connect(lambda: (setattr(self, "settings", dialog.settings), self._fill_models()))
        dialog.open()  # window-modal but asynchronous: the event loop keeps running
        return dialog

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

    def closeEvent(self, event) -> None:
        store = QSettings("Agora Lab", "agora-lab")
        store.setValue("geometry", self.saveGeometry())
        store.setValue("state", self.saveState())
        self.stop.set()
        super().closeEvent(event)
