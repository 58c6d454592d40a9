from agents.events import MessageCompleted, TokenDelta, Usage
from agents.llm.base import CompletionRequest
from agents.llm.streaming import MessageAssembler, StopScanner, longest_partial


def feed_all(scanner, pieces):
    return "".join(scanner.feed(p) for p in pieces) + scanner.flush()


def test_stop_split_across_chunks_is_cut_and_never_leaked():
    scanner = StopScanner(["\nBob:"])
    emitted = [scanner.feed(p) for p in ["Hello", " there\n", "Bo", "b: next"]]
    assert "".join(emitted) == "Hello there"
    assert scanner.stopped
    assert all("\n" not in e for e in emitted)


def test_partial_stop_that_does_not_complete_is_released():
    assert feed_all(StopScanner(["\nBob:"]), ["a\nBo", "ring"]) == "a\nBoring"
    assert feed_all(StopScanner(["\nBob:"]), ["tail\nB"]) == "tail\nB"


def test_earliest_of_several_stops_wins():
    scanner = StopScanner(["XYZ", "\nAl"])
    assert scanner.feed("one\nAl two XYZ") == "one"


def test_the_longest_end_that_begins_a_needle_is_held_even_after_a_false_start():
    assert longest_partial("a\n\nBo", ["\n\nBob:"]) == 4
    assert longest_partial("x\nA\nAl", ["\nAl:", "\nA\nAlb"]) == 5  # the earlier "\n" begins the longer one
    assert longest_partial("abc", ["\nBob:", "c"]) == 0  # a whole needle is not a partial one
    assert longest_partial("Bob", ["", "Bobby"]) == 3
    assert feed_all(StopScanner(["\nA\nAlb"]), ["x\nA\nAl", "b!"]) == "x"


def _assemble(pieces, stops=()):
    asm = MessageAssembler(CompletionRequest(messages=(), speaker="Alice"), "m", stops)
    deltas = [e for p in pieces if (e := asm.delta(p)) is not None]
    events = asm.completed("length", Usage())
    deltas += [e for e in events if isinstance(e, TokenDelta)]
    done = events[-1]
    assert isinstance(done, MessageCompleted)
    return deltas, done


def test_deltas_concatenate_to_the_final_text_with_edges_trimmed():
    deltas, done = _assemble([" ", " Hello", " world", "\n\n", "again", "\n"])
    assert done.text == "Hello world\n\nagain"
    assert "".join(d.text for d in deltas) == done.text


def test_finish_reason_is_stop_when_a_stop_sequence_ended_the_text():
    _, done = _assemble(["Yes.\nBob: no"], stops=["\nBob:"])
    assert done.text == "Yes." and done.finish_reason == "stop"
