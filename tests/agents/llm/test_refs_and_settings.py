import json

import pytest

from agents.llm.base import ProviderError
from agents.llm.credentials import NO_KEY, api_key_for
from agents.llm.refs import LocalRef, OpenAIRef, parse_model_ref
from agents.settings import Settings, SettingsError, load_settings, save_settings


def test_local_and_local_paths(tmp_path):
    assert parse_model_ref("local") == LocalRef()
    model_dir = tmp_path / "m"
    model_dir.mkdir()
    (model_dir / "config.json").write_text("{}")
    assert parse_model_ref(f"local:{model_dir}").path == str(model_dir.resolve())
    gguf = tmp_path / "x.gguf"
    gguf.write_bytes(b"GGUF")
    assert parse_model_ref(f"local:{gguf}").path == str(gguf.resolve())


def test_openai_compatible_with_options():
    ref = parse_model_ref(
        "openai-compatible:http://127.0.0.1:8080/v1#gemma?api=completions&ctx=2048&timeout=3&retries=0"
    )
    assert isinstance(ref, OpenAIRef)
    e = ref.endpoint
    assert (e.base_url, e.model, e.api, e.context_tokens, e.timeout_s, e.max_retries) == (
        "http://127.0.0.1:8080/v1",
        "gemma",
        "completions",
        2048,
        3.0,
        0,
    )
    assert parse_model_ref("oai:https://api.example.com/v1#gpt").endpoint.api == "chat"


@pytest.mark.parametrize(
    "ref, fragment",
    [
        ("gpt-4", "no known prefix"),
        ("openai-compatible:http://h/v1", "model name is missing"),
        ("openai-compatible:ftp://h/v1#m", "not an http(s) URL"),
        ("openai-compatible:http://h/v1#m?colour=red", "unknown option"),
        ("openai-compatible:http://h/v1#m?api=telepathy", "api"),
        ("local:/does/not/exist", "does not exist"),
        ("endpoint:nowhere", "no endpoint named"),
        ("openai-compatible:http://user:sk-secret@h/v1#m", "credentials in the URL"),
        ("openai-compatible:http://[::1/v1#m", "not a valid URL"),
        ("local:" + "x" * 5000, "x"),
    ],
)
def test_bad_references_list_what_is_accepted(ref, fragment):
    with pytest.raises(ProviderError) as info:
        parse_model_ref(ref)
    assert info.value.kind == "invalid_reference"
    assert fragment in info.value.message
    assert "openai-compatible:http://HOST:PORT/v1#MODEL" in info.value.message


def test_settings_round_trip_and_named_endpoints(tmp_path):
    path = tmp_path / "settings.json"
    assert load_settings(path) == Settings()  # missing file: defaults
    settings = Settings.model_validate({"endpoints": {"lab": {"base_url": "http://127.0.0.1:9/v1", "model": "m"}}})
    save_settings(settings, path)
    assert load_settings(path) == settings
    ref = parse_model_ref("endpoint:lab", load_settings(path).endpoints)
    assert ref.name == "lab" and ref.endpoint.model == "m"


def test_malformed_settings_name_the_file_and_the_place(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"default_model": "local",\n "local": {"device": "tpu"}}')
    with pytest.raises(SettingsError) as info:
        load_settings(path)
    assert str(path) in str(info.value) and "local.device" in str(info.value)
    path.write_text('{"default_model": ')
    with pytest.raises(SettingsError, match="line 1"):
        load_settings(path)


def test_api_keys_are_refused_in_settings(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"endpoints": {"x": {"base_url": "http://h/v1", "model": "m", "api_key": "sk-secret"}}}))
    with pytest.raises(SettingsError, match="never stored"):
        load_settings(path)


def test_api_key_comes_from_the_endpoint_env_var_first(monkeypatch):
    ref = parse_model_ref("openai-compatible:http://127.0.0.1:8080/v1#m")
    monkeypatch.delenv("AGORA_LAB_API_KEY", raising=False)
    monkeypatch.setattr("agents.llm.credentials._keyring_get", lambda name: None)
    assert api_key_for(ref) == NO_KEY
    monkeypatch.setenv("AGORA_LAB_API_KEY", "generic")
    assert api_key_for(ref) == "generic"
    # a team file's inline URL to another host never receives the general key
    foreign = parse_model_ref("openai-compatible:https://elsewhere.example/v1#m")
    assert api_key_for(foreign) == NO_KEY
    monkeypatch.setenv("THEIR_KEY", "theirs")
    assert api_key_for(parse_model_ref("oai:https://elsewhere.example/v1#m?key_env=THEIR_KEY")) == "theirs"
    own = ref.model_copy(update={"endpoint": ref.endpoint.model_copy(update={"api_key_env": "MY_KEY"})})
    monkeypatch.setenv("MY_KEY", "specific")
    assert api_key_for(own) == "specific"
    # and the key never appears in the serialised endpoint
    assert "specific" not in own.model_dump_json()


def _imports_of(module_path: str) -> set[str]:
    import ast
    from pathlib import Path

    tree = ast.parse(Path(module_path).read_text())
    found = set()
    for node in ast.walk(tree):  # lazy imports inside functions count too
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_model_references_do_not_import_settings():
    """Repro: agents/llm/refs.py imported agents.settings inside _lookup_endpoint, and
    agents/settings.py imported EndpointConfig from refs: an import circle."""
    import agents

    root = agents.__path__[0]
    assert "agents.settings" not in _imports_of(f"{root}/llm/refs.py")
    assert "agents.settings" not in _imports_of(f"{root}/llm/endpoints.py")
    assert "agents.llm.refs" not in _imports_of(f"{root}/settings.py")


def test_parsing_is_pure_callers_pass_the_endpoints(monkeypatch):
    """Repro: parse_model_ref("endpoint:lab") with no settings read settings.json from disk."""

    def no_disk(*_args, **_kwargs):
        raise AssertionError("settings.json was read")

    monkeypatch.setattr("agents.settings.load_settings", no_disk)
    with pytest.raises(ProviderError, match="no endpoint named 'lab'"):
        parse_model_ref("endpoint:lab")
    from agents.llm.endpoints import EndpointConfig

    endpoints = {"lab": EndpointConfig(base_url="http://127.0.0.1:9/v1", model="m")}
    assert parse_model_ref("endpoint:lab", endpoints).saved


def test_validating_a_team_file_never_reads_settings(monkeypatch):
    """Repro: parse_team with an agent on "endpoint:lab" called load_settings() (a broken or
    absent settings.json decided whether someone else's team file validated)."""
    from agents.spec import parse_team

    monkeypatch.setattr("agents.settings.load_settings", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read")))
    spec = parse_team(
        {
            "name": "t",
            "agents": [{"name": "A", "model": "endpoint:lab"}, {"name": "B"}],
            "protocol": {"kind": "round_robin"},
        }
    )
    assert spec.agents[0].model == "endpoint:lab"
