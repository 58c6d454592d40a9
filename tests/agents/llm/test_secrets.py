"""Keys never reach live output, error details or settings-derived messages (issue 16, items 1-3)."""

import json

import pytest

from agents.events import ErrorEvent, MessageCompleted, event_to_json
from agents.llm.base import (
    ChatMessage,
    CompletionRequest,
    GenerationParams,
    ProviderError,
)
from agents.llm.openai_compat import OpenAICompatProvider
from agents.llm.refs import parse_model_ref
from agents.llm.streaming import SecretRedactor
from agents.settings import SettingsError, load_settings
from tests.helpers.fault_server import FaultServer

KEY = "sk-live-0123456789abcdef"


@pytest.fixture
async def server():
    srv = await FaultServer().start()
    yield srv
    await srv.stop()


async def events_from(server, model: str) -> list:
    ref = parse_model_ref(f"openai-compatible:{server.base_url}#{model}?retries=0&timeout=5")
    provider = OpenAICompatProvider(ref)
    request = CompletionRequest(
        messages=(ChatMessage(role="user", content="hi"),), params=GenerationParams(max_tokens=50)
    )
    try:
        return [e async for e in provider.stream(request)]
    finally:
        await provider.aclose()


async def test_a_key_the_server_echoes_is_redacted_whatever_the_split(server, monkeypatch):
    """Repro: a server streaming back "you sent Bearer sk-…" in two chunks cut inside the key;
    the TokenDeltas (what `ask`, `run`, `--json` and the window print) held the whole key."""
    monkeypatch.setenv("AGORA_LAB_API_KEY", KEY)
    for split in range(len(KEY) + 1):
        events = await events_from(server, f"echo_key@{split}")
        assert server.headers[-1]["authorization"] == f"Bearer {KEY}"  # the server did get it
        live = "".join(e.text for e in events if e.type == "token_delta")
        done = events[-1]
        assert isinstance(done, MessageCompleted) and done.finish_reason == "stop"
        assert live == done.text == "you sent Bearer [redacted] to me", split
        assert all(KEY not in event_to_json(e) for e in events)


async def test_an_auth_error_quoting_the_key_is_redacted(server, monkeypatch):
    """Repro: HTTP 401 whose body says "Incorrect API key provided: sk-…"; the error detail
    printed by the CLI carried the body, key included."""
    monkeypatch.setenv("AGORA_LAB_API_KEY", KEY)
    events = await events_from(server, "auth_echo")
    error = next(e for e in events if isinstance(e, ErrorEvent))
    assert error.kind == "auth" and "Incorrect API key provided" in error.detail
    assert KEY not in error.detail and KEY not in error.message and "[redacted]" in error.detail


def test_the_stream_redactor_never_releases_a_prefix_of_a_key():
    text = f"a {KEY} b {KEY[:5]} c"
    for cut in range(len(text) + 1):
        redactor = SecretRedactor([KEY])
        first = redactor.feed(text[:cut])
        assert not any(first.endswith(KEY[:n]) for n in range(4, len(KEY) + 1)), cut
        assert first + redactor.feed(text[cut:]) + redactor.flush() == f"a [redacted] b {KEY[:5]} c"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/v1?api_key=SECRETVALUE1", "http://127.0.0.1:9/v1?x=1&access-token=SECRETVALUE1"]
)
def test_a_key_in_the_base_url_query_is_refused_without_echo(url):
    """Repro: `openai-compatible:http://h/v1?api_key=…#m` was accepted and its URL (key
    included) went into every session file and error message."""
    with pytest.raises(ProviderError) as info:
        parse_model_ref(f"openai-compatible:{url}#m")
    assert info.value.kind == "invalid_reference" and "query string" in info.value.message
    assert "SECRETVALUE1" not in info.value.message


def test_settings_refuse_a_query_key_in_an_endpoint_naming_the_field(tmp_path):
    """Repro: settings.json with endpoints.lab.base_url "…/v1?api_key=…" loaded fine."""
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"endpoints": {"lab": {"base_url": "http://h/v1?api_key=SECRETVALUE1", "model": "m"}}}))
    with pytest.raises(SettingsError) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message and "endpoints.lab.base_url" in message and "SECRETVALUE1" not in message


@pytest.mark.parametrize(
    "model", ["openai-compatible:http://user:SECRETVALUE1@h/v1#m", "oai:https://h/v1?key=SECRETVALUE1#m"]
)
def test_settings_refuse_credentials_in_default_model_when_loading(tmp_path, model):
    """Repro: default_model "openai-compatible:http://user:KEY@h/v1#m" loaded; it was refused
    only when used, and that refusal repeated the key."""
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"default_model": model}))
    with pytest.raises(SettingsError) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message and "default_model" in message and "SECRETVALUE1" not in message


def test_a_refused_reference_never_repeats_the_credential():
    with pytest.raises(ProviderError) as info:
        parse_model_ref("openai-compatible:http://user:SECRETVALUE1@h/v1#m")
    assert "credentials in the URL" in info.value.message and "SECRETVALUE1" not in info.value.message


async def _cli(*args: str, env: dict) -> tuple[int, str, str]:
    import asyncio
    import os
    import sys

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "agents.cli",
        *args,
        env=dict(os.environ, **env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("json_lines", [False, True])
async def test_ask_never_prints_an_echoed_key(server, tmp_path, json_lines):
    """Repro: `agora-lab ask --model openai-compatible:…#echo hi` (and `--json`, often piped to
    a file) printed the key the server streamed back."""
    env = {"AGORA_LAB_API_KEY": KEY, "AGORA_LAB_DATA_DIR": str(tmp_path)}
    ref = f"openai-compatible:{server.base_url}#echo_key@9?retries=0&timeout=20"
    code, out, err = await _cli("ask", "--model", ref, *(["--json"] if json_lines else []), "hi", env=env)
    assert code == 0, err
    assert "[redacted]" in out and KEY not in out + err and KEY[:12] not in out + err


async def test_ask_never_prints_a_key_quoted_in_an_auth_error(server, tmp_path):
    env = {"AGORA_LAB_API_KEY": KEY, "AGORA_LAB_DATA_DIR": str(tmp_path)}
    code, out, err = await _cli("ask", "--json", "--model", f"oai:{server.base_url}#auth_echo?retries=0", "hi", env=env)
    assert code != 0 and "auth" in out + err
    assert KEY not in out + err
