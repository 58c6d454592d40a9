"""The panel's views of one InspectResult: attention, head thumbnails, speaker roll-up, lens."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from agents.interp.result import InspectResult
from desktop.interp.heatmap import Heatmap

THUMB = 72  # head thumbnail size in pixels
LENS_MODES = {"top": "Top token's probability", "next": "Actual next token's probability"}


class AttentionView(QWidget):
    """One head (or the mean over heads) of one layer: query tokens down, key tokens across."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.result: InspectResult | None = None
        self.layer = QSpinBox()
        self.head = QComboBox()
        self.head.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # Most heads park most of their attention on the first token (a sink); scaling the
        # colours to the other keys keeps the rest of the map readable (the sink saturates).
        self.skip_sink = QCheckBox("Colour scale ignores the first token")
        self.skip_sink.setChecked(True)
        self.heatmap = Heatmap("viridis", "attention")
        self.heatmap.setAccessibleName("Attention heatmap")
        self.heatmap.plot.setLabel("left", "query")
        self.heatmap.plot.setLabel("bottom", "key")
        bar = QHBoxLayout()
        for label, widget in (("Layer", self.layer), ("Head", self.head)):
            bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        bar.addWidget(self.skip_sink)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.heatmap, 1)
        self.layer.valueChanged.connect(self.refresh)
        self.head.currentIndexChanged.connect(self.refresh)
        self.skip_sink.toggled.connect(self.refresh)

    def reset(self, result: InspectResult) -> None:
        self.result = result
        started = result.started
        if started is None:  # nothing to lay out before the inspection has started
            return
        for widget in (self.layer, self.head):
            widget.blockSignals(True)
        self.layer.setRange(0, max(0, started.n_layers - 1))
        self.layer.setValue(0)
        self.head.clear()
        self.head.addItems(["mean of heads"] + [f"head {h}" for h in range(started.n_heads)])
        for widget in (self.layer, self.head):
            widget.blockSignals(False)
        self.refresh(fit=True)

    def select(self, layer: int, head: int | None) -> None:
        self.layer.setValue(layer)
        self.head.setCurrentIndex(0 if head is None else head + 1)

    def current(self) -> np.ndarray | None:
        if self.result is None:
            return None
        head = self.head.currentIndex() - 1
        return self.result.attention_map(self.layer.value(), None if head < 0 else head)

    def refresh(self, *_args, fit: bool = False) -> None:
        matrix = self.current()
        if matrix is None:
            n = self.result.n_tokens if self.result else 0
            matrix = np.full((n, n), np.nan, np.float32)
        labels = self.result.input.labels if self.result else ()
        scaled = matrix[:, 1:] if self.skip_sink.isChecked() and matrix.shape[1] > 1 else matrix
        high = float(np.nanmax(scaled)) if np.isfinite(scaled).any() else 1.0
        self.heatmap.set_matrix(matrix, labels, labels, (0.0, max(high, 1e-6)), fit=fit)


