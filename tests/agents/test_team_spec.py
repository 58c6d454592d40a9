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
