import json
import re

import pytest

from agents.experiments.answers import is_correct, normalise
from agents.experiments.byo import TaskFileError, load_jsonl
from agents.experiments.tasks import TASK_SETS, generate


@pytest.mark.parametrize("name", sorted(TASK_SETS))
def test_generated_sets_are_seeded_and_their_answers_score_right(name):
    items = generate(name, 30, seed=3)
    assert items == generate(name, 30, seed=3)
    assert items != generate(name, 30, seed=4)
    assert len({i.id for i in items}) == 30
    for item in items:
        assert is_correct(normalise(f"Answer: {item.answer}", item.kind), item.answer, item.kind, item.numbers)


def test_arithmetic_answers_are_the_expression_evaluated_independently():
    for item in generate("arithmetic", 50, seed=0):
        a, b, c, d, e, f = map(int, re.findall(r"\d+", item.question))
        assert int(item.answer) == a + b * c + d - e * f
        assert all(0 <= x <= 30 for x in (a, b, c, d, e, f))


def test_blocksworld_has_valid_and_broken_plans():
    answers = [i.answer for i in generate("blocksworld", 40, seed=0)]
    assert {"yes", "no"} == set(answers)


def test_unknown_task_set_names_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown task set 'nope'.*arithmetic"):
        generate("nope", 5)


def _write(tmp_path, lines):
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_reads_numbers_gsm8k_answers_and_choices(tmp_path):
    path = _write(
        tmp_path,
        [
            json.dumps({"question": "2+2?", "answer": 4}),
            json.dumps({"question": "Natalia sold 48 clips...", "answer": "48/2 = 24 ... #### 72", "id": "gsm-1"}),
            json.dumps({"question": "Which is a mammal?", "choices": ["trout", "whale"], "answer": "B"}),
            json.dumps({"question": "Capital of France?", "answer": "Paris"}),
        ],
    )
    items = load_jsonl(path)
    assert [(i.kind, i.answer) for i in items] == [
        ("number", "4"),
        ("number", "72"),
        ("choice", "B"),
        ("text", "paris"),
    ]
    assert items[1].id == "gsm-1" and items[0].id == "line-1"
    assert "(B) whale" in items[2].question


def test_jsonl_errors_name_file_line_and_field_all_at_once(tmp_path):
    path = _write(
        tmp_path,
        [
            json.dumps({"question": "fine", "answer": 1}),
            "{not json",
            json.dumps({"answer": 3}),
            json.dumps({"question": "q", "answer": "E", "choices": ["a", "b"]}),
            json.dumps({"question": "q", "answer": 1, "type": "essay"}),
        ],
    )
    with pytest.raises(TaskFileError) as caught:
        load_jsonl(path)
    message = str(caught.value)
    assert f"{path}: line 2: not JSON" in message
    assert f"{path}: line 3: field 'question'" in message
    assert f"{path}: line 4: field 'answer'" in message
    assert f"{path}: line 5: field 'type'" in message
    assert "line 1" not in message


def test_jsonl_missing_file_and_empty_file(tmp_path):
    with pytest.raises(TaskFileError, match="no such file"):
        load_jsonl(tmp_path / "missing.jsonl")
    with pytest.raises(TaskFileError, match="no tasks"):
        load_jsonl(_write(tmp_path, [""]))
