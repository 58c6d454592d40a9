"""Four live pyqtgraph charts of an experiment's rows: accuracy per method with 95% Wilson
intervals, majority accuracy against debate round, answer flips per round, and tokens per
correct answer. Every number comes from agents.experiments.stats, as in the written report."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGridLayout, QWidget

from agents.experiments.methods import parse_method
from agents.experiments.records import ResultRow
from agents.experiments.stats import flips, round_accuracy, summarise

LABEL_WIDTH = 110
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def _plot(title: str, ylabel: str, horizontal: bool = False) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.setAccessibleName(title)
    plot.setTitle(title, color="#222", size="10pt")
    plot.setLabel("bottom" if horizontal else "left", ylabel)
    if horizontal:
        plot.invertY(True)
        # A fixed width: pyqtgraph sizes an axis to its labels only after a first paint, and a
        # label that does not fit that paint is dropped (a grab shows one paint).
        plot.getAxis("left").setWidth(LABEL_WIDTH)
        plot.getAxis("bottom").enableAutoSIPrefix(False)  # "tokens (x0.001)" reads as nonsense
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.showGrid(y=True, alpha=0.25)
    plot.addLegend(offset=(-10, 10))
    return plot


class ExperimentCharts(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.accuracy = _plot("Accuracy per method (95% Wilson intervals)", "accuracy", horizontal=True)
        self.rounds = _plot("Majority accuracy against debate round", "accuracy")
        self.flips = _plot("Answer flips per round", "agents")
        self.cost = _plot("Tokens per correct answer", "tokens", horizontal=True)
        self.cost.getAxis("left").setWidth(LABEL_WIDTH + 60)  # room for "(none right)"
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for index, plot in enumerate((self.accuracy, self.rounds, self.flips, self.cost)):
            layout.addWidget(plot, index // 2, index % 2)
        self.labels: list[str] = []

    def show_rows(self, rows: Sequence[ResultRow]) -> None:
        summaries = summarise(rows)
        several_models = len({s.model for s in summaries}) > 1
        self.labels = [f"{s.method} {s.model[:10]}" if several_models else s.method for s in summaries]
        y = np.arange(len(summaries), dtype=float)
        accuracy = np.array([s.accuracy for s in summaries], dtype=float)
        self._bars(self.accuracy, y, accuracy, self.labels)
        if len(summaries):
            low = accuracy - np.array([s.low for s in summaries])
            high = np.array([s.high for s in summaries]) - accuracy
            pen = pg.mkPen("#222", width=2)
            self.accuracy.addItem(pg.ErrorBarItem(x=accuracy, y=y, left=low, right=high, beam=0.25, pen=pen))
        self.accuracy.setXRange(0, 1.0, padding=0.02)
        # No right answer: tokens per correct answer is undefined, said in the label, no bar.
        cost = np.array([s.tokens_per_correct or 0.0 for s in summaries], dtype=float)
        cost_labels = [label if s.correct else f"{label} (none right)" for label, s in zip(self.labels, summaries)]
        self._bars(self.cost, y, cost, cost_labels)
        self.cost.setXRange(0, float(cost.max(initial=0.0)) * 1.05 or 1.0, padding=0.02)
        teams = [s for s in summaries if parse_method(s.method).has_rounds]
        self._rounds(rows, teams)
        self._flips(rows, teams)

    def _bars(self, plot: pg.PlotWidget, y: np.ndarray, lengths: np.ndarray, labels: Sequence[str]) -> None:
        """Horizontal bars, first method on top: method names need the room of a side axis."""
        plot.clear()
        if len(y):
            brushes = [pg.mkBrush(COLOURS[i % len(COLOURS)]) for i in range(len(y))]
            plot.addItem(pg.BarGraphItem(x0=0, y=y, width=lengths, height=0.6, brushes=brushes))
            plot.setYRange(-0.6, len(y) - 0.4, padding=0)
        plot.getAxis("left").setTicks([[(float(i), label) for i, label in enumerate(labels)]])

    def _rounds(self, rows: Sequence[ResultRow], teams) -> None:
        self.rounds.clear()
        depth = 1
        for index, s in enumerate(teams):
            curve = round_accuracy(rows, s.method, s.model)
            depth = max(depth, len(curve))
            colour = COLOURS[index % len(COLOURS)]
            self.rounds.plot(
                [r for r, _, _ in curve],
                [v for _, v, _ in curve],
                pen=pg.mkPen(colour, width=3),
                symbol="o",
                symbolBrush=colour,
                name=s.method,
            )
        self.rounds.getAxis("bottom").setTicks([[(float(r), f"round {r}") for r in range(1, depth + 1)]])
        self.rounds.setXRange(0.7, depth + 0.3, padding=0)
        self.rounds.setYRange(0, 1.05, padding=0)

    def _flips(self, rows: Sequence[ResultRow], teams) -> None:
        self.flips.clear()
        cells = [
            (f"{s.method} r{n}", lost, gained) for s in teams for n, lost, gained in flips(rows, s.method, s.model)
        ]
        x = np.arange(len(cells), dtype=float)
        if cells:
            self.flips.addItem(
                pg.BarGraphItem(
                    x=x - 0.17, height=[c[1] for c in cells], width=0.32, brush=COLOURS[3], name="right → wrong"
                )
            )
            self.flips.addItem(
                pg.BarGraphItem(
                    x=x + 0.17, height=[c[2] for c in cells], width=0.32, brush=COLOURS[2], name="wrong → right"
                )
            )
        self.flips.getAxis("bottom").setTicks([[(float(i), c[0]) for i, c in enumerate(cells)]])
        if cells:
            self.flips.setXRange(-0.6, len(cells) - 0.4, padding=0)
            self.flips.setYRange(0, max(1, *(max(c[1], c[2]) for c in cells)) * 1.1, padding=0)
        else:  # an empty frame would read as "no flips", which is not what it means
            self.flips.setXRange(0, 1, padding=0)
            self.flips.setYRange(0, 1, padding=0)
            self.flips.addItem(_note(FLIPS_NONE if teams else FLIPS_NO_DEBATE))


FLIPS_NONE = "No debate reached a second round yet:\nflips are counted from round 2."
FLIPS_NO_DEBATE = "Flips are counted in debates:\nno debate method in this experiment."


def _note(text: str) -> pg.TextItem:
    note = pg.TextItem(text, color="#666", anchor=(0.5, 0.5))
    note.setPos(0.5, 0.5)
    return note
