"""A local model ready before its transformers copy: waiting for it, its failures, its warm-ups."""

import asyncio
import dataclasses
import gc
import subprocess
import sys
import threading
from concurrent.futures import Future

import pytest

from agents.llm import local_weights
from agents.llm.base import CancelToken, ProviderError
from agents.llm.local_generate import GenerationSpec, generate_batch
from agents.llm.local_model import load_local_model
from agents.llm.refs import LocalRef
from tests.helpers.fake_engine import FakeEngine


@pytest.fixture
def loaded(tiny_model_dir):
    return load_local_model(LocalRef(path=str(tiny_model_dir)), "cpu", "auto", 256, lambda e: None)


def pending(loaded):
    """The same model, as if its transformers copy were still loading."""
    return dataclasses.replace(loaded, model_future=Future())


def test_loading_waits_for_the_weights_unless_asked_not_to(tiny_model_dir, loaded):
    assert loaded.model_future.done() and loaded.model is loaded.model_future.result()
    events = []
    again = load_local_model(LocalRef(path=str(tiny_model_dir)), "cpu", "auto", 256, events.append, False)
    assert again is loaded and events[-1].stage == "ready"  # loaded once per process


def test_model_waits_until_the_weights_arrive(loaded):
    waiting = pending(loaded)
    got, asked = [], threading.Event()

    def reader():
        asked.set()
        got.append(waiting.model)

    thread = threading.Thread(target=reader)
    thread.start()
    asked.wait()
    assert not waiting.model_future.done()
    waiting.model_future.set_result(loaded.model)
    thread.join()
    assert got == [loaded.model]


async def test_waiting_on_the_loop_leaves_it_free(loaded):
    waiting = pending(loaded)
    # Set by the loop itself: had wait_model blocked the loop, this would never run.
    asyncio.get_running_loop().call_soon(waiting.model_future.set_result, loaded.model)
    assert await waiting.wait_model() is loaded.model


def test_a_failed_load_is_a_provider_error_for_every_waiter(loaded):
    def broken():
        raise OSError("the disk went away")

    future = local_weights.in_background(broken)
    failed = dataclasses.replace(loaded, model_future=future)
    for _ in range(2):
        with pytest.raises(ProviderError) as caught:
            _ = failed.model
        assert caught.value.kind == "internal" and "the disk went away" in caught.value.message


def test_a_provider_error_from_the_load_arrives_as_it_was():
    original = ProviderError("missing_package", "install it")

    def refused():
        raise original

    with pytest.raises(ProviderError) as caught:
        local_weights.in_background(refused).result()
    assert caught.value is original


def test_an_engine_generates_while_the_weights_still_load(loaded):
    eos = loaded.tokenizer.eos_token_id
    engine = FakeEngine(eos, {0: 3})
    engine.prompt_len = 3
    waiting = dataclasses.replace(pending(loaded), engine=engine)
    emitted = []
    job = type("Job", (), {"spec": GenerationSpec([5, 6, 7], 10, 0.0, 1.0, None, ()), "cancel": CancelToken()})()
    assert generate_batch(waiting, [(job, emitted.append)]) == ["stop"]
    assert [t for t, _ in emitted] == [500, 501, 502]
    assert not waiting.model_future.done()  # nothing waited for the transformers model


def test_warm_ups_run_with_the_model_and_their_failures_are_ignored(monkeypatch):
    monkeypatch.setattr(local_weights, "_WARM_UPS", [])
    seen, done = [], threading.Event()

    def failing(model):
        raise RuntimeError("no C compiler")

    def recording(model):
        seen.append((model, gc.isenabled()))
        done.set()

    local_weights.warm_up_with_weights(failing)
    local_weights.warm_up_with_weights(recording)
    local_weights.warm_up_with_weights(recording)  # registered once
    future = local_weights.in_background(lambda: "the model")
    assert done.wait(timeout=60)
    assert future.result() == "the model"
    assert seen == [("the model", False)]  # after the failing one, with the collector paused


def test_the_collector_is_paused_inside_nested_pauses_and_restored_after():
    assert gc.isenabled()
    with local_weights.collector_paused():
        assert not gc.isenabled()
        with local_weights.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled() and gc.get_freeze_count() > 0


def test_a_disabled_collector_stays_disabled():
    gc.disable()
    try:
        with local_weights.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_torch_works_after_its_library_is_preloaded():
    code = (
        "import sys; from agents.llm.local_weights import preload_libtorch; preload_libtorch();"
        "assert 'torch' not in sys.modules; import torch; print(float(torch.ones(3).sum()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3.0"
