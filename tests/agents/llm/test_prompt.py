from agents.llm.base import ChatMessage
from agents.llm.prompt import (
    TRIM_MARKER,
    clean_text,
    fit_to_context,
    render_transcript,
    speaker_stops,
)

HISTORY = (
    ChatMessage(role="system", content="Debate politely."),
    ChatMessage(role="user", content="Is tea better than coffee?"),
    ChatMessage(role="assistant", content="Tea, clearly.", name="Alice"),
    ChatMessage(role="assistant", content="Coffee wins.", name="Bob"),
)


def test_transcript_has_system_on_top_speaker_labels_and_ends_with_next_speaker():
    text = render_transcript(HISTORY, "Alice")
    assert text.startswith("Debate politely.\n\n")
    assert "User: Is tea better than coffee?" in text
    assert "Alice: Tea, clearly.\n\nBob: Coffee wins." in text
    assert text.endswith("\n\nAlice:")


def test_stops_cover_every_speaker_in_the_transcript():
    assert set(speaker_stops(HISTORY, "Alice")) == {"\nAlice:", "\nBob:", "\nUser:"}


def test_clean_text_replaces_lone_surrogates():
    cleaned = clean_text("ok \ud800 end")
    cleaned.encode("utf-8")  # would raise on a surrogate
    assert cleaned.startswith("ok ") and cleaned.endswith(" end")


def _chars(messages):
    return sum(len(m.content) for m in messages)


def test_fit_keeps_everything_when_it_fits():
    fitted = fit_to_context(HISTORY, _chars, 10_000)
    assert fitted.messages == HISTORY and fitted.dropped == 0


def test_fit_drops_oldest_turns_keeps_system_and_marks_the_cut():
    turns = tuple(ChatMessage(role="user", content=f"turn {i} " + "x" * 50) for i in range(10))
    messages = (HISTORY[0],) + turns
    fitted = fit_to_context(messages, _chars, 200)
    assert fitted.dropped > 0
    assert fitted.messages[0] == HISTORY[0]
    assert fitted.messages[1].content == TRIM_MARKER.format(n=fitted.dropped)
    assert fitted.messages[-1] == turns[-1]
    assert _chars(fitted.messages) <= 200


def test_fit_truncates_the_head_of_a_single_huge_message():
    huge = (ChatMessage(role="user", content="a" * 5000 + "THE END"),)
    fitted = fit_to_context(huge, _chars, 300)
    assert fitted.truncated_chars > 0
    assert fitted.messages[-1].content.endswith("THE END")
    assert _chars(fitted.messages) <= 300


def test_fit_never_raises_even_with_no_room():
    fitted = fit_to_context(HISTORY, _chars, 0)
    assert fitted.messages  # something to send; the provider cuts ids as a last resort
