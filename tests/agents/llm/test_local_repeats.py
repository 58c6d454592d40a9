"""The repeat guard: which tokens it blocks, computed by hand, and that the sampler never draws them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from agents.llm.base import CancelToken, ChatMessage, CompletionRequest, GenerationParams
from agents.llm.local_generate import GenerationSpec, generate_batch
from agents.llm.local_repeats import BreakerTable, RepeatGuard
from agents.llm.local_sampling import Sampler

BREAK = 0  # the one breaker token of these hand-made vocabularies


def _is_breaker(token: int) -> bool:
    return token == BREAK


def _guard(longest: int, *history: list[int]) -> RepeatGuard:
    return RepeatGuard(longest, history, _is_breaker)


def test_the_token_extending_a_copied_run_past_the_limit_is_blocked():
    # history 1 2 3 4 5: the reply 9 2 3 4 has copied the run 2 3 4 (three tokens); 5 would make it four
    assert _guard(3, [1, 2, 3, 4, 5]).banned([9, 2, 3, 4]) == {5}
    assert _guard(4, [1, 2, 3, 4, 5]).banned([9, 2, 3, 4]) == set()  # four are allowed
    assert _guard(3, [1, 2, 3, 4, 5]).banned([9, 3, 4]) == set()  # a run of two


def test_every_source_that_holds_the_run_blocks_its_own_next_token():
    guard = _guard(2, [7, 8, 1], [6, 7, 8, 2], [7, 9, 3])
    assert guard.banned([5, 7, 8]) == {1, 2}  # 7 8 is followed by 1 in one turn and by 2 in another


def test_the_reply_is_a_source_too():
    # the reply wrote 4 5 6 and then 4 5 again: 6 would copy a run of three from itself
    assert _guard(2).banned([4, 5, 6, 4, 5]) == {6}
    assert _guard(3).banned([4, 5, 6, 4, 5]) == set()


def test_a_breaker_ends_a_run_and_is_never_blocked():
    history = [1, 2, BREAK, 3, 4, 5, BREAK]
    # 2 BREAK 3 4 matches four tokens, but the run restarts after the breaker: 3 4 is two long
    assert _guard(3, history).banned([2, BREAK, 3, 4]) == set()
    assert _guard(2, history).banned([2, BREAK, 3, 4]) == {5}
    assert _guard(1, history).banned([3, 4, 5]) == set()  # the next token is a breaker: it stays allowed


def test_the_guard_follows_a_growing_reply_step_by_step():
    guard, reply = _guard(2, [1, 2, 3, 4]), []
    seen = []
    for token in [1, 2, 8, 2, 3]:
        reply.append(token)
        seen.append(guard.banned(reply))
    # 1 -> run 1; 1 2 -> run 2, so 3 is blocked; 8 breaks it; 2 -> run 1; 2 3 -> run 2, so 4 is blocked
    assert seen == [set(), {3}, set(), set(), {4}]


def test_the_sampler_never_draws_a_blocked_token_and_leaves_the_logits_alone():
    logits = np.array([0.0, 1.0, 2.0, 5.0, 4.0, 3.0], dtype=np.float32)
    before = logits.copy()
    history = [[1, 2, 3]]
    assert Sampler(0.0, 1.0, 1.0, None, _guard(2, *history))(logits, [1, 2]) == 4  # 3 (largest) is blocked
    assert Sampler(0.0, 1.0, 1.0, None, _guard(3, *history))(logits, [1, 2]) == 3  # a run of three is allowed
    draws = {Sampler(1.0, 1.0, 1.0, seed, _guard(2, *history))(logits, [1, 2]) for seed in range(200)}
    assert 3 not in draws and {4, 5} <= draws
    assert np.array_equal(logits, before)


def _copied_run(reply: list[int], history: Sequence[Sequence[int]], is_breaker) -> int:
    """Brute force: the longest run of the reply (no breaker in it) that a history turn holds, or the
    reply itself before the run's last token."""
    longest = 0
    for start in range(len(reply)):
        for end in range(start + 1, len(reply) + 1):
            run = reply[start:end]
            if is_breaker(run[-1]):
                break
            sources = [*history, reply[: end - 1]]
            if any(_holds(source, run) for source in sources):
                longest = max(longest, len(run))
    return longest


