"""A GGUF's tokenizer read by llama.cpp, with the part of the Hugging Face tokenizer API we use.

Building the transformers tokenizer of Gemma 3 from its 33 MB tokenizer.json takes seconds
(1.6 s of CPU, 3.4 s of wall time on this 2-core machine), on the way to a ready model; and
while its ``Tokenizer.from_file`` ran beside the weights' load, a watchdog thread found the
GIL held for seconds at a stretch. llama.cpp has already read the same vocabulary from the
GGUF (the converted tokenizer.json was made from it), and its calls run in C without the
GIL. Ids, pieces,
decoded text and offsets are the transformers tokenizer's, checked token for token on the
embedded model (tests/integration/test_gguf_vocab.py), with one known exception: a literal
"\u2581" (SentencePiece's space mark) written beside a space, which transformers reads as one
whitespace token and llama.cpp as two. Where a GGUF carries a chat template the transformers
tokenizer is used instead (rendering it needs transformers' Jinja setup).

Read-only after construction, so any thread may call it (the loop counts prompt tokens
while the worker decodes).
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from typing import Any

# llama.cpp's token attributes (llama_token_attr). transformers' special tokens are the
# GGUF's control tokens; llama.cpp also marks control a user-defined token that looks like
# one (Gemma's "</s>"), which transformers keeps as text.
_ATTR_CONTROL, _ATTR_USER_DEFINED = 1 << 3, 1 << 4
_PIECE_BYTES = 256


class GGUFTokenizer:
    """Encode, decode and look up tokens through a loaded llama.cpp model's vocabulary."""

    chat_template: str | None = None  # models with a template keep transformers' tokenizer

    def __init__(self, lib: Any, vocab: Any, unk_token_id: int | None = None):
        self._lib, self._vocab = lib, vocab
        self.unk_token_id = unk_token_id
        self.vocab_size = lib.llama_vocab_n_tokens(vocab)
        self.bos_token_id = _id_or_none(lib.llama_vocab_bos(vocab))
        self.eos_token_id = _id_or_none(lib.llama_vocab_eos(vocab))
        self.pad_token_id = _id_or_none(lib.llama_vocab_pad(vocab))
        self._add_bos = bool(lib.llama_vocab_get_add_bos(vocab))
        self._pieces: dict[int, str] = {}

    def __call__(
        self, text: str, add_special_tokens: bool = True, return_offsets_mapping: bool = False
    ) -> dict[str, list]:
        ids = self.encode(text, add_special_tokens)
        out: dict[str, list] = {"input_ids": ids}
        if return_offsets_mapping:
            added = 1 if add_special_tokens and self._add_bos and ids[:1] == [self.bos_token_id] else 0
            out["offset_mapping"] = [(0, 0)] * added + self._offsets(text, ids[added:])
        return out

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        """Special tokens written in the text are read as such, as transformers does."""
        raw = text.encode("utf-8")
        add = add_special_tokens and self._add_bos
        size = len(raw) + 2
        while True:
            buffer = (ctypes.c_int32 * size)()
            n = self._lib.llama_tokenize(self._vocab, raw, len(raw), buffer, size, add, True)
            if n >= 0:
                return list(buffer[:n])
            size = -n

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = False) -> str:
        ids = [int(i) for i in ids if not (skip_special_tokens and self.is_special(int(i)))]
        if not ids:
            return ""
        tokens = (ctypes.c_int32 * len(ids))(*ids)
        size = max(64, 8 * len(ids))
        while True:
            buffer = ctypes.create_string_buffer(size)
            n = self._lib.llama_detokenize(self._vocab, tokens, len(ids), buffer, size, False, True)
            if n >= 0:
                return buffer.raw[:n].decode("utf-8", errors="replace")
            size = -n

    def convert_ids_to_tokens(self, ids: int | Sequence[int]) -> Any:
        if isinstance(ids, int):
            return self._piece(ids)
        return [self._piece(int(i)) for i in ids]

    def convert_tokens_to_ids(self, token: str) -> int | None:
        """The id whose piece is exactly ``token``, or the unknown token's id as transformers."""
        ids = self.encode(token, add_special_tokens=False)
        if len(ids) == 1 and self._piece(ids[0]) == token:
            return ids[0]
        return self.unk_token_id

    def is_special(self, token_id: int) -> bool:
        """What transformers' ``skip_special_tokens`` leaves out."""
        attr = self._lib.llama_vocab_get_attr(self._vocab, token_id)
        return bool(attr & _ATTR_CONTROL) and not attr & _ATTR_USER_DEFINED

    def _piece(self, token_id: int) -> str | None:
        if not 0 <= token_id < self.vocab_size:
            return None
        if token_id not in self._pieces:
            text = self._lib.llama_vocab_get_text(self._vocab, token_id).decode("utf-8", "replace")
            # The GGUF spells its whitespace-run tokens with spaces; transformers' vocabulary with "▁".
            self._pieces[token_id] = text.replace(" ", "▁")
        return self._pieces[token_id]

    def _offsets(self, text: str, ids: list[int]) -> list[tuple[int, int]]:
        """Character spans of each token: its bytes counted along the UTF-8 text.

        A token holding part of a character (byte fallback) spans that whole character; a
        token the text does not spell (an added BOS) spans nothing, as in transformers.
        """
        raw = text.encode("utf-8")
        char_at = [0] * (len(raw) + 1)  # byte offset -> index of the character it falls in
        position = 0
        for index, char in enumerate(text):
            width = len(char.encode("utf-8"))
            char_at[position : position + width] = [index] * width
            position += width
        char_at[len(raw)] = len(text)
        spans, cursor = [], 0
        for token_id in ids:
            end = _spelled(raw, cursor, self._piece_bytes(token_id))
            if end is None:
                spans.append((0, 0))
                continue
            spans.append((char_at[cursor], char_at[end - 1] + 1))
            cursor = end
        return spans

    def _piece_bytes(self, token_id: int) -> bytes:
        buffer = ctypes.create_string_buffer(_PIECE_BYTES)
        n = self._lib.llama_token_to_piece(self._vocab, token_id, buffer, _PIECE_BYTES, 0, True)
        return buffer.raw[: max(n, 0)]


_SPACE_MARK = "\u2581".encode()


def _spelled(raw: bytes, start: int, piece: bytes) -> int | None:
    """Where ``piece`` ends if the text spells it from ``start``, else None. A space of the
    piece may be written "\u2581" in the text: the model reads both as that mark."""
    at = start
    for byte in piece:
        if raw[at : at + 1] == bytes((byte,)):
            at += 1
        elif byte == 0x20 and raw.startswith(_SPACE_MARK, at):
            at += len(_SPACE_MARK)
        else:
            return None
    return at if piece else None


def _id_or_none(token_id: int) -> int | None:
    return token_id if token_id >= 0 else None
