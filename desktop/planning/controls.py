"""The planning panel's controls: which environment, instance, planner and world model."""

from __future__ import annotations

from typing import Literal, cast

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget

from agents.planning.envs import ENVS
from agents.planning.run import ALGORITHMS, PlanConfig
from agents.planning.search.tree import Budget

PACES = {"watch": 0.02, "fast": 0.0}  # seconds between iterations, so a person can follow


class PlanControls(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        rows = QVBoxLayout(self)  # two rows: one row needs ~1200 px, more than the dock has at 1280×800
        rows.setContentsMargins(0, 0, 0, 0)
        problem, search = QHBoxLayout(), QHBoxLayout()
        rows.addLayout(problem)
        rows.addLayout(search)
        self.env = self._combo(sorted(ENVS), "blocksworld")
        self.seed = QSpinBox(maximum=100_000)
        self.algo = self._combo(sorted(ALGORITHMS), "mcts")
        self.world_model = self._combo(["exact", "llm"], "exact")
        self.policy = self._combo(["all", "llm"], "all")
        self.value = self._combo(["heuristic", "llm"], "heuristic")
        self.model = QLineEdit("local")
        self.model.setPlaceholderText("model for llm parts")
        self.budget = QSpinBox(minimum=1, maximum=1_000_000, value=500)
        self.pace = self._combo(list(PACES), "watch")
        self.run_button, self.stop_button, self.fit_button, self.export_button = (
            QPushButton("Run"),
            QPushButton("Stop"),
            QPushButton("Fit"),
            QPushButton("Export…"),
        )
        self.stop_button.setEnabled(False)
        for row, label, widget in (
            (problem, "Env", self.env),
            (problem, "Seed", self.seed),
            (problem, "Search", self.algo),
            (problem, "World model", self.world_model),
            (problem, "Policy", self.policy),
            (problem, "Value", self.value),
            (search, "Model", self.model),
            (search, "Budget", self.budget),
            (search, "Pace", self.pace),
        ):
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        for button in (self.run_button, self.stop_button, self.fit_button, self.export_button):
            search.addWidget(button)
        problem.addStretch(1)
        search.addStretch(1)
        self.world_model.currentTextChanged.connect(self._model_needed)
        self.policy.currentTextChanged.connect(self._model_needed)
        self.value.currentTextChanged.connect(self._model_needed)
        self._model_needed()

    @staticmethod
    def _combo(items: list[str], current: str) -> QComboBox:
        box = QComboBox()
        box.addItems(items)
        box.setCurrentText(current)
        return box

    def _model_needed(self) -> None:
        self.model.setEnabled(
            "llm" in (self.world_model.currentText(), self.policy.currentText(), self.value.currentText())
        )

    def config(self) -> PlanConfig:
        # The combos hold exactly PlanConfig's Literal choices (filled from them above), so the casts hold.
        return PlanConfig(
            env=self.env.currentText(),
            seed=self.seed.value(),
            algo=cast(Literal["beam", "dfs", "mcts"], self.algo.currentText()),
            world_model=cast(Literal["exact", "llm"], self.world_model.currentText()),
            policy=cast(Literal["all", "llm"], self.policy.currentText()),
            value=cast(Literal["heuristic", "llm"], self.value.currentText()),
            budget=Budget(max_expansions=self.budget.value()),
        )

    def pace_s(self) -> float:
        return PACES[self.pace.currentText()]

    def set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
