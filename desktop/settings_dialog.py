"""Providers: the embedded model's device, OpenAI-compatible endpoints with a connection test, and
the tools' folders and MCP servers.

API keys typed here go to the OS keyring, never into settings.json.
"""

from __future__ import annotations

import asyncio

from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from agents.events import ErrorEvent, MessageCompleted
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams
from agents.llm.credentials import delete_api_key, store_api_key
from agents.llm.openai_compat import OpenAICompatProvider
from agents.llm.refs import EndpointConfig, OpenAIRef
from agents.settings import LocalSettings, Settings, save_settings
from desktop.tool_settings_form import ToolSettingsGroup

NEW_ENDPOINT = "New endpoint…"
# The endpoint's native_tools choices, each with the one line its tooltip shows.
NATIVE_TOOLS = {
    "auto": "auto: native calls on chat endpoints, text calls once the server refuses them",
    "on": "on: always native function calls; a server that refuses them is an error",
    "off": "off: never native; the model writes <tool>name(args)</tool> in text",
}


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Agora Lab — providers")
        self.settings = settings
        self.removed: set[str] = set()
        layout = QVBoxLayout(self)
        layout.addWidget(self._local_group(settings.local))
        layout.addWidget(self._endpoint_group(settings))
        self.tools = ToolSettingsGroup(settings.tools)
        layout.addWidget(self.tools)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _local_group(self, local: LocalSettings) -> QGroupBox:
        group = QGroupBox("Embedded model (Gemma 3 270M)")
        form = QFormLayout(group)
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda"])
        self.device.setCurrentText(local.device)
        self.dtype = QComboBox()
        self.dtype.addItems(["auto", "float32", "bfloat16", "float16"])
        self.dtype.setCurrentText(local.dtype)
        self.context = QSpinBox()
        self.context.setRange(256, 131072)
        self.context.setValue(local.context_tokens)
        form.addRow("Device", self.device)
        form.addRow("Dtype", self.dtype)
        form.addRow("Context tokens", self.context)
        return group

    def _endpoint_group(self, settings: Settings) -> QGroupBox:
        group = QGroupBox("OpenAI-compatible endpoints (use one as endpoint:NAME)")
        form = QFormLayout(group)
        self.endpoints = dict(settings.endpoints)  # edited here, written on Save
        self.chooser = QComboBox()
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_endpoint)
        row = QHBoxLayout()
        row.addWidget(self.chooser, 1)
        row.addWidget(self.remove_button)
        self.name, self.base_url, self.model, self.key_env = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        self.api = QComboBox()
        self.api.addItems(["chat", "completions"])
        self.native_tools = native_tools_combo()
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("stored in the OS keyring, never in a file")
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(lambda: asyncio.ensure_future(self.test_connection()))
        self.feedback = QLabel("")
        self.feedback.setWordWrap(True)
        form.addRow("Endpoint", row)
        for label, widget in (
            ("Name", self.name),
            ("Base URL", self.base_url),
            ("Model", self.model),
            ("API", self.api),
            ("Native tool calls", self.native_tools),
            ("Key variable", self.key_env),
            ("API key", self.key),
        ):
            form.addRow(label, widget)
        form.addRow(self.test_button, self.feedback)
        self.chooser.currentIndexChanged.connect(self._show_endpoint)
        self._fill_chooser()
        return group

    def _fill_chooser(self) -> None:
        self.chooser.blockSignals(True)
        self.chooser.clear()
        self.chooser.addItems(sorted(self.endpoints) + [NEW_ENDPOINT])
        self.chooser.blockSignals(False)
        self._show_endpoint()

    def _show_endpoint(self) -> None:
        name = self.chooser.currentText()
        endpoint = self.endpoints.get(name)
        self.name.setText(name if endpoint else "")
        self.base_url.setText(endpoint.base_url if endpoint else "http://127.0.0.1:8080/v1")
        self.model.setText(endpoint.model if endpoint else "")
        self.api.setCurrentText(endpoint.api if endpoint else "chat")
        self.native_tools.setCurrentText(endpoint.native_tools if endpoint else "auto")
        self.key_env.setText((endpoint.api_key_env or "") if endpoint else "")
        self.key.clear()
        self.remove_button.setEnabled(endpoint is not None)

    def remove_endpoint(self) -> None:
        """Forget the chosen endpoint (on Save); its keyring entry goes with it."""
        name = self.chooser.currentText()
        if self.endpoints.pop(name, None) is not None:
            self.removed.add(name)
            self._fill_chooser()

    def endpoint(self) -> EndpointConfig | None:
        """The endpoint as edited; fields the dialog does not show (timeouts, retries, context)
        keep the chosen endpoint's values."""
        if not self.name.text().strip():
            return None
        shown = self.endpoints.get(self.chooser.currentText())
        kept = shown.model_dump() if shown else {}
        # model_validate: the combos' text is checked against the Literals by pydantic, not assumed
        return EndpointConfig.model_validate(
            kept
            | {
                "base_url": self.base_url.text().strip(),
                "model": self.model.text().strip(),
                "api": self.api.currentText(),
                "native_tools": self.native_tools.currentText(),
                "api_key_env": self.key_env.text().strip() or None,
            }
        )

    async def test_connection(self) -> bool:
        """One tiny request; the answer, or the typed error, is shown under the button."""
        try:
            endpoint = self.endpoint()
        except ValidationError as exc:
            self.feedback.setText(f"✗ {exc.errors()[0]['msg']}")
            return False
        if endpoint is None:
            self.feedback.setText("✗ give the endpoint a name first")
            return False
        self.feedback.setText("testing…")
        endpoint = endpoint.model_copy(update={"timeout_s": 15, "max_retries": 0})  # a quick answer, not a long wait
        provider = OpenAICompatProvider(OpenAIRef(name=self.name.text().strip(), endpoint=endpoint, saved=True))
        request = CompletionRequest(
            messages=(ChatMessage(role="user", content="Say hello."),), params=GenerationParams(max_tokens=4)
        )
        outcome = "✗ no reply"
        try:
            async for event in provider.stream(request):
                if isinstance(event, ErrorEvent):
                    outcome = f"✗ {event.kind}: {event.message}"
                elif isinstance(event, MessageCompleted) and event.finish_reason != "error":
                    outcome = f"✓ connected: {endpoint.model} answered in {event.latency_s:.2f} s"
        finally:
            await provider.aclose()
        self.feedback.setText(outcome)
        return outcome.startswith("✓")

    def save(self) -> None:
        try:
            local = LocalSettings.model_validate(
                {
                    "device": self.device.currentText(),
                    "dtype": self.dtype.currentText(),
                    "context_tokens": self.context.value(),
                }
            )
            endpoints = dict(self.endpoints)
            endpoint = self.endpoint()
            chosen = self.chooser.currentText()
            if endpoint is not None and chosen in endpoints and chosen != self.name.text().strip():
                endpoints.pop(chosen)  # renamed: the old name goes
                self.removed.add(chosen)
            if endpoint is not None:
                endpoints[self.name.text().strip()] = endpoint
            try:
                tools, notes = self.tools.value_to_save()
            except ValueError as exc:
                self.tools.result.setText(f"✗ not saved: {exc}")
                return
            self.settings = self.settings.model_copy(update={"local": local, "endpoints": endpoints, "tools": tools})
            save_settings(Settings.model_validate(self.settings.model_dump()))
            self.tools.forget_unused(tools)
            for name in self.removed - set(endpoints):
                delete_api_key(name, missing_ok=True)
            if self.key.text() and endpoint is not None:
                store_api_key(self.name.text().strip(), self.key.text())
        except ValidationError as exc:
            self.feedback.setText(f"✗ not saved: {exc.errors()[0]['msg']}")
            return
        except Exception as exc:  # no keyring backend: say so, keep the rest saved
            self.feedback.setText(
                f"✗ settings saved, but the key could not be stored in the OS keyring ({exc}); use the key variable"
            )
            return
        if notes:  # saved, but a secret needs the user's hand: keep the dialog open to say so
            self.tools.result.setText("⚠ settings saved; " + "; ".join(notes))
            return
        self.accept()


def native_tools_combo() -> QComboBox:
    """auto / on / off; each item's tooltip, and the combo's for the current one, say what it does."""
    combo = QComboBox()
    for choice, line in NATIVE_TOOLS.items():
        combo.addItem(choice)
        combo.setItemData(combo.count() - 1, line, Qt.ItemDataRole.ToolTipRole)
    combo.currentTextChanged.connect(lambda choice: combo.setToolTip(NATIVE_TOOLS.get(choice, "")))
    combo.setToolTip(NATIVE_TOOLS["auto"])
    return combo
