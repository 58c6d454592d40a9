"""The local provider on a tiny random model built in the test (same code path as Gemma)."""

import asyncio
import dataclasses
import threading

import pytest

from agents.events import ContextTrimmed, ErrorEvent, MessageCompleted, MessageStarted, TokenDelta
from agents.llm.base import CancelToken, ChatMessage, CompletionRequest, GenerationParams
from tests.helpers.fake_engine import FakeEngine


def request(text="Hello there", **params):
    defaults = dict(max_tokens=12, temperature=0.0)
    defaults.update(params)
    return CompletionRequest(
        messages=(ChatMessage(role="user", content=text),), params=GenerationParams(**defaults), speaker="Alice"
    )


async def collect(provider, req, cancel=None):
    return [e async for e in provider.stream(req, cancel)]


async def test_stream_is_started_deltas_completed(provider):
    events = await collect(provider, request())
    assert isinstance(events[0], MessageStarted) and events[0].agent == "Alice"
    done = events[-1]
    assert isinstance(done, MessageCompleted)
    deltas = [e for e in events if isinstance(e, TokenDelta)]
    assert "".join(d.text for d in deltas) == done.text
    assert done.usage.prompt_tokens > 0
    assert 0 < len(done.token_ids) <= 12
    assert done.usage.completion_tokens == len(done.token_ids)
    assert done.finish_reason in ("stop", "length")


async def test_same_seed_same_text_and_different_seeds_differ(provider):
    async def sample(seed):
        events = await collect(provider, request(temperature=1.0, max_tokens=16, seed=seed))
        return events[-1].token_ids

    first, again = await sample(7), await sample(7)
    assert first == again
    others = {await sample(s) for s in range(8, 12)}
    assert len(others | {first}) > 1


async def test_exact_token_ids_decode_to_the_message_text(provider):
    done = (await collect(provider, request(max_tokens=20)))[-1]
    decoded = provider.loaded.tokenizer.decode(list(done.token_ids), skip_special_tokens=True)
    assert decoded.strip().startswith(done.text[:10])


def hold_first_decode_step(provider, released: threading.Event):
    """A forward hook that parks the worker at its second forward pass (the first decode step)
    until the test releases it, so a test never races the worker."""
    calls = []

    def hook(*_args):
        calls.append(1)
        if len(calls) == 2:
            assert released.wait(timeout=120), "the test never released the worker"

    return provider.loaded.model.base_model.layers[0].register_forward_hook(hook)


async def test_cancel_stops_the_worker_and_closes_the_message(provider):
    cancel, released = CancelToken(), threading.Event()
    hook = hold_first_decode_step(provider, released)
    events = []
    try:
        async for event in provider.stream(request(max_tokens=200, temperature=1.0, seed=1), cancel):
            events.append(event)
            if isinstance(event, MessageStarted):
                cancel.cancel()
                released.set()
    finally:
        released.set()
        hook.remove()
    done = events[-1]
    assert isinstance(done, MessageCompleted) and done.finish_reason == "cancelled"
    assert len(done.token_ids or ()) < 200
    # the worker thread is free again: the next request runs normally
    assert (await collect(provider, request()))[-1].finish_reason in ("stop", "length")


async def test_task_cancellation_waits_for_the_worker(provider):
    got_one = asyncio.Event()

    async def consume():
        async for _ in provider.stream(request(max_tokens=200, temperature=1.0, seed=2)):
            got_one.set()
            await asyncio.Event().wait()  # parked mid-stream until the test cancels it

    task = asyncio.create_task(consume())
    await got_one.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await collect(provider, request()))[-1].finish_reason in ("stop", "length")


async def test_generation_does_not_block_the_event_loop(provider):
    """The worker waits, inside a forward pass, for the loop to run a coroutine: if generation
    blocked the loop this would never happen (the hook's wait would time out)."""
    in_forward, loop_ran = threading.Event(), threading.Event()

    def hook(*_args):
        in_forward.set()
        assert loop_ran.wait(timeout=120), "the event loop did not run while the model computed"

    async def loop_side():
        while not in_forward.is_set():
            await asyncio.sleep(0.001)
        loop_ran.set()

    handle = provider.loaded.model.base_model.layers[0].register_forward_hook(hook)
    try:
        side = asyncio.create_task(loop_side())
        events = await collect(provider, request(max_tokens=5, temperature=1.0, seed=3))
        await side
    finally:
        loop_ran.set()
        handle.remove()
    assert isinstance(events[-1], MessageCompleted) and events[-1].finish_reason != "error"


