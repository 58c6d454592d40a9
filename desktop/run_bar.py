"""The bar above the conversation: the task, a model for every agent, Run and Stop."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QPushButton, QWidget

TEAM_MODELS = "as in the team file"


class RunBar(QWidget):
    def __init__(self, models: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.task_edit = QLineEdit()
        self.task_edit.setPlaceholderText("The task or question for the team")
        self.model_box = QComboBox()
        self.model_box.setEditable(True)  # any model reference may be typed
        self.set_models(models)
        self.run_button = QPushButton("Run")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        grid.addWidget(QLabel("Task"), 0, 0)
        grid.addWidget(self.task_edit, 0, 1, 1, 3)
        grid.addWidget(QLabel("Model"), 1, 0)
        grid.addWidget(self.model_box, 1, 1)
        grid.addWidget(self.run_button, 1, 2)
        grid.addWidget(self.stop_button, 1, 3)
        grid.setColumnStretch(1, 1)

    def set_models(self, models: list[str]) -> None:
        self.model_box.clear()
        self.model_box.addItems([TEAM_MODELS] + models)

    def task(self) -> str:
        return self.task_edit.text()

    def model(self) -> str | None:
        """The reference typed or chosen for every agent; None keeps each agent's own."""
        text = self.model_box.currentText().strip()
        return None if text in ("", TEAM_MODELS) else text

    def suggest_task(self, task: str) -> None:
        """An opened team's sample task replaces the task (an empty one keeps it)."""
        if task:
            self.task_edit.setText(task)

    def set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
