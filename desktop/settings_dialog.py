"""Providers: the embedded model's device, and OpenAI-compatible endpoints with a connection test.

API keys typed here go to the OS keyring, never into settings.json.
"""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)
from pydantic import ValidationError

from agents.events import ErrorEvent, MessageCompleted
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams
from agents.llm.credentials import store_api_key
from agents.llm.openai_compat import OpenAICompatProvider
from agents.llm.refs import EndpointConfig, OpenAIRef
from agents.settings import LocalSettings, Settings, save_settings


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Agora Lab — providers")
        self.settings = settings
        layout = QVBoxLayout(self)
        layout.addWidget(self._local_group(settings.local))
        layout.addWidget(self._endpoint_group(settings))
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
        group = QGroupBox("OpenAI-compatible endpoint (use it as endpoint:NAME)")
        form = QFormLayout(group)
        name, endpoint = next(iter(settings.endpoints.items()), ("", None))
        self.name = QLineEdit(name)
        self.base_url = QLineEdit(endpoint.base_url if endpoint else "http://127.0.0.1:8080/v1")
        self.model = QLineEdit(endpoint.model if endpoint else "")
        self.api = QComboBox()
        self.api.addItems(["chat", "completions"])
        self.api.setCurrentText(endpoint.api if endpoint else "chat")
        self.key_env = QLineEdit(endpoint.api_key_env or "" if endpoint else "")
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("stored in the OS keyring, never in a file")
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(lambda: asyncio.ensure_future(self.test_connection()))
        self.result = QLabel("")
        self.result.setWordWrap(True)
        for label, widget in (("Name", self.name), ("Base URL", self.base_url), ("Model", self.model), ("API", self.api),
                              ("Key variable", self.key_env), ("API key", self.key)):
            form.addRow(label, widget)
        form.addRow(self.test_button, self.result)
        return group

    def endpoint(self) -> EndpointConfig | None:
        if not self.name.text().strip():
            return None
        return EndpointConfig(
            base_url=self.base_url.text().strip(), model=self.model.text().strip(), api=self.api.currentText(),
            api_key_env=self.key_env.text().strip() or None, timeout_s=15, max_retries=0,
        )

    async def test_connection(self) -> bool:
        """One tiny request; the answer, or the typed error, is shown under the button."""
        try:
            endpoint = self.endpoint()
        except ValidationError as exc:
            self.result.setText(f"✗ {exc.errors()[0]['msg']}")
            return False
        if endpoint is None:
            self.result.setText("✗ give the endpoint a name first")
            return False
        self.result.setText("testing…")
        provider = OpenAICompatProvider(OpenAIRef(name=self.name.text().strip(), endpoint=endpoint, saved=True))
        request = CompletionRequest(messages=(ChatMessage(role="user", content="Say hello."),), params=GenerationParams(max_tokens=4))
        outcome = "✗ no reply"
        try:
            async for event in provider.stream(request):
                if isinstance(event, ErrorEvent):
                    outcome = f"✗ {event.kind}: {event.message}"
                elif isinstance(event, MessageCompleted) and event.finish_reason != "error":
                    outcome = f"✓ connected: {endpoint.model} answered in {event.latency_s:.2f} s"
        finally:
            await provider.aclose()
        self.result.setText(outcome)
        return outcome.startswith("✓")

    def save(self) -> None:
        try:
            local = LocalSettings(device=self.device.currentText(), dtype=self.dtype.currentText(), context_tokens=self.context.value())
            endpoints = dict(self.settings.endpoints)
            endpoint = self.endpoint()
            if endpoint is not None:
                endpoints[self.name.text().strip()] = endpoint
            self.settings = self.settings.model_copy(update={"local": local, "endpoints": endpoints})
            save_settings(Settings.model_validate(self.settings.model_dump()))
            if self.key.text() and endpoint is not None:
                store_api_key(self.name.text().strip(), self.key.text())
        except ValidationError as exc:
            self.result.setText(f"✗ not saved: {exc.errors()[0]['msg']}")
            return
        except Exception as exc:  # no keyring backend: say so, keep the rest saved
            self.result.setText(f"✗ settings saved, but the key could not be stored in the OS keyring ({exc}); use the key variable")
            return
        self.accept()
