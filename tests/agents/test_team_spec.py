import json

import pytest

from agents.spec import (
    TeamFileError,
    load_team,
    load_template,
    parse_team,
    team_json_schema,
    template_names,
)

DEBATE = {
    "version": 1,
    "name": "t",
    "agents": [
        {"name": "A", "role": "debater"},
        {"name": "B", "role": "debater"},
        {"name": "J", "role": "judge"},
    ],
    "protocol": {"kind": "debate"},
}


def test_all_five_templates_ship_and_validate():
    names = template_names()
    assert {"debate_with_judge", "simultaneous_vote", "round_robin", "manager_workers", "planner_critic"} <= set(names)
    kinds = {load_template(n).protocol.kind for n in names}
    assert {"debate", "round_robin", "manager_workers"} <= kinds


def test_a_debate_without_a_judge_is_refused_with_the_reason():
    data = {**DEBATE, "agents": DEBATE["agents"][:2]}
    with pytest.raises(TeamFileError, match="exactly one agent with role 'judge'"):
        parse_team(data, "team.json")


def test_a_debate_needs_two_debaters():
    data = {**DEBATE, "agents": [DEBATE["agents"][0], DEBATE["agents"][2]]}
    with pytest.raises(TeamFileError, match="two or more agents with role 'debater'"):
        parse_team(data, "team.json")


def test_unknown_model_names_the_field_and_the_accepted_forms():
    data = json.loads(json.dumps(DEBATE))
    data["agents"][1]["model"] = "gpt-imaginary"
    with pytest.raises(TeamFileError) as info:
        parse_team(data, "team.json")
    assert "team.json: agents[1].model" in str(info.value) and "openai-compatible:" in str(info.value)


def test_unknown_tool_is_refused():
    data = json.loads(json.dumps(DEBATE))
    data["agents"][0]["tools"] = ["teleport"]
    with pytest.raises(TeamFileError, match=r"agents\[0\].tools: unknown tool"):
        parse_team(data, "team.json")


def test_field_errors_name_file_field_and_problem():
    data = json.loads(json.dumps(DEBATE))
    data["agents"][0]["temperature"] = 9
    with pytest.raises(TeamFileError) as info:
        parse_team(data, "team.json")
    assert "team.json: agents[0].temperature" in str(info.value) and "less than or equal to 2" in str(info.value)


def test_malformed_json_names_the_file_and_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n "name": "x",\n oops\n}')
    with pytest.raises(TeamFileError, match=r"bad.json: line 3"):
        load_team(path)
    with pytest.raises(TeamFileError, match="no such file"):
        load_team(tmp_path / "missing.json")


def test_version_0_files_load_through_migration():
    old = {
        "name": "legacy",
        "members": [
            {"name": "A", "role": "debater", "system_prompt": "pro"},
            {"name": "B", "role": "debater", "system_prompt": "con"},
            {"name": "J", "role": "judge"},
        ],
        "protocol": "debate",
    }
    spec = parse_team(old)
    assert spec.version == 1 and spec.agents[0].persona == "pro" and spec.protocol.kind == "debate"


def test_newer_versions_are_refused_clearly():
    with pytest.raises(TeamFileError, match="newer than this Agora Lab"):
        parse_team({**DEBATE, "version": 99}, "future.json")


def test_duplicate_agent_names_are_refused():
    data = json.loads(json.dumps(DEBATE))
    data["agents"][1]["name"] = "A"
    with pytest.raises(TeamFileError, match="unique"):
        parse_team(data)


def test_json_schema_is_exported():
    schema = team_json_schema()
    assert "agents" in schema["properties"] and "protocol" in schema["properties"]


@pytest.mark.parametrize(
    "data, fragment",
    [
        ({**DEBATE, "version": "1"}, "version: must be an integer"),
        ([1, 2], "must be a JSON object"),
        ({"name": "x", "agents": ["A", "B"], "protocol": {"kind": "round_robin"}}, "agents[0]"),
        ({"version": 0, "name": "x", "members": None, "protocol": "debate"}, "team.json"),
    ],
)
def test_wrongly_typed_team_data_is_a_clear_error(data, fragment):
    with pytest.raises(TeamFileError) as info:
        parse_team(data, "team.json")
    assert fragment in str(info.value) and "team.json" in str(info.value)