async def test_long_conversation_is_trimmed_with_a_marker_not_a_crash(provider):
    history = tuple(
        ChatMessage(
            role="user" if i % 2 else "assistant", content=f"message number {i} " * 8, name=None if i % 2 else "Alice"
        )
        for i in range(40)
    )
    req = CompletionRequest(messages=history, params=GenerationParams(max_tokens=8, temperature=0.0), speaker="Alice")
    events = await collect(provider, req)
    trimmed = [e for e in events if isinstance(e, ContextTrimmed)]
    assert trimmed and trimmed[0].dropped_messages > 0
    assert trimmed[0].prompt_tokens <= 256
    assert isinstance(events[-1], MessageCompleted) and events[-1].finish_reason != "error"


@pytest.mark.parametrize("text", ["", " ", "a" * 20_000, "odd \ud800 surrogate ✓ 🤖 \u0000 日本語 \u202e"])
async def test_empty_huge_and_odd_prompts_are_handled(provider, text):
    events = await collect(provider, request(text, max_tokens=4))
    assert not any(isinstance(e, ErrorEvent) for e in events)
    assert isinstance(events[-1], MessageCompleted)


async def test_stop_sequences_cut_the_text(provider):
    first = (await collect(provider, request(max_tokens=30, temperature=0.0)))[-1].text
    if len(first) < 4:
        pytest.skip("the random model produced too little text to place a stop in")
    stop = first[2:4]
    run_token = CancelToken()
    done = (await collect(provider, request(max_tokens=30, temperature=0.0, stop=(stop,)), run_token))[-1]
    assert stop not in done.text and done.finish_reason == "stop"
    assert not run_token.cancelled  # ending one message never stops the caller's whole run
    assert first.startswith(done.text)


async def test_scores_match_a_direct_reference_computation(provider):
    import torch

    messages = (ChatMessage(role="user", content="The quick brown"),)
    candidates = [" fox jumps", " dog", " Paris is the capital"]
    scored = await provider.score(messages, candidates, speaker="Alice")
    tok, model = provider.loaded.tokenizer, provider.loaded.model
    prompt_ids = provider.encode(provider.render(messages, "Alice"))
    for cand, result in zip(candidates, scored):
        ids = tok(cand, add_special_tokens=False)["input_ids"]
        full = torch.tensor([prompt_ids + ids])
        with torch.no_grad():
            logp = torch.log_softmax(model(full).logits[0].float(), dim=-1)
        expected = sum(float(logp[len(prompt_ids) - 1 + j, t]) for j, t in enumerate(ids))
        assert result.n_tokens == len(ids)
        assert result.logprob == pytest.approx(expected, abs=1e-3)
        assert result.logprob < 0


async def test_concurrent_requests_share_forward_passes(provider):
    model = provider.loaded.model.base_model
    calls = []
    handle = model.register_forward_hook(lambda module, args, kwargs_or_out: calls.append(1))
    try:

        async def one(seed, tokens):
            req = request(f"prompt number {seed} " * (seed + 1), max_tokens=tokens, temperature=1.0, seed=seed)
            return await collect(provider, req)

        calls.clear()
        solo = await one(1, 20)
        solo_passes = len(calls)
        calls.clear()
        together = await asyncio.gather(one(1, 20), one(2, 20), one(3, 20))
        batched_passes = len(calls)
    finally:
        handle.remove()
    done = [events[-1] for events in together]
    assert all(isinstance(d, MessageCompleted) and d.finish_reason != "error" for d in done)
    # three requests took about as many passes as one, not three times as many
    assert batched_passes <= solo_passes + 3 < 3 * solo_passes
    # and batching does not change what a seeded request produces
    assert done[0].token_ids == solo[-1].token_ids


async def test_closing_a_stream_early_stops_the_worker(provider):
    model = provider.loaded.model.base_model
    calls = []
    handle = model.register_forward_hook(lambda *args: calls.append(1))
    try:
        stream = provider.stream(request(max_tokens=200, temperature=1.0, seed=4))
        async for event in stream:
            if isinstance(event, TokenDelta):
                break
        await stream.aclose()
        await collect(provider, request(max_tokens=2))  # queued behind the closed one
    finally:
        handle.remove()
    assert len(calls) < 60  # nowhere near the 200 tokens the closed request asked for


