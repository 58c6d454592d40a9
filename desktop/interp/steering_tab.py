"""The Steering tab: a contrast set (shipped, loaded from a file, or typed as pairs), its
direction per layer, then unsteered / steered (+/-) / prompted generations side by side.

A typed set is checked as the user types (a line number and its problem, or how many pairs);
Run refuses a set that does not check, with the same message. Save writes it as a contrast
.json, which a team file's ``steering`` and the builder's steering editor accept.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from agents.interp import findings as f
from agents.interp.contrasts import (
    PAIRS_HELP,
    ContrastSet,
    load_contrast,
    parse_pairs,
    read_contrast_file,
    save_contrast,
    shipped_names,
)
from agents.llm.base import CancelToken
from desktop.interp.method_tab import Make, MethodTab

CUSTOM = "custom pairs (typed below)"
OK_STYLE, BAD_STYLE = "color: #1a7f37", "color: #cf222e; font-weight: bold"


class PairsEditor(QWidget):
    """Typed pairs with a live check, Load (.txt pairs or a .json set) and Save (.json)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Custom contrast pairs")
        self.text.setPlaceholderText(PAIRS_HELP + "\ne.g.  I love this film. | I hate this film.")
        self.text.setMaximumHeight(110)
        self.check = QLabel()
        self.check.setWordWrap(True)
        self.save_button = QPushButton("Save pairs…")
        buttons = QHBoxLayout()
        buttons.addWidget(self.check, 1)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.text.textChanged.connect(self.recheck)
        self.save_button.clicked.connect(lambda: self.save())
        self.recheck()

    def contrast(self) -> ContrastSet:
        """The typed set, or a ValueError that names the line and what is wrong with it."""
        return parse_pairs(self.text.toPlainText())

    def recheck(self) -> None:
        try:
            found = self.contrast()
        except ValueError as exc:
            self.check.setText(str(exc) if self.text.toPlainText().strip() else "Type pairs: " + PAIRS_HELP)
            self.check.setStyleSheet(BAD_STYLE if self.text.toPlainText().strip() else "")
            return
        n = len(found.eval_prompts)
        self.check.setText(
            f"{len(found.positive)} positive, {len(found.negative)} negative, {n} prompt{'s' * (n != 1)} to generate from"
        )
        self.check.setStyleSheet(OK_STYLE)

    def show_set(self, contrast: ContrastSet) -> None:
        """Put a set's texts in the editor: pairs while both sides last, then one-sided lines."""
        pos, neg, n = contrast.positive, contrast.negative, min(len(contrast.positive), len(contrast.negative))
        lines = [f"{p} | {q}" for p, q in zip(pos[:n], neg[:n])]
        lines += [f"+ {p}" for p in pos[n:]] + [f"- {q}" for q in neg[n:]]
        lines += [f"? {p}" for p in contrast.eval_prompts]
        self.text.setPlainText("\n".join(lines))

    def save(self, path: str | None = None) -> QFileDialog | None:
        """Save the typed set as a contrast .json (a non-blocking dialog; tests pass ``path``)."""
        if path is None:
            dialog = QFileDialog(self, "Save contrast set", "", "Contrast sets (*.json)")
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dialog.setDefaultSuffix("json")
            dialog.fileSelected.connect(self.save)
            dialog.open()
            return dialog
        try:
            contrast = self.contrast()
            saved = save_contrast(replace(contrast, name=Path(path).stem), Path(path))
        except (OSError, ValueError) as exc:
            self.check.setText(f"Not saved: {exc}")
            self.check.setStyleSheet(BAD_STYLE)
            return None
        self.check.setText(f"Saved to {saved}")
        self.check.setStyleSheet(OK_STYLE)
        return None


