"""Contrast sets a person types or loads: every bad line or file is refused with a message
that names the line or the field; a good one round-trips through .json and .txt."""

import json

import pytest

from agents.interp.contrasts import (
    MAX_PROMPT_CHARS,
    NEUTRAL_PROMPTS,
    load_contrast,
    parse_pairs,
    save_contrast,
    to_dict,
)
from agents.interp.steering import vector_source_problem


def test_typed_pairs_give_both_sides_prompts_and_comments_are_skipped():
    found = parse_pairs("# a comment\n I love it | I hate it \n\n+ Wonderful.\n- Awful.\nYes | No\n? Alice:")
    assert found.positive == ("I love it", "Wonderful.", "Yes")
    assert found.negative == ("I hate it", "Awful.", "No")
    assert found.eval_prompts == ("Alice:",)
    assert parse_pairs("a | b\nc | d").eval_prompts == NEUTRAL_PROMPTS  # none typed: neutral openings


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "no pairs were typed"),
        ("# only a comment", "no pairs were typed"),
        ("a | b\njust text", "line 2: no '|' between the two sides"),
        ("a | b\nc |", "line 2: the negative side is empty"),
        ("| b\nc | d", "line 1: the positive side is empty"),
        ("a | a\nc | d", "line 1: both sides are the same text"),
        ("a | b | c", "line 1: more than one '|'"),
        ("a | b\na | c", "line 2: 'a' repeats line 1 on the positive side"),
        ("+\na | b", "line 1: '+' is followed by no text"),
        ("+ a\n+ b", "negative set of 'custom' is empty"),
        ("a | b", "has one prompt; at least 2 a side"),
        ("x" * (2 * MAX_PROMPT_CHARS + 1), "line 1 has 2001 characters"),
    ],
)
def test_bad_typed_pairs_name_the_line_and_the_problem(text, words):
    with pytest.raises(ValueError, match=words.replace("|", r"\|").replace("+", r"\+")):
        parse_pairs(text)


@pytest.mark.parametrize(
    "content, words",
    [
        ("{oops", r"c\.json is not valid JSON \(line 1, column 2"),
        ("[1, 2]", "a contrast set is a JSON object"),
        ('{"positive": "a b", "negative": ["c", "d"]}', "'positive' must be a list of texts, not str"),
        ('{"negative": ["c", "d"]}', "'positive' is missing"),
        ('{"positive": ["a", null], "negative": ["c", "d"]}', r"positive\[1\] is NoneType, not a text"),
        ('{"positive": ["a", "b"], "negative": ["c", "d"], "markers": []}', "'markers' and 'instructions' are"),
    ],
)
def test_bad_contrast_files_name_the_file_and_the_field(tmp_path, content, words):
    path = tmp_path / "c.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=words):
        load_contrast(str(path))
    assert vector_source_problem(str(path)) is not None


def test_a_set_saves_as_json_and_loads_back_and_txt_pairs_load(tmp_path):
    typed = parse_pairs("a | b\nc | d\n? go")
    path = save_contrast(typed, tmp_path / "mine.json")
    assert load_contrast(str(path)) == typed and json.loads(path.read_text()) == to_dict(typed)
    (tmp_path / "p.txt").write_text("a | b\nc | d\n")
    assert load_contrast(str(tmp_path / "p.txt")).negative == ("b", "d")
    with pytest.raises(ValueError, match="no contrast file at"):
        load_contrast(str(tmp_path / "absent.txt"))
    with pytest.raises(ValueError, match=r"p2\.txt: line 1: no '\|'"):
        (tmp_path / "p2.txt").write_text("nothing here\n")
        load_contrast(str(tmp_path / "p2.txt"))


def test_vector_sources_are_checked_without_a_model(tmp_path):
    assert vector_source_problem("agreement") is None
    assert "no contrast set 'sarcasm'" in (vector_source_problem("sarcasm") or "")
    assert vector_source_problem("  ") == "choose a contrast set or a vector file"
    assert "no steering vector file" in (vector_source_problem(str(tmp_path / "v.npz")) or "")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    assert "is not a saved steering vector" in (vector_source_problem(str(tmp_path / "junk.npz")) or "")