async def test_a_failing_chat_template_is_an_error_event(provider, monkeypatch):
    monkeypatch.setattr(
        type(provider), "render", lambda self, messages, speaker: (_ for _ in ()).throw(ValueError("bad template"))
    )
    events = await collect(provider, request())
    assert [e.type for e in events][-2:] == ["error", "message_completed"]
    assert events[-1].finish_reason == "error"


async def test_cancel_takes_effect_between_layers_not_only_between_tokens(provider):
    cancel = CancelToken()
    layers = provider.loaded.model.base_model.layers
    reached = []
    first = layers[0].register_forward_hook(lambda *args: (reached.append(0), cancel.cancel()))
    second = layers[1].register_forward_hook(lambda *args: reached.append(1))
    try:
        events = await collect(provider, request(max_tokens=50), cancel)
    finally:
        first.remove()
        second.remove()
    assert reached == [0]  # layer 1 never ran: the very first pass stopped between layers
    assert events[-1].finish_reason == "cancelled" and not events[-1].token_ids


async def test_recent_prompts_are_the_loaded_models_and_bounded(provider):
    from agents.llm.local_model import RecentPrompts

    done = (await collect(provider, request()))[-1]
    text, ids = provider.loaded.recent_prompts.get(done.message_id)
    assert text.endswith("Alice:") and len(ids) == done.usage.prompt_tokens
    recent = RecentPrompts(limit=3)
    for n in range(5):
        recent.remember(f"m{n}", f"t{n}", [n])
    assert len(recent) == 3 and recent.get("m0") is None and recent.get("m4") == ("t4", (4,))


def _fake_cache(tmp_path, monkeypatch):
    """A converted cache of placeholder files whose weights' header is readable."""
    import json

    from agents.llm import local_cache

    monkeypatch.setattr(local_cache, "cache_dir", lambda: tmp_path)
    folder = local_cache.converted_dir("abc")
    folder.mkdir(parents=True)
    header = b'{"__metadata__": {}}'
    contents = {"config.json": b"{}", "model.safetensors": len(header).to_bytes(8, "little") + header}
    contents["tokenizer.json"] = b"{}"
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    files = {name: len(data) for name, data in contents.items()}
    manifest = {"format": local_cache.CACHE_FORMAT, "files": files}
    (folder / local_cache.MANIFEST).write_text(json.dumps(manifest))
    return folder, files, manifest


def test_a_cache_with_an_unreadable_weights_header_is_not_used(tmp_path, monkeypatch):
    from agents.llm import local_cache

    folder, _, _ = _fake_cache(tmp_path, monkeypatch)
    assert local_cache.cached_checkpoint("abc") == folder
    with (folder / "model.safetensors").open("r+b") as handle:
        handle.write(b"\xff" * 8)  # same size, a header length no file has
    assert local_cache.cached_checkpoint("abc") is None


def test_a_cache_without_its_tokenizer_is_incomplete(tmp_path, monkeypatch):
    import json

    from agents.llm import local_cache

    folder, files, manifest = _fake_cache(tmp_path, monkeypatch)
    assert local_cache.cached_checkpoint("abc") == folder
    del files["tokenizer.json"]  # what the conversion wrote before: save_pretrained had cleared it
    (folder / local_cache.MANIFEST).write_text(json.dumps(manifest))
    assert local_cache.cached_checkpoint("abc") is None
    assert local_cache.lacks_tokenizer("abc")  # only the tokenizer is added, not a new conversion


async def test_an_engine_generates_rows_that_leave_the_batch_when_done(provider):
    from agents.llm.local_generate import GenerationSpec, generate_batch

    eos = provider.loaded.tokenizer.eos_token_id
    engine = FakeEngine(eos, {0: 2, 1: 5})
    engine.prompt_len = 3
    loaded = dataclasses.replace(provider.loaded, engine=engine)
    emitted = {0: [], 1: []}
    jobs = [
        (
            type("Job", (), {"spec": GenerationSpec([5, 6, 7], 10, 0.0, 1.0, None, ()), "cancel": CancelToken()})(),
            emitted[i].append,
        )
        for i in range(2)
    ]
    reasons = generate_batch(loaded, jobs)
    assert reasons == ["stop", "stop"]
    assert [t for t, _ in emitted[0]] == [500, 501] and [t for t, _ in emitted[1]] == [500, 501, 502, 503, 504]
    assert engine.steps[0] == [0, 1] and engine.steps[-1] == [1]  # the finished row left the batch