# Hostile team files (issue 16, items 5-13): each is refused with the file and the field named.


def _write(tmp_path, text: str | bytes):
    path = tmp_path / "team.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def _refusal(path) -> str:
    with pytest.raises(TeamFileError) as info:
        load_team(path)
    message = str(info.value)
    assert message.startswith(str(path))
    return message


@pytest.mark.parametrize("opener, closer", [("[", "]"), ('{"a":', "}")])
def test_deeply_nested_json_is_refused_not_a_recursion_error(tmp_path, opener, closer):
    """Repro: a file of 100,000 nested arrays ended in an internal RecursionError."""
    path = _write(tmp_path, opener * 100_000 + closer * 100_000)
    assert "nested too deeply" in _refusal(path)


def test_moderately_nested_values_name_the_field(tmp_path):
    data = dict(DEBATE, description=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]])
    assert "description" in _refusal(_write(tmp_path, json.dumps(data)))


@pytest.mark.parametrize("field", ["model", "tools", "protocol", "link"])
def test_a_huge_value_is_not_echoed_whole(tmp_path, field):
    """Repro: a 3 MB string as an agent's model (or tool, link end, protocol kind) was printed whole."""
    huge = "A" * 3_000_000
    data = json.loads(json.dumps(DEBATE))
    if field == "model":
        data["agents"][0]["model"] = huge
    elif field == "tools":
        data["agents"][0]["tools"] = [huge]
    elif field == "protocol":
        data["protocol"] = {"kind": huge}
    else:
        data["links"] = [{"source": huge, "target": "A"}]
    message = _refusal(_write(tmp_path, json.dumps(data)))
    assert len(message) < 2000 and "AAAA" in message


@pytest.mark.parametrize(
    "field, where", [("temperature", "agents[0].temperature"), ("max_tokens", "agents[0].max_tokens")]
)
def test_a_number_with_thousands_of_digits_names_the_field(tmp_path, field, where):
    """Repro: "max_tokens": 1 followed by 5000 zeros gave Python's "Exceeds the limit (4300
    digits) for integer string conversion" with no file or field."""
    text = json.dumps(DEBATE).replace(
        '"role": "debater"}', '"role": "debater", "' + field + '": 1' + "0" * 5000 + "}", 1
    )
    message = _refusal(_write(tmp_path, text))
    assert where in message and len(message) < 1000


def test_a_lone_surrogate_is_refused_before_any_session_exists(tmp_path):
    """Repro: a persona "\\ud800" passed validation, then writing the session failed and left
    an empty session behind."""
    text = json.dumps(DEBATE).replace('"role": "judge"}', '"role": "judge", "persona": "hi \\ud800"}')
    assert "agents[2].persona" in _refusal(_write(tmp_path, text))


@pytest.mark.parametrize(
    "name", ["A\rB", "A\u2028B", "A\u2029B", "A\x85B", "A\x00B", "A\x1bB", "A\u200bB", "A\u202eB", "A\tB"]
)
def test_agent_names_are_visible_text_on_one_line(tmp_path, name):
    """Repro: only "\\n" was refused; CR, U+2028/9, NEL, NUL, ESC, zero-width and bidi
    overrides passed although names become transcript labels and table cells."""
    data = json.loads(json.dumps(DEBATE))
    data["agents"][0]["name"] = name
    assert "agents[0].name" in _refusal(_write(tmp_path, json.dumps(data)))


def test_the_builder_uses_the_same_name_rule():
    from agents.team_draft import TeamDraft

    draft = TeamDraft.from_spec(parse_team(DEBATE))
    with pytest.raises(ValueError, match="U\\+200B"):
        draft.with_agent_changed("A", name="A\u200b")
    assert draft.with_agent_changed("A", name="Zoë Ñ").agent("Zoë Ñ").role == "debater"


def test_an_endless_or_huge_file_is_refused_by_size(tmp_path):
    """Repro: `agora-lab run /dev/zero` read until memory ran out."""
    import os

    if os.path.exists("/dev/zero"):
        assert "larger than" in _refusal("/dev/zero")
    big = tmp_path / "team.json"
    with big.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)  # sparse: 64 MB without writing them
    assert "larger than" in _refusal(big)


