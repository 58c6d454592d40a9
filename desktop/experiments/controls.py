"""The experiment form: task set, items, methods, models, concurrency, directory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from agents.experiments.config import ExperimentConfig, ExperimentConfigError, TaskSource
from agents.experiments.methods import METHOD_FORMS
from agents.experiments.tasks import TASK_SETS
from agents.paths import data_dir

DEFAULT_METHODS = "single,cot,debate3x2,sc@debate3x2"


def new_directory() -> Path:
    return data_dir() / "experiments" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")


class ExperimentControls(QWidget):
    def __init__(self, default_model: str = "local", parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = QComboBox(editable=True)
        self.tasks.addItems(list(TASK_SETS))
        self.tasks.setToolTip("a generated task set, or the path of a JSONL file (question, answer, optional choices)")
        browse_tasks = QPushButton("File…")
        browse_tasks.clicked.connect(self._choose_tasks)
        self.n = QSpinBox(minimum=1, maximum=100_000, value=20)
        self.methods = QLineEdit(DEFAULT_METHODS)
        self.methods.setToolTip(f"comma-separated: {METHOD_FORMS}")
        self.models = QLineEdit(default_model)
        self.models.setToolTip("comma-separated model references; heterogeneous teams mix them")
        self.concurrency = QSpinBox(minimum=1, maximum=256, value=4)
        self.directory = QLineEdit(str(new_directory()))
        self.directory.setAccessibleName("Experiment folder")
        browse_dir = QPushButton("…")
        browse_dir.clicked.connect(self._choose_directory)
        self.run_button, self.stop_button = QPushButton("Run"), QPushButton("Stop")
        self.open_button, self.report_button = QPushButton("Open…"), QPushButton("Write report")
        self.stop_button.setEnabled(False)
        # Two compact rows: the panel lives in a dock, where height is scarce.
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        cells = [
            ("Tasks", _row(self.tasks, browse_tasks)),
            ("Items", self.n),
            ("Methods", self.methods),
            ("Models", self.models),
            ("Concurrency", self.concurrency),
            ("Directory", _row(self.directory, browse_dir)),
        ]
        for index, (label, widget) in enumerate(cells):
            row, column = divmod(index, 4)
            grid.addWidget(QLabel(label), row, column * 2)
            grid.addWidget(widget, row, column * 2 + 1)
        grid.addWidget(_row(self.run_button, self.stop_button, self.open_button, self.report_button), 1, 4, 1, 4)
        grid.setColumnStretch(5, 2)
        grid.setColumnStretch(7, 2)

    def config(self) -> ExperimentConfig:
        """The form as a configuration; raises ExperimentConfigError saying which field is wrong."""
        try:
            return ExperimentConfig(
                tasks=TaskSource(name=self.tasks.currentText().strip(), n=self.n.value()),
                methods=tuple(m.strip() for m in self.methods.text().split(",") if m.strip()),
                models=tuple(m.strip() for m in self.models.text().split(",") if m.strip()),
                concurrency=self.concurrency.value(),
            )
        except ValidationError as exc:
            raise ExperimentConfigError(
                "; ".join(
                    f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
                )
            ) from None

    def show_config(self, config: ExperimentConfig, directory: Path) -> None:
        self.tasks.setCurrentText(config.tasks.name)
        self.n.setValue(config.tasks.n)
        self.methods.setText(",".join(config.methods))
        self.models.setText(",".join(config.models))
        self.concurrency.setValue(config.concurrency)
        self.directory.setText(str(directory))

    def set_running(self, running: bool) -> None:
        for widget in (self.run_button, self.open_button, self.report_button, self.tasks, self.methods, self.models):
            widget.setEnabled(not running)
        self.stop_button.setEnabled(running)

    def _choose_tasks(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Task file", "", "JSON lines (*.jsonl)")
        if path:
            self.tasks.setCurrentText(path)

    def _choose_directory(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Experiment directory", self.directory.text())
        if path:
            self.directory.setText(path)


def _row(*widgets: QWidget) -> QWidget:
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return holder