class SteeringTab(MethodTab):
    """Directions per layer, then unsteered / steered (+/-) / prompted generations side by side."""

    title = "steering"

    def build_form(self) -> None:
        self.contrast = QComboBox()
        self.contrast.setAccessibleName("Contrast set")
        for name in shipped_names():
            self.contrast.addItem(name, name)
        self.contrast.addItem(CUSTOM, CUSTOM)
        self.load_button = QPushButton("Load…")
        self.load_button.setToolTip("Typed pairs (.txt) into the editor, or a contrast set (.json) as a choice")
        self.layer = QSpinBox()
        self.layer.setRange(-1, 64)
        self.auto_layer = QCheckBox("steering layer")
        self.auto_layer.setChecked(True)
        self.strength = QDoubleSpinBox()
        self.strength.setRange(-50.0, 50.0)
        self.strength.setValue(4.0)
        self.prompts = QSpinBox()
        self.prompts.setRange(1, 20)
        self.prompts.setValue(3)
        self.add_fields(
            ("Contrast", self.contrast),
            ("", self.load_button),
            ("Layer", self.layer),
            ("", self.auto_layer),
            ("Strength", self.strength),
            ("Prompts", self.prompts),
        )
        self.pairs = PairsEditor()
        self.extra.addWidget(self.pairs)
        self.contrast.currentIndexChanged.connect(self._show_pairs)
        self.load_button.clicked.connect(lambda: self.load_file())
        self._show_pairs()
        self.directions: f.DirectionsReady | None = None

    def _show_pairs(self, *_: Any) -> None:
        self.pairs.setVisible(self.contrast.currentData() == CUSTOM)

    def load_file(self, path: str | None = None) -> QFileDialog | None:
        """.txt pairs fill the editor; a .json set becomes a choice. A bad file says why in the status."""
        if path is None:
            dialog = QFileDialog(self, "Load contrast set", "", "Contrast sets (*.json *.txt)")
            dialog.fileSelected.connect(self.load_file)
            dialog.open()
            return dialog
        try:
            found = read_contrast_file(Path(path))
        except ValueError as exc:
            self.status.setText(f"Not loaded: {exc}")
            return None
        if path.endswith(".txt"):
            self.pairs.show_set(found)
            self.contrast.setCurrentIndex(self.contrast.findData(CUSTOM))
        else:
            if self.contrast.findData(path) < 0:
                self.contrast.addItem(f"{found.name} ({Path(path).name})", path)
            self.contrast.setCurrentIndex(self.contrast.findData(path))
        self.status.setText(f"Loaded {found.name}: {len(found.positive)} positive, {len(found.negative)} negative")
        return None

    def chosen_contrast(self) -> ContrastSet:
        """The set to run: typed, loaded or shipped (a ValueError says what is wrong with it)."""
        source = self.contrast.currentData()
        if source == CUSTOM:
            try:
                return self.pairs.contrast()
            except ValueError as exc:
                raise ValueError(f"the typed pairs cannot be used: {exc}") from None
        return load_contrast(str(source))

    def make(self) -> Make:
        from agents.interp.steer_generate import SteerSettings, steer_stream
        from agents.interp.steering import SteeringVector, directions_stream

        contrast = self.chosen_contrast()
        auto, chosen, strength, n = (
            self.auto_layer.isChecked(),
            self.layer.value(),
            self.strength.value(),
            self.prompts.value(),
        )

        async def stream(loaded: Any, cancel: CancelToken) -> AsyncIterator[Any]:
            found = None
            async for record in directions_stream(loaded, contrast, cancel=cancel):
                found = record if isinstance(record, f.DirectionsReady) else found
                yield record
            if found is None or cancel.cancelled:
                return
            vector = SteeringVector.from_directions(found, found.steering_layer() if auto else chosen)
            prompts = list(contrast.eval_prompts[:n])
            async for record in steer_stream(
                loaded, vector, prompts, contrast, SteerSettings(strength=strength), cancel
            ):
                yield record

        return stream

    def show_record(self, record: Any) -> None:
        if isinstance(record, f.DirectionsReady):
            self.directions = record
            best = record.steering_layer()
            rows: list[tuple[Any, ...]] = [
                (int(lay), float(d), f"{a:.0%}", "← steering layer" if lay == best else "")
                for lay, d, a in zip(record.layers, record.separation, record.accuracy)
            ]
            self.set_table(["layer", "separation (d)", "held-out accuracy", ""], rows, colour=1)
        elif isinstance(record, f.SteeredGeneration):
            gens = [r for r in self.records if isinstance(r, f.SteeredGeneration)]
            rows = [
                (
                    g.prompt,
                    g.mode,
                    g.text,
                    g.projection,
                    "" if g.marker_logodds is None else f"{g.marker_logodds:+.2f}",
                    f"{g.surprisal:.2f}",
                )
                for g in gens
            ]
            self.set_table(["prompt", "mode", "generation", "projection", "markers", "surprisal"], rows, colour=3)
