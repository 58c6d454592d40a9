"""Steered agents: the team file's steering field, refused for remote models, and a real run
on the tiny model where only the steered agent's messages change and say so everywhere."""

import json

import numpy as np
import pytest

from agents.events import MessageCompleted, MessageStarted
from agents.interp.hooks import hook_count
from agents.llm.base import Steering
from agents.llm.local_steering import steering_rows
from agents.session.export import export_session
from agents.session.library import read_session
from agents.session.pipeline import RunPipeline, TeamJob
from agents.settings import LocalSettings, Settings
from agents.spec import TeamFileError, parse_team

POS = ["Alice: I think the answer is forty-two.", "The quick brown fox jumps.", "Paris is the capital."]
NEG = ["Bob: I disagree, the evidence points elsewhere.", "What is the capital of France?", "the lazy dog"]


def team(model, steering, rounds=1):
    return {
        "name": "steered debate",
        "agents": [
            {
                "name": "Pro",
                "role": "debater",
                "model": model,
                "temperature": 0.0,
                "max_tokens": 8,
                "steering": steering,
            },
            {"name": "Con", "role": "debater", "model": model, "temperature": 0.0, "max_tokens": 8},
        ],
        "protocol": {"kind": "round_robin", "max_rounds": rounds},
    }


def test_a_remote_agent_given_a_steering_vector_is_refused_at_validation():
    data = team("openai-compatible:http://localhost:1/v1#m", {"vector": "sentiment", "strength": 4})
    with pytest.raises(TeamFileError, match=r"agents\[0\]\.steering: steering needs a local model.*Pro uses"):
        parse_team(data, check_models=False)
    spec = parse_team(team("local", {"vector": "agreement", "layer": 6, "strength": -4}))
    assert spec.agents[0].steering.label == "agreement -4 at layer 6" and spec.agents[1].steering is None
    with pytest.raises(TeamFileError, match="strength"):
        parse_team(team("local", {"vector": "agreement", "strength": 500}))


def test_rows_of_one_batch_are_steered_each_by_its_own_vector(tiny):
    import torch

    model, ids = tiny.model, torch.tensor([[2, 40, 41, 42]] * 3)
    with torch.no_grad():
        plain = model(ids).logits
        rows = [
            None,
            Steering(layer=0, vector=tuple([5.0] * 32), label="a"),
            Steering(layer=1, vector=tuple([-5.0] * 32), label="b"),
        ]
        before = hook_count(model)
        with steering_rows(model, rows):
            assert hook_count(model) == before + 2  # one hook per layer used
            mixed = model(ids).logits
        assert hook_count(model) == before
    torch.testing.assert_close(mixed[0], plain[0])  # the unsteered row is untouched by the others
    assert not torch.allclose(mixed[1], plain[1]) and not torch.allclose(mixed[2], plain[2])


async def test_a_steered_debater_is_steered_labelled_in_events_session_and_export(interp_model_dir, tmp_path):
    contrast = tmp_path / "set.json"
    contrast.write_text(json.dumps({"name": "set", "positive": POS, "negative": NEG}))
    model = f"local:{interp_model_dir}"
    settings = Settings(local=LocalSettings(device="cpu", context_tokens=512))

    async def run(steering):
        pipeline = RunPipeline(TeamJob(parse_team(team(model, steering)), "Is the answer forty-two?", seed=1), settings)
        events = [e async for e in pipeline.events()]
        return pipeline, events

    _, plain = await run(None)
    pipeline, steered = await run({"vector": str(contrast), "layer": 0, "strength": 40})
    started = {e.agent: e for e in steered if isinstance(e, MessageStarted)}
    done = {e.agent: e for e in steered if isinstance(e, MessageCompleted)}
    assert done["Pro"].steering == started["Pro"].steering == "set.json +40 at layer 0"
    assert done["Con"].steering is None and started["Con"].steering is None
    plain_done = {e.agent: e for e in plain if isinstance(e, MessageCompleted)}
    assert done["Pro"].token_ids != plain_done["Pro"].token_ids  # the vector changed what Pro wrote
    log = read_session(pipeline.session_path)
    assert [m.steering for m in log.messages if m.agent == "Pro"] == [done["Pro"].steering]
    markdown = export_session(log, "md", tmp_path / "debate.md").read_text()
    assert f"steered: {done['Pro'].steering}" in markdown and markdown.count("steered:") == 1


class NoEngine:
    """A llama.cpp engine that must not be used: steering and patching need the torch model."""

    def start(self, *args):
        raise AssertionError("a hooked generation went to llama.cpp")


async def test_steered_and_patched_generations_never_go_to_llama_cpp(tiny, monkeypatch):
    from agents.interp.findings import MethodError, PatchscopeResult, SteeredGeneration
    from agents.interp.jobs import collect, first
    from agents.interp.patching import patchscope_stream
    from agents.interp.steer_generate import SteerSettings, steer_stream
    from agents.interp.steering import SteeringVector

    monkeypatch.setattr(tiny, "engine", NoEngine())
    vector = SteeringVector("x", 0, np.full(32, 3.0, np.float32))
    settings = SteerSettings(max_new_tokens=3, modes=("unsteered", "steered (+)"))
    records = await collect(steer_stream(tiny, vector, ["Alice:"], settings=settings, cache=None))
    assert not any(isinstance(r, MethodError) for r in records), records[-1]
    assert len([r for r in records if isinstance(r, SteeredGeneration)]) == 2
    patched = await collect(patchscope_stream(tiny, [2, 40, 41, 42], 0, 2, max_new_tokens=3, cache=None))
    assert first(patched, PatchscopeResult) is not None, patched[-1]
