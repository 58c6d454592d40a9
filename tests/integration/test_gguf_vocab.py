"""The embedded model's vocabulary read by llama.cpp against transformers' tokenizer of the same GGUF.

The provider tokenizes with llama.cpp (agents/llm/local_vocab.py) so that it is ready without
building transformers' tokenizer; inspection re-reads its token ids with the transformers
model, so ids, pieces, decoded text and offsets must be the same, token for token.
"""

import random

import pytest

from agents.llm.local_vocab import GGUFTokenizer

pytestmark = pytest.mark.integration

TEXTS = [
    "",
    " ",
    "   leading and trailing   ",
    "\n\n\nThree newlines, a\ttab and a\r\nWindows line end.",
    "Hello world. What is the capital of France? Paris.",
    "héllo wörld, ñandú, Ωmega ≈ √2 ∫",
    "日本語のテキストと한국어",
    "emoji 😀🎉 and a lone surrogate-free astral 𝔘",
    "<start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n",
    "<bos>written out, and a<eos>inside",
    "</s> is plain text for Gemma, <mask> and <unused0> are not",
    "x  y   z    w     v      u",
    "Winner: Negative\n\nJudge: the second debater's answer, 42, is right.",
    "def f(x):\n    return {'a': [1, 2, 3]}  # code",
]


@pytest.fixture(scope="module")
def vocabularies(_embedded_loaded):
    from agents.llm.local_cache import converted_dir, load_tokenizer

    embedded = _embedded_loaded[0]
    ours = embedded.loaded.tokenizer
    if not isinstance(ours, GGUFTokenizer):
        pytest.skip("llama-cpp-python is not installed: the provider tokenizes with transformers")
    return ours, load_tokenizer(converted_dir(embedded.identity.sha256))


def texts() -> list[str]:
    rng = random.Random(0)
    # Not "\u2581" (SentencePiece's space mark) beside a space: transformers reads the pair as
    # one whitespace token, llama.cpp as two (the one known difference, text no one writes).
    alphabet = "ab c\n\t😀é日<>_/#*1 ."
    return TEXTS + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(200)]


@pytest.mark.parametrize("special", [True, False])
def test_ids_and_offsets_are_transformers(vocabularies, special):
    ours, theirs = vocabularies
    for text in texts():
        mine = ours(text, add_special_tokens=special, return_offsets_mapping=True)
        reference = theirs(text, add_special_tokens=special, return_offsets_mapping=True)
        assert mine["input_ids"] == reference["input_ids"], text
        assert mine["offset_mapping"] == [tuple(span) for span in reference["offset_mapping"]], (
            text,
            mine["input_ids"],
        )


def test_decoding_is_transformers(vocabularies):
    ours, theirs = vocabularies
    for text in texts():
        ids = theirs(text)["input_ids"]
        for skip in (True, False):
            assert ours.decode(ids, skip_special_tokens=skip) == theirs.decode(ids, skip_special_tokens=skip), text


def test_every_token_has_transformers_piece_and_text(vocabularies):
    ours, theirs = vocabularies
    ids = list(range(ours.vocab_size))
    assert ours.vocab_size == len(theirs)
    assert ours.convert_ids_to_tokens(ids) == theirs.convert_ids_to_tokens(ids)
    for token_id in ids[:8192]:  # every special and added token is among the first ones
        for skip in (True, False):
            assert ours.decode([token_id], skip) == theirs.decode([token_id], skip_special_tokens=skip), token_id


def test_special_ids_and_end_of_turn_are_transformers(vocabularies, embedded):
    from agents.llm.local_generate import eos_ids

    ours, theirs = vocabularies
    for name in ("bos_token_id", "eos_token_id", "pad_token_id", "unk_token_id"):
        assert getattr(ours, name) == getattr(theirs, name), name
    for token in ("<end_of_turn>", "<eos>", "▁hello", "<|im_end|>", "not a token"):
        assert ours.convert_tokens_to_ids(token) == theirs.convert_tokens_to_ids(token), token
    configured = embedded.loaded.model.generation_config.eos_token_id
    assert eos_ids(embedded.loaded) == {theirs.eos_token_id, configured, theirs.convert_tokens_to_ids("<end_of_turn>")}
