import pytest

from agents.experiments.answers import is_correct, majority, normalise


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Answer: 42", "42"),
        ("3+4 = 7, so the answer is 1,234.", "1234"),
        ("Answer: -17 (because 3-20)", "-17"),
        ("I get 12 then 15\nAnswer: 15.0", "15"),
        ("half: Answer: 1/2", "1/2"),
        ("no digits here", None),
    ],
)
def test_numbers_are_read_and_canonical(text, expected):
    assert normalise(text, "number") == expected


def test_equal_numbers_in_other_forms_are_correct():
    assert is_correct(normalise("Answer: 356.0", "number"), "356", "number")
    assert not is_correct(normalise("Answer: 355", "number"), "356", "number")
    assert is_correct(None, "356", "number") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Answer: (B)", "B"),
        ("Answer: C) whales", "C"),
        ("I think option b is right", "B"),
        ("Answer: I think it is whale", "B"),
        ("Answer: nothing fits", None),
    ],
)
def test_choices_by_letter_or_by_text(text, expected):
    assert normalise(text, "choice", ["trout", "whale", "frog"]) == expected


def test_a_capital_inside_a_sentence_is_not_a_choice():
    assert normalise("Answer: I am not sure", "choice", ["x", "y"]) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Answer: yes, every step is legal", "yes"),
        ("Answer: No.", "no"),
        ("The plan is invalid", "no"),
        ("maybe", None),
    ],
)
def test_yes_no(text, expected):
    assert normalise(text, "yesno") == expected


def test_game24_checks_the_numbers_and_the_value_without_eval():
    numbers = (4, 6, 8, 8)
    assert is_correct(normalise("Answer: (4 * 6) * (8 / 8)", "game24"), "", "game24", numbers)
    assert not is_correct(normalise("Answer: 4 * 6", "game24"), "", "game24", numbers)  # numbers unused
    assert not is_correct(normalise("Answer: (8 + 8) + 4 + 6", "game24"), "", "game24", numbers)  # 26
    assert normalise("Answer: __import__('os')", "game24") is None


def test_text_answers_ignore_case_articles_and_punctuation():
    assert normalise("Answer: The Eiffel Tower!", "text") == normalise("eiffel tower", "text")


def test_majority_ties_go_to_the_first_given_and_unreadable_do_not_vote():
    assert majority(["3", "4", "4"]) == "4"
    assert majority(["5", "3", "3", "5"]) == "5"
    assert majority([None, None, "2"]) == "2"
    assert majority([None]) is None
