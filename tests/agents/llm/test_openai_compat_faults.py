"""The OpenAI-compatible provider against a real, misbehaving HTTP server on 127.0.0.1."""

import asyncio
import socket
import time

import pytest

from agents.events import ErrorEvent, MessageCompleted, Notice, TokenDelta
from agents.llm.base import (
    CancelToken,
    ChatMessage,
    CompletionRequest,
    GenerationParams,
)
from agents.llm.openai_compat import OpenAICompatProvider
from agents.llm.refs import parse_model_ref
from tests.helpers.fault_server import FaultServer


@pytest.fixture
async def server():
    srv = await FaultServer().start()
    yield srv
    await srv.stop()


def provider_for(base_url: str, model: str, **options) -> OpenAICompatProvider:
    query = "&".join(f"{k}={v}" for k, v in {"timeout": 2, "retries": 2, **options}.items())
    return OpenAICompatProvider(parse_model_ref(f"openai-compatible:{base_url}#{model}?{query}"))


def request(**params):
    return CompletionRequest(
        messages=(ChatMessage(role="user", content="hi"),),
        params=GenerationParams(max_tokens=5, **params),
        speaker="Bot",
    )


async def run(provider, req=None, cancel=None):
    try:
        return [e async for e in provider.stream(req or request(), cancel)]
    finally:
        await provider.aclose()


def error_of(events):
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert len(errors) == 1, events
    done = events[-1]
    assert isinstance(done, MessageCompleted) and done.finish_reason == "error"
    return errors[0], done


@pytest.mark.parametrize("api", ["chat", "completions"])
async def test_a_good_stream_gives_text_and_server_usage(server, api):
    events = await run(provider_for(server.base_url, "ok", api=api))
    done = events[-1]
    assert done.text == "Hello world" and done.finish_reason == "stop"
    assert (done.usage.prompt_tokens, done.usage.completion_tokens, done.usage.estimated) == (7, 2, False)
    assert "".join(e.text for e in events if isinstance(e, TokenDelta)) == "Hello world"


async def test_completions_api_sends_a_transcript_with_speaker_stops(server):
    await run(provider_for(server.base_url, "ok", api="completions"))
    body = server.bodies[-1]
    assert body["prompt"].endswith("User: hi\n\nBot:")
    assert "\nUser:" in body["stop"]


@pytest.mark.parametrize("api", ["chat", "completions"])
async def test_transcript_stops_reach_only_a_transcript_prompt(server, api):
    # A base model (completions) writes on into turns nobody took; a chat model ends its own turn.
    await run(provider_for(server.base_url, "ok", api=api), request(stop=("END",), transcript_stop=("\n\n",)))
    stops = server.bodies[-1]["stop"]
    assert "END" in stops and ("\n\n" in stops) == (api == "completions")


async def test_wrong_key_is_an_auth_error_without_retries(server, monkeypatch):
    monkeypatch.setenv("AGORA_LAB_API_KEY", "sk-wrong")
    error, _ = error_of(await run(provider_for(server.base_url, "auth")))
    assert error.kind == "auth" and not error.retryable
    assert server.requests["auth"] == 1
    assert server.headers[-1]["authorization"] == "Bearer sk-wrong"


async def test_rate_limit_is_retried_after_the_servers_delay(server):
    events = await run(provider_for(server.base_url, "rate_limit_once"))
    assert any(isinstance(e, Notice) and "retrying" in e.text for e in events)
    assert events[-1].text == "Hello world"
    assert server.requests["rate_limit_once"] == 2


async def test_server_error_is_retried_then_reported(server):
    error, _ = error_of(await run(provider_for(server.base_url, "server_error", retries=1)))
    assert error.kind == "server_error"
    assert server.requests["server_error"] == 2


async def test_disconnect_mid_stream_keeps_the_partial_text(server):
    error, done = error_of(await run(provider_for(server.base_url, "disconnect")))
    assert error.kind == "disconnected"
    assert done.text == "Hello"
    assert server.requests["disconnect"] == 1  # never retried once text was shown


@pytest.mark.parametrize("model", ["malformed", "no_choices"])
async def test_malformed_chunks_are_a_typed_error(server, model):
    error, done = error_of(await run(provider_for(server.base_url, model)))
    assert error.kind == "malformed_response"
    assert done.text == "Hello"


async def test_context_overflow_is_recognised(server):
    error, _ = error_of(await run(provider_for(server.base_url, "context")))
    assert error.kind == "context_overflow"


