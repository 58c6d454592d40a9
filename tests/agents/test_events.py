import pytest
from pydantic import ValidationError

from agents.agent import Agent
from agents.events import (
    ContextTrimmed,
    ErrorEvent,
    Finished,
    MessageCompleted,
    MessageStarted,
    ModelLoadProgress,
    Notice,
    TokenDelta,
    Usage,
    event_from_json,
    event_json_schema,
    event_to_json,
)

SAMPLES = [
    ModelLoadProgress(model="local", stage="converting weights", fraction=0.5, detail="118/236"),
    Notice(level="warning", text="cache rebuilt"),
    ContextTrimmed(message_id="m1", dropped_messages=3, prompt_tokens=900, context_tokens=1024),
    MessageStarted(message_id="m1", agent="Alice", model="local"),
    TokenDelta(message_id="m1", text="Bonjour ✓ 🤖 \u0000", token_ids=(5, 6)),
    MessageCompleted(
        message_id="m1",
        agent="Alice",
        model="local",
        text="Bonjour",
        finish_reason="stop",
        usage=Usage(prompt_tokens=10, completion_tokens=2),
        latency_s=0.25,
        first_token_s=0.1,
        token_ids=(5, 6),
    ),
    ErrorEvent(kind="disconnected", message="closed", message_id="m1", detail="EOF"),
    Finished(reason="completed"),
]


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.type)
def test_every_event_round_trips_through_json_unchanged(event):
    line = event_to_json(event)
    assert "\n" not in line
    back = event_from_json(line)
    assert type(back) is type(event)
    assert back == event


def test_the_type_field_picks_the_class():
    back = event_from_json('{"type": "notice", "text": "hi", "ts": 1.0}')
    assert isinstance(back, Notice) and back.text == "hi"


def test_unknown_type_and_unknown_fields_are_rejected():
    with pytest.raises(ValidationError):
        event_from_json('{"type": "nope", "ts": 1.0}')
    with pytest.raises(ValidationError):
        event_from_json('{"type": "notice", "text": "x", "surprise": 1}')


def test_events_are_frozen():
    with pytest.raises(ValidationError):
        SAMPLES[1].text = "changed"


def test_schema_lists_every_event_type():
    schema = event_json_schema()
    names = set(schema["discriminator"]["mapping"])
    assert {e.type for e in SAMPLES} <= names


def test_agent_record_round_trips_and_validates_names():
    agent = Agent(
        name="Alice", role="debater", persona="You argue for.", temperature=0.2, max_tokens=64, tools=("calc",)
    )
    assert Agent.model_validate_json(agent.model_dump_json()) == agent
    for bad in ["", "Al:ce", "two\nlines", " padded"]:
        with pytest.raises(ValidationError):
            Agent(name=bad)
