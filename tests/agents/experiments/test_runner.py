"""The runner: resume after kill -9 with nothing lost or counted twice, the directory lock,
failing models, unreadable answers, and every item a normal session."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agents.experiments.config import ExperimentConfig, ExperimentConfigError, TaskSource
from agents.experiments.records import ResultRow
from agents.experiments.runner import ExperimentRun
from agents.experiments.store import DirectoryLock, ExperimentLocked, ResultsTable, read_rows
from agents.experiments.tasks import generate
from agents.llm.base import ProviderError
from agents.session.library import read_session
from tests.agents.experiments.conftest import question_of, scripted

N = 10
ITEMS = generate("arithmetic", N, seed=0)
ANSWER = {i.question: i.answer for i in ITEMS}
INDEX = {i.question: k for k, i in enumerate(ITEMS)}
ROOT = Path(__file__).resolve().parents[3]


def right(request):
    return f"Answer: {ANSWER[question_of(request)]}"


async def _drain(run):
    return [event async for event in run.events()]


def _config(**options):
    return ExperimentConfig(tasks=TaskSource(n=N), **{"methods": ("single", "cot"), "concurrency": 3, **options})


async def test_every_item_is_a_normal_session_and_a_row(tmp_path):
    provider = scripted(right)
    events = await _drain(
        ExperimentRun(tmp_path, _config(methods=("single", "debate2x2")), providers={"local": provider})
    )
    rows = read_rows(tmp_path)
    assert len(rows) == 2 * N and all(r.correct for r in rows)
    assert events[-1].type == "experiment_finished" and events[-1].done == 2 * N
    log = read_session(tmp_path / rows[-1].session)
    assert log.status == "completed" and log.header.task in ANSWER
    assert len(log.messages) == rows[-1].calls == 4
    progress = [e for e in events if e.type == "experiment_unit_finished"]
    assert [e.progress.done for e in progress] == list(range(1, 2 * N + 1))


async def test_resume_after_a_crash_skips_done_items_and_drops_a_torn_line(tmp_path):
    await _drain(ExperimentRun(tmp_path, _config(), providers={"local": scripted(right)}))
    results = tmp_path / "results.jsonl"
    lines = results.read_text().splitlines(keepends=True)
    # What kill -9 leaves: the last 4 rows never written, the one before torn mid-line.
    results.write_text("".join(lines[:15]) + lines[15][:40])
    provider = scripted(right)
    await _drain(ExperimentRun(tmp_path, None, providers={"local": provider}))
    rows = read_rows(tmp_path)
    assert sorted(r.key for r in rows) == sorted({r.key for r in rows}) and len(rows) == 2 * N
    assert len(provider.requests) == 5  # only the torn and the missing items ran again
    assert all(line.endswith("\n") for line in results.read_text().splitlines(keepends=True))


def _child(directory: Path, marker: Path) -> subprocess.Popen:
    code = f"""
import asyncio, time
from pathlib import Path
from agents.experiments.config import ExperimentConfig, TaskSource
from agents.experiments.runner import ExperimentRun
from agents.experiments.tasks import generate
from agents.llm.scripted import ScriptedProvider
answer = {{i.question: i.answer for i in generate("arithmetic", {N}, seed=0)}}
order = list(answer)
def reply(request):
    q = next(m.content for m in request.messages if m.role == "user")
    if order.index(q) == 6:
        Path({str(marker)!r}).write_text("blocked")
        time.sleep(600)  # hangs the whole process, as a stuck model would, until killed
    return "Answer: " + answer[q]
config = ExperimentConfig(tasks=TaskSource(n={N}), methods=("single",), concurrency=1)
async def main():
    async for _ in ExperimentRun({str(directory)!r}, config, providers={{"local": ScriptedProvider(reply)}}).events():
        pass
