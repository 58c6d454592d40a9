"""A zoomable heatmap with token labels on its axes, a colour bar, hover and click.

pyqtgraph ``ImageItem`` with explicit levels and row-major float32 data; NaN (not yet
computed) draws as transparent. Axis labels are drawn only where there is room for them,
so a 2,000-token input shows an overview that sharpens into labels as one zooms in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal

# Pixels one label needs along its axis: a line of text down the side, a short word across.
MIN_LABEL_PX = {"left": 13, "bottom": 52}
MAX_LABEL_CHARS = 8
MAX_CELL_TEXTS = 600  # cell captions drawn at once (only when zoomed in this far)


class TokenAxis(pg.AxisItem):
    """Integer ticks labelled with token strings, thinned to what fits."""

    def __init__(self, orientation: str):
        super().__init__(orientation)
        self.labels: Sequence[str] = ()
        self.max_chars = MAX_LABEL_CHARS

    def tickValues(self, minVal, maxVal, size):
        if not self.labels:
            return super().tickValues(minVal, maxVal, size)
        low, high = sorted((minVal, maxVal))  # an inverted axis hands them over swapped
        lo, hi = max(0, int(np.floor(low))), min(len(self.labels), int(np.ceil(high)) + 1)
        cells = max(1, hi - lo)
        step = max(1, int(np.ceil(MIN_LABEL_PX[self.orientation] * cells / max(size, 1))))
        return [(step, [i + 0.5 for i in range(lo - lo % step, hi, step)])]

    def tickStrings(self, values, scale, spacing):
        if not self.labels:
            return super().tickStrings(values, scale, spacing)
        return [self.labels[int(v)][: self.max_chars] if 0 <= int(v) < len(self.labels) else "" for v in values]


class Heatmap(pg.GraphicsLayoutWidget):
    """``set_matrix(values, x_labels, y_labels, levels)``; emits the cell under the mouse."""

    cellHovered = Signal(int, int)  # row, column
    cellClicked = Signal(int, int)

    def __init__(self, colormap: str = "viridis", bar_label: str = "", parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.x_axis, self.y_axis = TokenAxis("bottom"), TokenAxis("left")
        self.plot = self.addPlot(axisItems={"bottom": self.x_axis, "left": self.y_axis})
        self.plot.invertY(True)
        self.plot.setMenuEnabled(False)
        self.plot.getViewBox().setDefaultPadding(0.0)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(
            values=(0.0, 1.0), colorMap=pg.colormap.get(colormap), label=bar_label, interactive=False
        )
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.row_line = pg.InfiniteLine(angle=0, pen=pg.mkPen("#ff3b30", width=2))
        self.col_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ff3b30", width=2))
        for line in (self.row_line, self.col_line):
            line.setVisible(False)
            self.plot.addItem(line)
        self.values = np.zeros((0, 0), np.float32)
        self.cell_text: Callable[[int, int], str] | None = None
        self._texts: list[pg.TextItem] = []
        self.plot.scene().sigMouseMoved.connect(self._moved)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.plot.getViewBox().sigRangeChanged.connect(lambda *_: self.refresh_texts())

    def set_matrix(
        self,
        values: np.ndarray,
        x_labels: Sequence[str],
        y_labels: Sequence[str],
        levels: tuple[float, float] = (0.0, 1.0),
        fit: bool = False,
    ) -> None:
        reshaped = self.values.shape != values.shape
        self.values = np.ascontiguousarray(values, dtype=np.float32)
        self.x_axis.labels, self.y_axis.labels = list(x_labels), list(y_labels)
        self.image.setImage(self.values, levels=levels, autoDownsample=True)
        self.image.setRect(QRectF(0, 0, self.values.shape[1], self.values.shape[0]))
        self.bar.setLevels(levels)
        if fit or reshaped:
            self.plot.getViewBox().setRange(xRange=(0, values.shape[1]), yRange=(0, values.shape[0]), padding=0)
        self.refresh_texts()

    def highlight(self, row: int | None = None, column: int | None = None) -> None:
        self.row_line.setVisible(row is not None)
        self.col_line.setVisible(column is not None)
        if row is not None:
            self.row_line.setValue(row + 0.5)
        if column is not None:
            self.col_line.setValue(column + 0.5)

    def cell_at(self, scene_pos: QPointF) -> tuple[int, int] | None:
        point = self.plot.getViewBox().mapSceneToView(scene_pos)
        row, col = int(np.floor(point.y())), int(np.floor(point.x()))
        if 0 <= row < self.values.shape[0] and 0 <= col < self.values.shape[1]:
            return row, col
        return None

    def _moved(self, scene_pos: QPointF) -> None:
        cell = self.cell_at(scene_pos)
        if cell is not None:
            self.cellHovered.emit(*cell)

    def _clicked(self, event) -> None:
        cell = self.cell_at(event.scenePos())
        if cell is not None and event.button() == Qt.MouseButton.LeftButton:
            self.cellClicked.emit(*cell)

    def refresh_texts(self) -> None:
        """Write each visible cell's caption, only when cells are big enough to hold one."""
        for item in self._texts:
            self.plot.removeItem(item)
        self._texts.clear()
        if self.cell_text is None or not self.values.size:
            return
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        cols = range(max(0, int(x0)), min(self.values.shape[1], int(np.ceil(x1))))
        rows = range(max(0, int(y0)), min(self.values.shape[0], int(np.ceil(y1))))
        width = self.plot.getViewBox().width() / max(1e-9, x1 - x0)
        if len(cols) * len(rows) > MAX_CELL_TEXTS or width < 28:
            return
        for r in rows:
            for c in cols:
                text = self.cell_text(r, c)
                if text:
                    dark = not self.values[r, c] > 0.55  # NaN counts as dark; viridis is light at the top
                    item = pg.TextItem(text[:8], color="w" if dark else "k", anchor=(0.5, 0.5))
                    item.setPos(c + 0.5, r + 0.5)
                    self.plot.addItem(item)
                    self._texts.append(item)
