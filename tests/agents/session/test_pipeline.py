"""The one run pipeline on scripted providers: what it yields, records, and always closes."""

import threading

import pytest

from agents.events import (
    Finished,
    MessageCompleted,
    MessageStarted,
    ModelLoadProgress,
    PlanFinished,
    RunStarted,
)
from agents.llm.base import ProviderError
from agents.llm.scripted import ScriptedProvider
from agents.planning.run import PlanConfig
from agents.session import pipeline as pipeline_module
from agents.session.library import read_session
from agents.session.pipeline import (
    PlanJob,
    RunPipeline,
    TeamJob,
    close_providers,
    load_providers,
)
from agents.settings import Settings
from agents.spec import parse_team
from agents.termination import ExternalStop

SHARED = "openai-compatible:http://127.0.0.1:9/v1#shared"
TEAM = parse_team(
    {
        "name": "Trio",
        "agents": [
            {"name": "A", "role": "writer", "model": "local"},
            {"name": "B", "role": "critic", "model": SHARED},
            {"name": "C", "role": "editor", "model": SHARED},
            {"name": "Me", "role": "human"},
        ],
        "protocol": {"kind": "round_robin", "max_rounds": 1},
    },
    check_models=False,
)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AGORA_LAB_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


class Counted(ScriptedProvider):
    def __init__(self, script, name):
        super().__init__(script, name=name)
        self.closed = 0

    async def aclose(self) -> None:
        self.closed += 1


class Scripted:
    """A ``load=`` hook: one counted provider per reference, like the real loader; ``fail_on``
    makes opening that reference fail after the ones before it were opened."""

    def __init__(self, script=lambda request: f"{request.speaker} speaks", fail_on: str | None = None):
        self.script, self.fail_on = script, fail_on
        self.opened: dict[str, Counted] = {}

    async def __call__(self, refs, settings, into):
        for name, ref in refs.items():
            if ref == self.fail_on:
                raise ProviderError("unreachable", f"cannot open {ref}")
            fresh = ref not in self.opened
            if fresh:
                self.opened[ref] = Counted(self.script, name=ref)
            into[name] = self.opened[ref]
            if fresh:
                yield ModelLoadProgress(model=ref, stage="ready", fraction=1.0)

    def closes(self) -> list[int]:
        return [p.closed for p in self.opened.values()]


async def human(agent, prompt):
    return "fine by me"


def team_pipeline(load, **kwargs):
    return RunPipeline(TeamJob(TEAM, "Write a haiku.", seed=3, human=human), Settings(), load=load, **kwargs)


async def test_a_completed_run_yields_progress_then_the_run_records_it_and_closes_each_provider_once(data_dir):
    load = Scripted()
    pipeline = team_pipeline(load)
    events = [e async for e in pipeline.events()]
    assert [type(e) for e in events[:2]] == [ModelLoadProgress, ModelLoadProgress]  # two references, not three agents
    assert isinstance(events[2], RunStarted) and events[2].run_id == pipeline.run_id
    assert pipeline.finished is events[-1] and pipeline.finished.reason == "completed"
    assert load.closes() == [1, 1]
    log = read_session(pipeline.run_id)
    assert pipeline.session_path == log.path and log.status == "completed"
    assert [m.agent for m in log.messages] == ["A", "B", "C", "Me"]
    assert not log.path.with_suffix(".lock").exists()


async def test_a_run_that_fails_is_recorded_as_failed_and_still_closes_its_providers():
    load = Scripted(script=lambda request: ProviderError("disconnected", "server died mid-reply"))
    pipeline = team_pipeline(load)
    events = [e async for e in pipeline.events()]
    assert pipeline.finished.reason == "error" and isinstance(events[-1], Finished)
    assert read_session(pipeline.run_id).status == "failed"
    assert load.closes() == [1, 1]


async def test_a_job_that_raises_closes_what_was_loaded(monkeypatch):
    load = Scripted()

    async def broken_start(self, providers, stop):
        raise RuntimeError("the run could not be built")

    monkeypatch.setattr(TeamJob, "start", broken_start)
    pipeline = team_pipeline(load)
    with pytest.raises(RuntimeError):
        [e async for e in pipeline.events()]
    assert load.closes() == [1, 1] and pipeline.run_id is None and pipeline.session_path is None