def test_common_prefix():
    from agents.llm.local_llama import common_prefix

    assert common_prefix([1, 2, 3], [1, 2, 4, 5]) == 2
    assert common_prefix([], [1]) == 0 and common_prefix([1, 2], [1, 2]) == 2


TOKENIZER_TEXTS = [
    "Alice: I think the answer is forty-two.",
    "  two  spaces\n\nand newlines\tand tabs",
    "Ünïcödé ✓ 🤖 日本語 <eos> <pad> text",
    "",
]


def _as_converted_cache(tiny_model_dir, folder):
    """A copy of the tiny model laid out as our converted-model cache (a manifest beside it)."""
    import json
    import shutil

    from agents.llm import local_cache

    shutil.copytree(tiny_model_dir, folder)
    files = {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file()}
    (folder / local_cache.MANIFEST).write_text(json.dumps({"format": local_cache.CACHE_FORMAT, "files": files}))
    return folder


def test_a_converted_caches_tokenizer_loads_directly_and_matches_transformers(tiny_model_dir, tmp_path):
    from transformers import AutoTokenizer, TokenizersBackend

    from agents.llm.local_cache import load_tokenizer

    folder = _as_converted_cache(tiny_model_dir, tmp_path / "converted")
    fast, reference = load_tokenizer(folder), AutoTokenizer.from_pretrained(str(folder))
    assert type(fast) is TokenizersBackend  # built from tokenizer.json, not through from_pretrained
    for text in TOKENIZER_TEXTS:
        for special in (True, False):
            assert (
                fast(text, add_special_tokens=special)["input_ids"]
                == reference(text, add_special_tokens=special)["input_ids"]
            )
        got = fast(text, return_offsets_mapping=True)["offset_mapping"]
        assert got == reference(text, return_offsets_mapping=True)["offset_mapping"]
        ids = reference(text)["input_ids"] + [reference.eos_token_id, reference.pad_token_id]
        for skip in (True, False):
            assert fast.decode(ids, skip_special_tokens=skip) == reference.decode(ids, skip_special_tokens=skip)
    for name in ("eos_token_id", "bos_token_id", "pad_token_id", "unk_token_id", "all_special_ids", "padding_side"):
        assert getattr(fast, name) == getattr(reference, name), name
    assert fast.get_vocab() == reference.get_vocab()


def test_other_folders_keep_transformers_loading(tiny_model_dir, tmp_path, monkeypatch):
    import shutil

    import transformers

    from agents.llm.local_cache import load_tokenizer

    through_transformers = []
    original = transformers.AutoTokenizer.from_pretrained
    monkeypatch.setattr(
        transformers.AutoTokenizer,
        "from_pretrained",
        lambda path, *a, **k: through_transformers.append(path) or original(path, *a, **k),
    )
    converted = _as_converted_cache(tiny_model_dir, tmp_path / "converted")
    legacy = _as_converted_cache(tiny_model_dir, tmp_path / "legacy")
    (legacy / "special_tokens_map.json").write_text("{}")  # a file only from_pretrained reads
    plain = shutil.copytree(tiny_model_dir, tmp_path / "plain")  # a Hugging Face folder, not our cache
    for folder in (converted, legacy, plain):
        load_tokenizer(folder)
    assert through_transformers == [str(legacy), str(plain)]


def test_end_of_turn_ids_are_looked_up_without_the_vocabulary(provider, monkeypatch):
    import copy

    from agents.llm.local_generate import eos_ids

    loaded = provider.loaded
    tokenizer = copy.deepcopy(loaded.tokenizer)  # the loaded model is shared by the other tests
    monkeypatch.setattr(type(tokenizer), "get_vocab", lambda self: pytest.fail("get_vocab builds the whole vocabulary"))
    loaded = dataclasses.replace(loaded, tokenizer=tokenizer)
    assert eos_ids(loaded) == {tokenizer.eos_token_id}  # the tiny vocabulary has no <end_of_turn>
    tokenizer.add_special_tokens({"additional_special_tokens": ["<end_of_turn>"]})
    assert eos_ids(loaded) == {
        tokenizer.eos_token_id,
        tokenizer.convert_tokens_to_ids("<end_of_turn>"),
    }