@pytest.mark.parametrize(
    "patch, where",
    [
        ({"temperature": True}, "agents[0].temperature"),
        ({"max_tokens": True}, "agents[0].max_tokens"),
        ({"temperature": "0.5"}, "agents[0].temperature"),
    ],
)
def test_types_are_strict_in_team_files(tmp_path, patch, where):
    """Repro: `"temperature": true` was accepted as 1.0 and `"max_tokens": true` as 1."""
    data = json.loads(json.dumps(DEBATE))
    data["agents"][0].update(patch)
    assert where in _refusal(_write(tmp_path, json.dumps(data)))


def test_strict_types_cover_limits_and_the_version(tmp_path):
    """Repro: `"termination": {"max_messages": true}` and `"version": -1` were accepted."""
    data = dict(DEBATE, termination={"max_messages": True})
    assert "termination.max_messages" in _refusal(_write(tmp_path, json.dumps(data)))
    assert "version" in _refusal(_write(tmp_path, json.dumps(dict(DEBATE, version=-1))))
    assert (
        parse_team(dict(DEBATE, agents=[dict(a, temperature=1) for a in DEBATE["agents"]])).agents[0].temperature == 1.0
    )


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    """Repro: a file saved by Notepad (starting with EF BB BF) was refused as invalid JSON."""
    path = _write(tmp_path, b"\xef\xbb\xbf" + json.dumps(DEBATE).encode())
    assert load_team(path).name == "t"


def test_a_selector_team_of_humans_only_is_refused():
    """Repro: a selector team whose agents are all humans validated, then the run failed with
    RuntimeError('coroutine raised StopIteration')."""
    humans = {
        "name": "t",
        "agents": [{"name": "Ann", "role": "human"}, {"name": "Ben", "role": "human"}],
        "protocol": {"kind": "selector"},
    }
    with pytest.raises(TeamFileError, match="selector team needs at least one agent with a model"):
        parse_team(humans)


async def test_a_selector_run_without_a_model_never_raises_stop_iteration():
    """The run itself, given an unvalidated all-human spec, falls back instead of StopIteration."""
    from agents.agent import Agent
    from agents.spec import SelectorProtocol, TeamSpec
    from agents.teams.run import TeamRun

    spec = TeamSpec.model_construct(
        name="t",
        description="",
        agents=(Agent(name="Ann", role="human"), Agent(name="Ben", role="human")),
        protocol=SelectorProtocol(max_turns=2),
        termination=TeamSpec.model_fields["termination"].default,
        links=(),
        layout={},
        sample_task="",
        version=1,
    )

    async def human(agent, prompt):
        return f"{agent.name} speaks"

    events = [e async for e in TeamRun(spec, {}, human=human).run_stream("task")]
    picks = [e for e in events if e.type == "speaker_selected"]
    assert [p.speaker for p in picks] == ["Ann", "Ben"] and all(p.method == "fallback" for p in picks)
    assert events[-1].type == "finished" and events[-1].reason == "completed"


@pytest.mark.parametrize("hostile", ["deep", "digits", "surrogate", "all_human_selector"])
def test_the_cli_exits_2_on_a_hostile_team_file_without_a_session(tmp_path, hostile):
    """Repro: `agora-lab run team.json` printed a RecursionError or ValueError traceback, or
    left an empty session behind (a lone surrogate), or died mid-run (all-human selector)."""
    import os
    import subprocess
    import sys

    texts = {
        "deep": "[" * 100_000 + "]" * 100_000,
        "digits": json.dumps(DEBATE).replace('"role": "judge"}', '"role": "judge", "max_tokens": 1' + "0" * 5000 + "}"),
        "surrogate": json.dumps(DEBATE).replace('"role": "judge"}', '"role": "judge", "persona": "\\udc80"}'),
        "all_human_selector": json.dumps(
            {
                "name": "t",
                "agents": [{"name": "A", "role": "human"}, {"name": "B", "role": "human"}],
                "protocol": {"kind": "selector"},
            }
        ),
    }
    path = _write(tmp_path, texts[hostile])
    data = tmp_path / "data"
    env = dict(os.environ, AGORA_LAB_DATA_DIR=str(data))
    result = subprocess.run(
        [sys.executable, "-m", "agents.cli", "run", str(path), "--task", "x"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert str(path) in result.stderr and "Traceback" not in result.stderr and len(result.stderr) < 3000
    assert not list(data.glob("sessions/*.jsonl"))
