"""The one method runner: worker thread, records in order, errors as records, the cache."""

import threading

from agents.interp.findings import MethodError, MethodFinished, MethodProgress, MethodStarted
from agents.interp.jobs import ResultCache, check_cancel, collect, method_stream
from agents.llm.base import CancelToken


def work_emitting(n, seen_threads):
    def work(emit, cancel):
        seen_threads.append(threading.current_thread().name)
        for i in range(n):
            check_cancel(cancel)
            emit(MethodProgress(i / n))

    return work


async def test_records_arrive_in_order_from_the_models_worker_and_are_cached(tiny):
    threads, cache = [], ResultCache()
    first = await collect(method_stream(tiny, "demo", {"a": 1}, ("k",), work_emitting(3, threads), cache=cache))
    assert isinstance(first[0], MethodStarted) and first[0].settings == {"a": 1} and not first[0].cached
    assert [r.fraction for r in first[1:-1]] == [0.0, 1 / 3, 2 / 3]
    assert isinstance(first[-1], MethodFinished)
    assert threads == ["agora-torch"]  # the model's own thread, never the loop's
    again = await collect(method_stream(tiny, "demo", {"a": 1}, ("k",), work_emitting(3, threads), cache=cache))
    assert again[0].cached and again[-1].cached and threads == ["agora-torch"]  # not recomputed
    assert again[1] is first[1]


async def test_a_cancel_ends_with_one_error_record_and_is_not_cached(tiny):
    threads, cache, cancel = [], ResultCache(), CancelToken()
    cancel.cancel()
    records = await collect(method_stream(tiny, "demo", {}, ("k",), work_emitting(3, threads), cancel, cache))
    assert isinstance(records[-1], MethodError) and records[-1].cancelled
    rerun = await collect(method_stream(tiny, "demo", {}, ("k",), work_emitting(3, threads), cache=cache))
    assert not rerun[0].cached and isinstance(rerun[-1], MethodFinished)


async def test_bad_input_and_bugs_become_messages(tiny):
    def bad(emit, cancel):
        raise ValueError("layer 9 is out of range")

    def bug(emit, cancel):
        raise KeyError("oops")

    one = await collect(method_stream(tiny, "demo", {}, None, bad))
    two = await collect(method_stream(tiny, "demo", {}, None, bug))
    assert one[-1] == MethodError(method="demo", message="layer 9 is out of range")
    assert two[-1].message.startswith("demo failed: KeyError") and not two[-1].cancelled