asyncio.run(main())
"""
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


async def test_kill_minus_nine_then_resume_loses_nothing_and_counts_nothing_twice(tmp_path):
    marker = tmp_path / "blocked"
    child = _child(tmp_path / "exp", marker)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():  # waits for a state, not for a duration
            assert child.poll() is None, "the child experiment exited early"
            assert time.monotonic() < deadline, "the child never reached item 6"
            time.sleep(0.05)
        with pytest.raises(ExperimentLocked, match="another experiment"):
            await _drain(
                ExperimentRun(tmp_path / "exp", _config(methods=("single",)), providers={"local": scripted(right)})
            )
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    before = [r.item_id for r in read_rows(tmp_path / "exp")]
    # Item 6 hung: items 0-5 were answered, and a row is on disk before its worker takes the next item.
    assert before == [i.id for i in ITEMS[:6]]
    provider = scripted(right)
    await _drain(ExperimentRun(tmp_path / "exp", None, providers={"local": provider}))
    rows = read_rows(tmp_path / "exp")
    assert [r.item_id for r in rows] == [i.id for i in ITEMS] and all(r.correct for r in rows)
    assert len(provider.requests) == N - len(before)


async def test_a_second_experiment_in_the_same_directory_is_refused(tmp_path):
    lock = DirectoryLock(tmp_path)
    lock.acquire()
    try:
        with pytest.raises(ExperimentLocked):
            await _drain(ExperimentRun(tmp_path, _config(), providers={"local": scripted(right)}))
    finally:
        lock.release()
    assert not (tmp_path / "results.jsonl").exists()


async def test_a_different_configuration_is_refused_in_a_used_directory(tmp_path):
    await _drain(ExperimentRun(tmp_path, _config(), providers={"local": scripted(right)}))
    with pytest.raises(ExperimentConfigError, match="methods differ"):
        await _drain(ExperimentRun(tmp_path, _config(methods=("single",)), providers={"local": scripted(right)}))
    await _drain(ExperimentRun(tmp_path, _config(concurrency=1), providers={"local": scripted(right)}))  # allowed


async def test_a_failing_server_is_retried_then_marked_failed_and_the_rest_goes_on(tmp_path):
    calls: dict[int, int] = {}

    def flaky(request):
        k = INDEX[question_of(request)]
        calls[k] = calls.get(k, 0) + 1
        if (k == 2 and calls[k] == 1) or k == 5:
            return ProviderError("server_error", "HTTP 503", retryable=True)
        return right(request)

    await _drain(ExperimentRun(tmp_path, _config(methods=("single",), retries=1), providers={"local": scripted(flaky)}))
    rows = {r.item_id: r for r in read_rows(tmp_path)}
    assert len(rows) == N
    assert rows[ITEMS[2].id].status == "ok" and rows[ITEMS[2].id].attempts == 2
    assert rows[ITEMS[5].id].status == "failed" and "HTTP 503" in rows[ITEMS[5].id].error
    assert sum(r.correct for r in rows.values()) == N - 1


async def test_unreadable_answers_count_as_unanswered(tmp_path):
    await _drain(
        ExperimentRun(
            tmp_path,
            _config(methods=("single", "debate2x1")),
            providers={"local": scripted(lambda r: "I would rather not say.")},
        )
    )
    rows = read_rows(tmp_path)
    assert {r.status for r in rows} == {"unanswered"} and not any(r.correct for r in rows)


async def test_matched_self_consistency_is_sized_to_the_debate(tmp_path):
    events = await _drain(
        ExperimentRun(
            tmp_path, _config(methods=("cot", "debate3x2", "sc@debate3x2")), providers={"local": scripted(right)}
        )
    )
    matched = next(e for e in events if e.type == "experiment_matched")
    rows = read_rows(tmp_path)
    debate = [r.tokens for r in rows if r.method == "debate3x2"]
    cot = [r.tokens for r in rows if r.method == "cot"]
    assert matched.samples == round((sum(debate) / N) / (sum(cot) / N)) > 3
    assert all(r.calls == matched.samples for r in rows if r.method == "sc@debate3x2")


async def test_an_unknown_model_reference_fails_before_the_directory_is_used(tmp_path):
    with pytest.raises(ProviderError):
        await _drain(ExperimentRun(tmp_path / "exp", _config(models=("nonsense:x",))))
    assert not (tmp_path / "exp").exists()


async def test_each_model_is_opened_once_and_closed_at_the_end(tmp_path):
    opened, closed = [], []

    class Closing(type(scripted(right))):
        async def aclose(self):
            closed.append(self)

    async def load(refs, settings, into):
        for name, ref in refs.items():
            opened.append(ref)
            into[name] = Closing(right, scorer=lambda c: 0.0)
        return
        yield

    other = "openai-compatible:http://127.0.0.1:9/v1#other"
    await _drain(ExperimentRun(tmp_path, _config(methods=("single", "debate2x1"), models=("local", other)), load=load))
    assert opened == ["local", other]  # once each, for 40 items
    assert len(closed) == 2
    assert len(read_rows(tmp_path)) == 4 * N


async def test_stop_cancels_items_in_flight_without_recording_them_and_a_rerun_finishes(tmp_path):
    run = None

    def stopping(request):
        if INDEX[question_of(request)] == 4:
            run.stop()  # the user presses Stop while item 4 is being answered
        return right(request)

    run = ExperimentRun(tmp_path, _config(methods=("single",), concurrency=2), providers={"local": scripted(stopping)})
    events = await _drain(run)
    assert events[-1].type == "experiment_finished" and events[-1].reason == "cancelled"
    done = {r.item_id for r in read_rows(tmp_path)}
    assert ITEMS[4].id not in done and len(done) < N
    provider = scripted(right)
    await _drain(ExperimentRun(tmp_path, None, providers={"local": provider}))
    assert len(read_rows(tmp_path)) == N and len(provider.requests) == N - len(done)


async def test_a_heterogeneous_team_hands_the_models_round_its_agents(tmp_path):
    other = "openai-compatible:http://127.0.0.1:9/v1#other"
    first, second = scripted(right), scripted(right)
    config = _config(methods=("hetero3x1",), models=("local", other))
    await _drain(ExperimentRun(tmp_path, config, providers={"local": first, other: second}))
    assert {r.speaker for r in first.requests} == {"Ada", "Carl"} and {r.speaker for r in second.requests} == {"Blaise"}
    rows = read_rows(tmp_path)
    assert len(rows) == N and {r.model for r in rows} == {"mixed"} and all(r.correct for r in rows)


async def test_a_row_committed_twice_at_once_is_written_once(tmp_path):
    row = ResultRow(key="k", item_id="i", method="single", model="m", seed=0, status="ok", expected="1")
    table = ResultsTable(tmp_path)
    assert await asyncio.gather(table.commit(row), table.commit(row)) == [True, False]
    table.close()
    assert read_rows(tmp_path) == [row] and len((tmp_path / "results.jsonl").read_text().splitlines()) == 1
    assert ResultsTable(tmp_path).append(row) is False