def _holds(source: Sequence[int], run: list[int]) -> bool:
    return any(list(source[i : i + len(run)]) == run for i in range(len(source) - len(run) + 1))


async def test_a_local_reply_copies_no_run_longer_than_repeat_run(provider):
    """The torch path, end to end: the tiny random model copies long runs freely, never with the rule."""
    earlier = "the quick brown fox jumps over the lazy dog, the quick brown fox jumps"
    messages = (
        ChatMessage(role="user", content="the quick brown fox", name="Bob"),
        ChatMessage(role="assistant", content=earlier, name="Alice"),
        ChatMessage(role="user", content="the lazy dog", name="Bob"),
    )

    async def reply(run: int) -> list[int]:
        params = GenerationParams(max_tokens=40, temperature=0.0, repeat_run=run)
        request = CompletionRequest(messages=messages, params=params, speaker="Alice")
        return list([e async for e in provider.stream(request)][-1].token_ids)

    history = provider.turn_ids(messages)
    is_breaker = BreakerTable(provider.loaded.tokenizer)
    assert _copied_run(await reply(0), history, is_breaker) > 3
    assert _copied_run(await reply(3), history, is_breaker) <= 3


class _CyclingEngine:
    """The LlamaEngine interface for one row whose best next token cycles a, b, c (a loop, as a small
    model's), then ``alt``, then ``last``."""

    def __init__(self, order: list[int]):
        self.order, self.generated = order, 0

    def start(self, prompts, cancelled):
        return [0], [self._logits()]

    def step(self, rows):
        self.generated += 1

    def logits(self, index):
        return self._logits()

    def _logits(self):
        a, b, c, alt, last = self.order
        logits = np.zeros(VOCAB, dtype=np.float32)
        logits[[a, b, c][self.generated % 3]], logits[alt], logits[last] = 10.0, 5.0, 1.0
        return logits


VOCAB = 400  # the tiny model's vocabulary


async def test_the_llama_engine_path_blocks_the_same_tokens(provider):
    """The engine's loop feeds the same guard: worked by hand for a loop a b c a b c ... with runs of two.

    a b c a b: the run a b copies the reply's start, so c (next after it there) is blocked and alt
    comes; then a b again matches twice (after the start, and before alt), so c and alt are blocked.
    """
    tokenizer = provider.loaded.tokenizer
    is_breaker = BreakerTable(tokenizer)
    order = [i for i in range(VOCAB) if not is_breaker(i) and i != tokenizer.eos_token_id][100:105]
    a, b, c, alt, last = order
    loaded = dataclasses.replace(provider.loaded, engine=_CyclingEngine(order))
    spec = GenerationSpec([5, 6, 7], 9, 0.0, 1.0, None, (), repeat_run=2)
    emitted: list[tuple[int, str]] = []
    job = type("Job", (), {"spec": spec, "cancel": CancelToken()})()
    assert generate_batch(loaded, [(job, emitted.append)]) == ["length"]
    assert [t for t, _ in emitted] == [a, b, c, a, b, alt, a, b, last]


class _PieceTokenizer:
    """decode() for a hand-made vocabulary: a token id is its index in ``pieces``."""

    def __init__(self, pieces: list[str]):
        self.pieces = pieces

    def decode(self, ids: list[int]) -> str:
        return "".join(self.pieces[i] for i in ids)


def test_a_tool_call_made_again_is_never_blocked():
    """Gemma's pieces of a text-protocol call: between breakers there are never two tokens in a row."""
    pieces = ["<", "tool", ">", "read", "_", "text", "file", '("', "notes", '")', "</", " and", " then"]
    call = [0, 1, 2, 3, 4, 5, 4, 6, 7, 8, 9, 10, 1, 2]  # <tool>read_text_file("notes")</tool>
    breakers = BreakerTable(_PieceTokenizer(pieces))
    guard = RepeatGuard(1, [call], breakers)
    reply = [11]  # " and", then the same call again, token by token
    for token in call:
        assert token not in guard.banned(reply)
        reply.append(token)
    # the rule is on: " and then and" would copy " and then", a run of two
    assert RepeatGuard(1, [call], breakers).banned([11, 12, 11]) == {12}
