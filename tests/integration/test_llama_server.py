"""The OpenAI-compatible provider against a real llama.cpp server with the embedded GGUF."""

import subprocess
import sys

import pytest

from agents.events import ErrorEvent, MessageCompleted, TokenDelta
from agents.llm.base import ChatMessage, CompletionRequest, GenerationParams
from agents.llm.openai_compat import OpenAICompatProvider
from agents.llm.refs import parse_model_ref
from tests.integration.conftest import LlamaServer

pytestmark = pytest.mark.integration


def provider(server, api="completions", **options):
    # A hang guard, not a speed test: a loaded machine may take minutes to score (seen: over 60 s).
    query = "&".join(f"{k}={v}" for k, v in {"api": api, "timeout": 900, **options}.items())
    return OpenAICompatProvider(parse_model_ref(f"openai-compatible:{server.base_url}#gemma?{query}"))


def ask(text="What is the capital of France?", **params):
    defaults = dict(max_tokens=24, temperature=0.0, seed=0)
    defaults.update(params)
    return CompletionRequest(
        messages=(ChatMessage(role="user", content=text),), params=GenerationParams(**defaults), speaker="Assistant"
    )


async def collect(p, req):
    try:
        return [e async for e in p.stream(req)]
    finally:
        await p.aclose()


async def test_completions_endpoint_answers_with_a_transcript_prompt(llama_server, server_key):
    events = await collect(provider(llama_server), ask())
    assert not any(isinstance(e, ErrorEvent) for e in events), events
    done = events[-1]
    assert isinstance(done, MessageCompleted) and done.finish_reason in ("stop", "length")
    assert "Paris" in done.text
    assert "".join(e.text for e in events if isinstance(e, TokenDelta)) == done.text
    assert done.usage.completion_tokens > 0


async def test_chat_endpoint_on_a_base_model_completes_cleanly(llama_server, server_key):
    events = await collect(provider(llama_server, api="chat"), ask())
    assert not any(isinstance(e, ErrorEvent) for e in events), events
    assert isinstance(events[-1], MessageCompleted) and events[-1].finish_reason in ("stop", "length")


async def test_a_wrong_key_is_an_auth_error(llama_server, monkeypatch):
    monkeypatch.setenv("AGORA_LAB_API_KEY", "not-the-key")
    events = await collect(provider(llama_server), ask())
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert [e.kind for e in errors] == ["auth"]


async def test_scores_agree_with_the_local_model_on_the_same_gguf(llama_server, server_key, embedded):
    messages = (ChatMessage(role="user", content="Complete: The capital of France is"),)
    candidates = [" Paris.", " Berlin.", " a banana."]
    remote = await provider(llama_server).score(messages, candidates)
    local = await embedded.score(messages, candidates)
    assert [r.text for r in remote] == candidates
    assert max(remote, key=lambda s: s.logprob).text == max(local, key=lambda s: s.logprob).text == " Paris."
    for r, mine in zip(remote, local):
        assert r.logprob == pytest.approx(mine.logprob, abs=1.0)


async def test_a_server_killed_mid_stream_is_a_disconnect_with_partial_text(gguf_path):
    kinds = []
    for seed in range(3):
        server = LlamaServer(gguf_path, api_key=None)
        try:
            p = provider(server, retries=0)
            req = ask(
                "Write a very long essay about the history of the sea.", max_tokens=1500, temperature=1.0, seed=seed
            )
            events = []
            async for event in p.stream(req):
                events.append(event)
                if isinstance(event, TokenDelta) and server.process.poll() is None:
                    server.process.kill()
            await p.aclose()
        finally:
            server.stop()
        done = events[-1]
        assert isinstance(done, MessageCompleted)
        kinds += [e.kind for e in events if isinstance(e, ErrorEvent)]
        if kinds:
            break
    assert kinds == ["disconnected"]
    assert done.finish_reason == "error" and done.text


def test_cli_ask_against_the_server(llama_server, server_key):
    ref = f"openai-compatible:{llama_server.base_url}#gemma?api=completions"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "agents.cli",
            "ask",
            "--model",
            ref,
            "--temperature",
            "0",
            "What is the capital of France?",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Paris" in result.stdout


def test_cli_reports_an_unreachable_server_with_exit_code_1():
    ref = "openai-compatible:http://127.0.0.1:9/v1#gemma?retries=0&timeout=5"
    result = subprocess.run(
        [sys.executable, "-m", "agents.cli", "ask", "--model", ref, "hi"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "error (unreachable)" in result.stderr
