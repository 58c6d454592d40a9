"""The providers dialog against a real HTTP server on 127.0.0.1; keys never reach the file."""

from agents.settings import Settings, load_settings
from desktop.settings_dialog import SettingsDialog
from tests.helpers.fault_server import FaultServer


def test_connection_test_and_save_without_the_key(qtbot, qloop, tmp_path, monkeypatch):
    monkeypatch.setenv("AGORA_LAB_CONFIG_DIR", str(tmp_path / "config"))
    stored = {}
    monkeypatch.setattr("desktop.settings_dialog.store_api_key", lambda name, key: stored.update({name: key}))
    server = qloop.run_until_complete(FaultServer().start())
    try:
        dialog = SettingsDialog(Settings())
        qtbot.addWidget(dialog)
        dialog.name.setText("lab")
        dialog.base_url.setText(server.base_url)
        dialog.model.setText("ok")
        dialog.key.setText("sk-typed-in-the-dialog-123")
        assert qloop.run_until_complete(dialog.test_connection())
        assert "connected" in dialog.feedback.text()
        dialog.model.setText("auth")
        assert not qloop.run_until_complete(dialog.test_connection())
        assert "auth" in dialog.feedback.text()
        dialog.model.setText("ok")
        dialog.device.setCurrentText("cpu")
        dialog.save()
    finally:
        qloop.run_until_complete(server.stop())
    saved = load_settings()
    assert saved.endpoints["lab"].base_url == server.base_url and saved.local.device == "cpu"
    assert "sk-typed" not in (tmp_path / "config" / "settings.json").read_text()
    assert stored == {"lab": "sk-typed-in-the-dialog-123"}


def test_a_bad_url_is_reported_not_raised(qtbot, qloop):
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.name.setText("x")
    dialog.base_url.setText("localhost:8080")
    assert not qloop.run_until_complete(dialog.test_connection())
    assert "http(s)" in dialog.feedback.text()


def test_endpoints_are_listed_edited_and_removed(qtbot, tmp_path, monkeypatch):
    from agents.llm.refs import EndpointConfig
    from agents.settings import save_settings

    monkeypatch.setenv("AGORA_LAB_CONFIG_DIR", str(tmp_path / "config"))
    forgotten = []
    monkeypatch.setattr("desktop.settings_dialog.delete_api_key", lambda name, missing_ok: forgotten.append(name))
    endpoints = {
        n: EndpointConfig(base_url=f"http://127.0.0.1:{p}/v1", model=n) for n, p in (("alpha", 1), ("beta", 2))
    }
    save_settings(Settings(endpoints=endpoints))
    dialog = SettingsDialog(load_settings())
    qtbot.addWidget(dialog)
    assert [dialog.chooser.itemText(i) for i in range(dialog.chooser.count())] == ["alpha", "beta", "New endpoint…"]
    dialog.chooser.setCurrentText("beta")
    assert dialog.base_url.text() == "http://127.0.0.1:2/v1" and dialog.model.text() == "beta"
    dialog.remove_button.click()
    assert dialog.chooser.currentText() == "alpha" and dialog.name.text() == "alpha"
    dialog.model.setText("alpha-2")
    dialog.save()
    saved = load_settings()
    assert set(saved.endpoints) == {"alpha"} and saved.endpoints["alpha"].model == "alpha-2"
    assert forgotten == ["beta"]


def test_native_tools_is_edited_saved_and_loaded_back(qtbot, tmp_path, monkeypatch):
    from agents.llm.refs import EndpointConfig
    from agents.settings import save_settings

    monkeypatch.setenv("AGORA_LAB_CONFIG_DIR", str(tmp_path / "config"))
    kept = EndpointConfig(base_url="http://127.0.0.1:1/v1", model="m", timeout_s=240, context_tokens=4096)
    save_settings(Settings(endpoints={"lab": kept}))
    dialog = SettingsDialog(load_settings())
    qtbot.addWidget(dialog)
    assert dialog.native_tools.currentText() == "auto"
    assert [dialog.native_tools.itemText(i) for i in range(dialog.native_tools.count())] == ["auto", "on", "off"]
    dialog.native_tools.setCurrentText("off")
    assert "text" in dialog.native_tools.toolTip()  # the tooltip follows the choice
    dialog.save()
    saved = load_settings().endpoints["lab"]
    # the fields the dialog does not show keep their values
    assert saved.native_tools == "off" and saved.timeout_s == 240 and saved.context_tokens == 4096
    again = SettingsDialog(load_settings())
    qtbot.addWidget(again)
    assert again.native_tools.currentText() == "off"
    again.chooser.setCurrentText("New endpoint…")
    assert again.native_tools.currentText() == "auto"