async def test_stop_ends_the_run_as_cancelled_and_closes_the_providers():
    load = Scripted()
    stop = ExternalStop()
    pipeline = team_pipeline(load, stop=stop)
    async for event in pipeline.events():
        if isinstance(event, MessageCompleted):
            stop.set()  # the user's Stop after the first message
    assert pipeline.finished.reason == "cancelled"
    log = read_session(pipeline.run_id)
    assert log.status == "cancelled" and [m.agent for m in log.messages] == ["A"]
    assert load.closes() == [1, 1]


async def test_a_consumer_that_stops_early_leaves_a_closed_log_and_closed_providers():
    load = Scripted()
    pipeline = team_pipeline(load)
    events = pipeline.events()
    async for event in events:
        if isinstance(event, MessageStarted):
            break
    assert load.closes() == [0, 0]  # still running until the consumer lets go
    await events.aclose()
    assert load.closes() == [1, 1]
    # The recorder was closed at once, not at garbage collection: no lock says "still running".
    assert not pipeline.session_path.with_suffix(".lock").exists()
    assert read_session(pipeline.run_id).status == "interrupted" and pipeline.finished is None


async def test_a_consumer_that_stops_during_loading_closes_what_was_loaded():
    load = Scripted()
    pipeline = team_pipeline(load)
    events = pipeline.events()
    assert isinstance(await events.__anext__(), ModelLoadProgress)
    await events.aclose()
    assert load.closes() == [1] and pipeline.session_path is None


async def test_when_the_second_provider_fails_to_load_the_first_is_closed_and_no_session_exists(data_dir):
    load = Scripted(fail_on=SHARED)
    pipeline = team_pipeline(load)
    with pytest.raises(ProviderError) as info:
        [e async for e in pipeline.events()]
    assert info.value.kind == "unreachable"
    assert load.closes() == [1]
    assert pipeline.run_id is None and pipeline.session_path is None
    assert not (data_dir / "sessions").exists() or not list((data_dir / "sessions").iterdir())


async def test_a_model_override_is_used_for_every_agent_with_a_model():
    load = Scripted()
    pipeline = team_pipeline(load, model="endpoint:other")
    [e async for e in pipeline.events()]
    assert list(load.opened) == ["endpoint:other"] and load.closes() == [1]
    assert TeamJob(TEAM, "t").model_refs(None, Settings()) == {"A": "local", "B": SHARED, "C": SHARED}


async def test_the_real_loader_shares_one_provider_per_reference_and_keeps_what_it_opened_on_failure():
    into = {}
    with pytest.raises(ProviderError):
        async for _ in load_providers({"B": SHARED, "C": SHARED, "D": "gpt-99"}, Settings(), into):
            pass
    assert set(into) == {"B", "C"} and into["B"] is into["C"]
    closed = []

    async def count_close():
        closed.append(into["B"])

    into["B"].aclose = count_close
    await close_providers(into)
    assert closed == [into["B"]]


async def test_close_providers_closes_the_rest_when_one_fails_to_close():
    class Failing(Counted):
        async def aclose(self):
            self.closed += 1
            raise OSError("socket already gone")

    first, second = Failing([], "first"), Counted([], "second")
    with pytest.raises(OSError):
        await close_providers({"x": first, "y": second})
    assert (first.closed, second.closed) == (1, 1)


async def test_a_plan_job_builds_its_run_off_the_event_loop_and_is_recorded(monkeypatch):
    built_on = []
    real = pipeline_module.PlanRun

    def spy(*args, **kwargs):
        built_on.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline_module, "PlanRun", spy)
    load = Scripted()
    config = PlanConfig(env="blocksworld", seed=1, algo="beam", world_model="exact")
    pipeline = RunPipeline(PlanJob(config), Settings(), load=load)
    events = [e async for e in pipeline.events()]
    assert built_on and built_on[0] != threading.get_ident()
    assert load.opened == {}  # an exact planner needs no model
    assert next(e for e in events if isinstance(e, PlanFinished)).success
    assert pipeline.finished.reason == "completed"
    log = read_session(pipeline.run_id)
    assert log.path == pipeline.session_path and log.status == "completed" and log.header.run_id == pipeline.run_id


def test_a_plan_job_asks_for_a_model_only_when_a_part_needs_one():
    settings = Settings(default_model="endpoint:planner")
    assert PlanJob(PlanConfig(world_model="exact")).model_refs(None, settings) == {}
    assert PlanJob(PlanConfig(policy="llm")).model_refs(None, settings) == {"Planner": "endpoint:planner"}
    assert PlanJob(PlanConfig(value="llm")).model_refs("local", settings) == {"Planner": "local"}