class HeadGrid(QListWidget):
    """Every layer's every head as a thumbnail; clicking one opens it in the attention view."""

    headChosen = Signal(int, int)  # layer, head

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setAccessibleName("Heads of every layer")
        self.setIconSize(QSize(THUMB, THUMB))
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Static)
        self.setSpacing(4)
        self.itemClicked.connect(lambda item: self.headChosen.emit(*item.data(Qt.ItemDataRole.UserRole)))
        self._lut = pg.colormap.get("viridis").getLookupTable(nPts=256, alpha=False)

    def add_layer(self, layer: int, weights: np.ndarray, thumbnails: np.ndarray | None = None) -> None:
        for head in range(weights.shape[0]):
            small = (
                thumbnails[head]
                if thumbnails is not None
                else weights[head, :: max(1, weights.shape[1] // THUMB), :: max(1, weights.shape[2] // THUMB)]
            )
            item = QListWidgetItem(QIcon(self._thumbnail(small)), f"L{layer} H{head}")
            item.setData(Qt.ItemDataRole.UserRole, (layer, head))
            self.addItem(item)

    def _thumbnail(self, matrix: np.ndarray) -> QPixmap:
        scaled = np.sqrt(np.clip(matrix, 0.0, None) / max(float(matrix.max()), 1e-9))  # sqrt: faint heads stay visible
        rgb = np.ascontiguousarray(self._lut[(scaled * 255).astype(np.uint8)])
        image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.shape[1] * 3, QImage.Format.Format_RGB888)
        return QPixmap.fromImage(image.copy()).scaled(THUMB, THUMB)


class RollupView(QWidget):
    """For each head: how much the inspected message's tokens attend to each speaker's turns."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.note = QLabel("Attention of the inspected message's tokens, by the part of the conversation they read.")
        self.note.setWordWrap(True)
        self.heatmap = Heatmap("magma", "attention mass")
        self.heatmap.setAccessibleName("Attention by speaker heatmap")
        self.heatmap.x_axis.max_chars = 24  # few, wide columns: whole speaker labels fit
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.heatmap, 1)

    def refresh(self, result: InspectResult) -> None:
        rollup = result.speaker_rollup()
        if rollup is None:
            return
        rows, columns, matrix = rollup
        self.heatmap.set_matrix(matrix, columns, rows, (0.0, 1.0), fit=True)


class LensView(QWidget):
    """Layers down (embeddings first), positions across; hover lists the top 10."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.result: InspectResult | None = None
        self.mode = QComboBox()
        for key, text in LENS_MODES.items():
            self.mode.addItem(text, key)
        self.hover = QLabel("Hover a cell for its top 10 tokens.")
        self.hover.setTextFormat(Qt.TextFormat.RichText)
        self.heatmap = Heatmap("viridis", "probability")
        self.heatmap.setAccessibleName("Logit lens heatmap")
        self.heatmap.cell_text = self._caption
        self.heatmap.cellHovered.connect(self._hovered)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Colour by"))
        bar.addWidget(self.mode)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.heatmap, 1)
        layout.addWidget(self.hover)
        self.mode.currentIndexChanged.connect(lambda _i: self.refresh())

    def row_labels(self) -> list[str]:
        return ["emb"] + [f"L{i}" for i in range(1, self.result.rows)] if self.result else []

    def refresh(self, fit: bool = False) -> None:
        if self.result is None or self.result.started is None:
            return
        matrix = self.result.lens_map(self.mode.currentData())
        self.heatmap.set_matrix(matrix, self.result.input.labels, self.row_labels(), (0.0, 1.0), fit=fit)

    def _caption(self, row: int, col: int) -> str:
        if self.result is None or col >= self.result.filled_to:
            return ""
        return self.result.text_of(self.result.lens["top_ids"][row, col, 0])

    def tooltip_html(self, row: int, col: int) -> str:
        res = self.result
        if res is None or col >= res.filled_to:
            return "not computed yet"
        lens = res.lens
        head = f"<b>{self.row_labels()[row]}</b>, position {col} <b>{_html(res.input.labels[col])}</b>"
        if col + 1 < res.n_tokens:
            head += (
                f" → next <b>{_html(res.input.labels[col + 1])}</b>: p={lens['target_prob'][row, col]:.3f},"
                f" rank {lens['target_rank'][row, col]}"
            )
        head += f" · entropy {lens['entropy'][row, col]:.2f} · KL to final {lens['kl_to_final'][row, col]:.2f}"
        tops = " ".join(f"{_html(t)}&nbsp;{p:.2f}" for t, p in res.top_tokens(row, col))
        return f"{head}<br>top 10: {tops}"

    def _hovered(self, row: int, col: int) -> None:
        html = self.tooltip_html(row, col)
        self.hover.setText(html)
        self.heatmap.setToolTip(html)


def _html(text: str) -> str:
    from html import escape

    return escape(text)
