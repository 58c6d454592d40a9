"""The panel's method tabs: Steering (its own module), Neurons, Patchscope, Attribution, SAE features."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

from agents.interp import findings as f
from agents.llm.base import CancelToken
from desktop.interp.method_tab import Make, MethodTab
from desktop.interp.steering_tab import SteeringTab


def _spin(low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    return box


def _text(placeholder: str) -> QLineEdit:
    line = QLineEdit()
    line.setPlaceholderText(placeholder)
    return line


class NeuronsTab(MethodTab):
    """The most active MLP neurons per token at a layer; ablate some; read one's output vector."""

    title = "neurons"

    def build_form(self) -> None:
        self.text = _text("Text (empty: the inspected message)")
        self.layer = _spin(0, 64, 0)
        self.ablate = _text("neurons to ablate, e.g. 12 40")
        self.mode = QComboBox()
        self.mode.setAccessibleName("Ablation mode")
        self.mode.addItems(["zero", "mean"])
        self.add_fields(("", self.text), ("Layer", self.layer), ("", self.ablate), ("", self.mode))

    def make(self) -> Make:
        from agents.interp.neurons import ablation_stream, neuron_vector_stream, neurons_stream

        text, layer, mode = self.text.text(), self.layer.value(), self.mode.currentText()
        try:
            chosen = [int(x) for x in self.ablate.text().replace(",", " ").split()]
        except ValueError:
            raise ValueError("neurons are whole numbers, e.g. 12 40") from None

        async def stream(loaded: Any, cancel: CancelToken) -> AsyncIterator[Any]:
            inp = self.input_or_text(text, loaded)
            self.labels = inp.labels
            for make_one in (
                lambda: neurons_stream(loaded, inp.token_ids, [layer], 5, cancel),
                (lambda: ablation_stream(loaded, inp.token_ids, layer, chosen, mode, cancel=cancel))
                if chosen
                else None,
                (lambda: neuron_vector_stream(loaded, layer, chosen, cancel=cancel)) if chosen else None,
            ):
                if make_one is not None:
                    async for record in make_one():
                        yield record

        return stream

    def show_record(self, record: Any) -> None:
        if isinstance(record, f.TopNeurons):
            labels = getattr(self, "labels", ())
            rows = [
                (p, labels[p] if p < len(labels) else "", ", ".join(f"#{n} {v:+.2f}" for n, v in zip(ids, acts)))
                for p, (ids, acts) in enumerate(zip(record.neuron_ids, record.activations))
            ]
            self.set_table(["position", "token", f"top neurons, layer {record.layer}"], rows)


class PatchscopeTab(MethodTab):
    """The model describes its hidden state at (layer, position) of the inspected input."""

    title = "patchscope"

    def build_form(self) -> None:
        from agents.interp.patching import IDENTITY_PROMPT

        self.text = _text("Text (empty: the inspected message)")
        self.layer, self.position = _spin(-1, 64, 6), _spin(-4096, 4096, -1)
        self.prompt = QLineEdit(IDENTITY_PROMPT.replace("\n", "\\n"))
        self.on_click = QCheckBox("describe lens clicks")
        self.on_click.setChecked(True)
        self.add_fields(
            ("", self.text),
            ("Layer", self.layer),
            ("Position", self.position),
            ("Target", self.prompt),
            ("", self.on_click),
        )

    def describe_cell(self, row: int, position: int) -> None:
        """A lens cell was clicked: row r is layer r - 1 (row 0, the embeddings, is layer -1)."""
        if self.on_click.isChecked() and not self.runner.running:
            self.text.clear()
            self.layer.setValue(row - 1)
            self.position.setValue(position)
            self.run()

    def make(self) -> Make:
        from agents.interp.patching import patchscope_stream

        text, layer, position = self.text.text(), self.layer.value(), self.position.value()
        prompt = self.prompt.text().replace("\\n", "\n")

        async def stream(loaded: Any, cancel: CancelToken) -> AsyncIterator[Any]:
            inp = self.input_or_text(text, loaded)
            async for record in patchscope_stream(
                loaded, list(inp.token_ids), layer, position, prompt=prompt, cancel=cancel
            ):
                yield record

        return stream

    def show_record(self, record: Any) -> None:
        if isinstance(record, f.PatchscopeResult):
            results = [r for r in self.records if isinstance(r, f.PatchscopeResult)]
            rows = [
                (r.source_layer, r.source_position, r.text, ", ".join(f"{t} {p:.2f}" for t, p in r.first_token_top[:3]))
                for r in results
            ]
            self.set_table(["layer", "position", "the model's description", "first token"], rows)


