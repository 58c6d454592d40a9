"""The one Qt edge: batches at ~30 Hz, token deltas coalesced per message, failures as signals."""

import asyncio
from types import SimpleNamespace

from agents.events import ErrorEvent, Finished, MessageCompleted, MessageStarted, RoundStarted, TokenDelta
from agents.llm.base import ProviderError
from desktop.runner import StreamRunner, route


def collect(runner):
    batches = []
    runner.batch.connect(batches.append)
    return batches


def watch(runner):
    """Every signal's emissions, in lists: batches, running, errors, finished."""
    seen = SimpleNamespace(batches=collect(runner), running=[], errors=[], finished=[])
    runner.runningChanged.connect(seen.running.append)
    runner.failed.connect(seen.errors.append)
    runner.finished.connect(seen.finished.append)
    return seen


def test_deltas_are_coalesced_until_the_flush(qtbot):
    runner = StreamRunner()
    batches = collect(runner)
    runner.push(MessageStarted(message_id="a", agent="A", model="m"))
    for piece in ["Hel", "lo", " world"]:
        runner.push(TokenDelta(message_id="a", text=piece))
    runner.push(TokenDelta(message_id="b", text="other"))
    assert batches == []  # nothing reaches widgets between flushes
    runner.flush()
    texts = [(e.message_id, e.text) for e in batches[0] if isinstance(e, TokenDelta)]
    assert sorted(texts) == [("a", "Hello world"), ("b", "other")]
    assert isinstance(batches[0][0], MessageStarted)  # order kept: the start comes before its text
    runner.push(RoundStarted(round=2))
    runner.flush()
    assert isinstance(batches[1][0], RoundStarted)


def test_completion_comes_after_its_pending_text(qtbot):
    runner = StreamRunner()
    order = []
    runner.batch.connect(
        lambda batch: route(
            batch,
            {
                TokenDelta: lambda e: order.append(("text", e.text)),
                MessageCompleted: lambda e: order.append(("done", e.text)),
            },
        )
    )
    runner.push(TokenDelta(message_id="a", text="Hi"))
    runner.push(MessageCompleted(message_id="a", agent="A", model="m", text="Hi", finish_reason="stop"))
    runner.flush()
    assert order == [("text", "Hi"), ("done", "Hi")]


def test_tokens_in_flight_are_counted_live_until_their_message_completes(qtbot):
    runner = StreamRunner()
    counts = []
    runner.tokensInFlight.connect(counts.append)
    runner.push(TokenDelta(message_id="a", text="one"))
    runner.push(TokenDelta(message_id="a", text=" two three", token_ids=(5, 6)))
    runner.push(TokenDelta(message_id="b", text="x"))
    runner.flush()
    runner.push(MessageCompleted(message_id="a", agent="A", model="m", text="one two three", finish_reason="stop"))
    runner.flush()
    assert counts == [4, 1]


def test_merged_deltas_keep_every_token_id(qtbot):
    runner = StreamRunner()
    batches = collect(runner)
    runner.push(TokenDelta(message_id="a", text="x", token_ids=(1,)))
    runner.push(TokenDelta(message_id="a", text="y", token_ids=(2, 3)))
    runner.flush()
    assert [(e.text, e.token_ids) for e in batches[0]] == [("xy", (1, 2, 3))]


def test_a_stream_is_consumed_to_its_end_with_running_and_finished(qtbot, qloop):
    runner = StreamRunner()
    seen = watch(runner)

    async def stream():
        yield RoundStarted(round=1)
        yield Finished(reason="completed")

    task = runner.start(stream())
    assert runner.running
    qloop.run_until_complete(task)
    assert not runner.running and seen.running == [True, False]
    assert [type(e) for batch in seen.batches for e in batch] == [RoundStarted, Finished]
    assert seen.finished[0].reason == "completed" and seen.errors == []


def test_an_exception_becomes_an_error_signal_not_a_crash(qtbot, qloop):
    runner = StreamRunner()
    seen = watch(runner)
    errors = seen.errors

    async def stream():
        yield RoundStarted(round=1)
        raise ProviderError("unreachable", "cannot connect to http://127.0.0.1:9/v1")

    qloop.run_until_complete(runner.start(stream()))
    assert isinstance(seen.batches[0][0], RoundStarted)  # what came before the failure is delivered first
    assert (
        isinstance(errors[0], ErrorEvent) and errors[0].kind == "unreachable" and "cannot connect" in errors[0].message
    )
    assert seen.finished == [None] and not runner.running

    async def broken():
        raise RuntimeError("a bug")
        yield  # pragma: no cover

    qloop.run_until_complete(runner.start(broken()))
    assert errors[1].kind == "internal" and "a bug" in errors[1].message


def test_cancel_ends_the_stream_and_runs_its_finally(qtbot, qloop):
    runner = StreamRunner()
    seen, cleaned = watch(runner), []
    gate = asyncio.Event()

    async def stream():
        try:
            yield RoundStarted(round=1)
            gate.set()
            await asyncio.Event().wait()  # would wait forever
        finally:
            cleaned.append(True)

    task = runner.start(stream())
    qloop.run_until_complete(gate.wait())
    runner.cancel()
    qloop.run_until_complete(task)
    assert cleaned == [True] and seen.finished == [None] and not runner.running


def test_one_stream_at_a_time(qtbot, qloop):
    import pytest

    runner = StreamRunner()
    gate = asyncio.Event()

    async def stream():
        await gate.wait()
        yield RoundStarted(round=1)

    task = runner.start(stream())
    with pytest.raises(RuntimeError):
        runner.start(stream())
    gate.set()
    qloop.run_until_complete(task)