async def test_a_silent_server_times_out_within_the_configured_time(server):
    started = time.monotonic()
    error, _ = error_of(await run(provider_for(server.base_url, "hang", timeout=0.5, retries=0)))
    assert error.kind == "timeout"
    assert time.monotonic() - started < 30  # bounded by the timeout, not hanging forever


async def test_unreachable_server_is_a_clear_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    error, _ = error_of(await run(provider_for(f"http://127.0.0.1:{port}/v1", "m", retries=0)))
    assert error.kind == "unreachable"
    assert f"127.0.0.1:{port}" in error.message


async def test_cancel_closes_the_message_as_cancelled(server):
    cancel = CancelToken()
    cancel.cancel()
    events = await run(provider_for(server.base_url, "ok"), cancel=cancel)
    assert events[-1].finish_reason == "cancelled"


async def test_context_window_option_trims_old_turns(server):
    history = tuple(ChatMessage(role="user", content="x" * 400) for _ in range(10))
    req = CompletionRequest(messages=history, params=GenerationParams(max_tokens=5))
    events = await run(provider_for(server.base_url, "ok", ctx=300), req)
    assert any(e.type == "context_trimmed" for e in events)
    assert len(server.bodies[-1]["messages"]) < 10


@pytest.mark.parametrize("model", ["hang", "server_error"])
async def test_stop_does_not_wait_for_a_silent_server_or_a_backoff(server, model):
    """Cancelling while the request hangs (timeout 60 s) or while waiting to retry ends the message at once."""
    cancel = CancelToken()
    provider = provider_for(server.base_url, model, timeout=60, retries=3)

    async def stop_soon():
        await asyncio.sleep(0.3)
        cancel.cancel()

    stopper = asyncio.ensure_future(stop_soon())
    events = await asyncio.wait_for(run(provider, cancel=cancel), 10)  # far below the 60 s timeout
    await stopper
    assert events[-1].finish_reason == "cancelled"
    assert not any(isinstance(e, ErrorEvent) for e in events)


async def test_keep_alive_pings_without_data_end_in_a_first_token_timeout(server):
    """Repro: a server sending only ": ping" comments (never data) reset the read timeout
    forever, so `ask`/`run` waited until killed and the session stayed `interrupted`."""
    error, done = error_of(await run(provider_for(server.base_url, "keepalive", timeout=5, first_token=0.2, retries=2)))
    assert error.kind == "timeout" and "first-token deadline" in error.message
    assert not error.retryable and server.requests["keepalive"] == 1
    assert done.text == ""


async def test_a_reply_that_never_ends_hits_the_total_deadline(server):
    """Repro: a server trickling a word at a time, never finishing, was bounded by nothing."""
    error, done = error_of(await run(provider_for(server.base_url, "trickle", timeout=5, first_token=5, total=0.3)))
    assert error.kind == "timeout" and "total deadline" in error.message
    assert done.text.startswith("more")  # what came before the deadline is kept


def test_deadlines_are_options_of_references_and_settings():
    from agents.llm.endpoints import DEFAULT_FIRST_TOKEN_S, DEFAULT_TOTAL_S
    from agents.settings import Settings

    endpoint = parse_model_ref("oai:http://127.0.0.1:9/v1#m?first_token=7&total=30").endpoint
    assert (endpoint.first_token_timeout_s, endpoint.total_timeout_s) == (7.0, 30.0)
    saved = Settings.model_validate(
        {"endpoints": {"lab": {"base_url": "http://127.0.0.1:9/v1", "model": "m", "total_timeout_s": 90}}}
    )
    assert saved.endpoints["lab"].total_timeout_s == 90.0
    assert (
        saved.endpoints["lab"].first_token_timeout_s == DEFAULT_FIRST_TOKEN_S
        and DEFAULT_TOTAL_S > DEFAULT_FIRST_TOKEN_S
    )


async def test_scoring_is_bounded_by_the_total_deadline(server):
    """Repro: score() against a server dribbling its body waited for as long as it dribbled."""
    from agents.llm.base import ProviderError

    provider = provider_for(server.base_url, "trickle", api="completions", total=0.3, timeout=5)
    try:
        with pytest.raises(ProviderError) as info:
            await provider.score([ChatMessage(role="user", content="hi")], ["yes"])
    finally:
        await provider.aclose()
    assert info.value.kind == "timeout" and "total deadline" in info.value.message