class AttributionTab(MethodTab):
    """Which tokens, messages or speakers drove the inspected message (or a text's last token)."""

    title = "attribution"

    def build_form(self) -> None:
        self.text = _text("Text (empty: the inspected message)")
        self.method, self.unit = QComboBox(), QComboBox()
        self.method.setAccessibleName("Attribution method")
        self.unit.setAccessibleName("Attribute to")
        self.method.addItems(["occlusion", "gradient x input"])
        self.unit.addItems(["speakers", "spans", "tokens"])
        self.add_fields(("", self.text), ("", self.method), ("", self.unit))

    def make(self) -> Make:
        from agents.interp.attribution import attribution_stream

        text, method, unit = self.text.text(), self.method.currentText(), self.unit.currentText()

        async def stream(loaded: Any, cancel: CancelToken) -> AsyncIterator[Any]:
            inp = self.input_or_text(text, loaded)
            use = unit if inp.spans else "tokens"
            async for record in attribution_stream(loaded, inp, method, use, cancel):
                yield record

        return stream

    def show_record(self, record: Any) -> None:
        if isinstance(record, f.AttributionReady):
            order = np.argsort(-np.abs(record.scores))
            rows: list[tuple[Any, ...]] = [
                (record.labels[i], int(record.starts[i]), float(record.scores[i])) for i in order
            ]
            rows += (
                [(f"speaker: {who}", "", float(score)) for who, score in record.by_speaker]
                if record.unit != "speakers"
                else []
            )
            self.set_table([record.unit, "from", f"{record.method} (log p)"], rows, colour=2)


class SaeTab(MethodTab):
    """Load an SAE (or train one on a corpus, by default the shipped one); top features per token;
    a feature's report over the same corpus."""

    title = "sae"

    def build_form(self) -> None:
        self.path = _text("params.npz / params.safetensors")
        self.text = _text("Text (empty: the inspected message)")
        self.layer = _spin(-1, 64, 6)
        self.action = QComboBox()
        self.action.setAccessibleName("SAE action")
        self.action.addItems(["features per token", "feature report", "train on the corpus"])
        self.feature = _spin(-1, 1 << 20, -1)
        self.feature.setSpecialValueText("5 selective")  # -1: the report picks them (selective_features)
        self.feature.setAccessibleName("SAE feature")
        self.feature.setToolTip(
            "The feature to report on; the lowest value lets the report pick five selective ones "
            "(firing on 0.5-20% of corpus tokens, strongest first: dense ones act like biases)"
        )
        self.corpus = _text("empty: the shipped corpus")
        self.corpus.setToolTip("A .txt/.md file or a folder of them (UTF-8) to train on and report over")
        self.corpus.setAccessibleName("SAE corpus")
        self.add_fields(
            ("", self.path),
            ("", self.text),
            ("Layer", self.layer),
            ("", self.action),
            ("Feature", self.feature),
            ("Corpus", self.corpus),
        )

    def make(self) -> Make:
        from agents.interp.sae import feature_report_stream, features_stream, load_sae
        from agents.interp.sae_train import SaeTrainSettings, corpus_rows, corpus_texts, train_stream

        path, text, layer, action, feature = (
            self.path.text().strip(),
            self.text.text(),
            self.layer.value(),
            self.action.currentText(),
            self.feature.value(),
        )
        corpus = self.corpus.text().strip() or None
        if not path:
            raise ValueError("give the SAE file's path (where to save it, when training)")

        async def stream(loaded: Any, cancel: CancelToken) -> AsyncIterator[Any]:
            texts = None if corpus is None else await asyncio.to_thread(corpus_texts, corpus)  # a folder may be big
            if action == "train on the corpus":
                settings = SaeTrainSettings(layer=layer)
                async for record in train_stream(loaded, settings, path, texts=texts, cancel=cancel):
                    yield record
                return
            sae = load_sae(path, layer)
            if action == "features per token":
                inp = self.input_or_text(text, loaded)
                self.labels = inp.labels
                stream = features_stream(loaded, sae, inp.token_ids, 5, cancel)
            else:
                rows = corpus_rows(loaded, corpus_texts() if texts is None else texts)
                chosen = None if feature < 0 else [feature]
                stream = feature_report_stream(loaded, sae, rows, chosen, 8, cancel)
            async for record in stream:
                yield record

        return stream

    def show_record(self, record: Any) -> None:
        if isinstance(record, f.TokenFeatures):
            labels = getattr(self, "labels", ())[1:]  # BOS has no features
            rows: list[tuple[Any, ...]] = [
                (
                    p + 1,
                    labels[p] if p < len(labels) else "",
                    ", ".join(f"#{i} {v:.2f}" for i, v in zip(ids, acts) if v > 0),
                )
                for p, (ids, acts) in enumerate(zip(record.feature_ids, record.activations))
            ]
            self.set_table(["position", "token", "top features"], rows)
        elif isinstance(record, f.FeatureReport):  # a report may hold several features: one table
            rows = [
                (f"#{r.feature} ({r.frequency:.1%} of tokens)", text, v)
                for r in self.records
                if isinstance(r, f.FeatureReport)
                for text, v in r.top_contexts
            ]
            self.set_table(["feature", "top context", "activation"], rows, colour=2)
        elif isinstance(record, f.SaeTrainingProgress):
            self.progress.setValue(int(100 * record.step / max(1, record.steps)))


TABS = (SteeringTab, NeuronsTab, PatchscopeTab, AttributionTab, SaeTab)
TITLES = {
    SteeringTab: "Steering",
    NeuronsTab: "Neurons",
    PatchscopeTab: "Patchscope",
    AttributionTab: "Attribution",
    SaeTab: "SAE",
}
