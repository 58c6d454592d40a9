"""Blocking torch code for the local provider. Runs only on the model's worker thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from agents.llm.base import CancelToken, Steering
from agents.llm.local_repeats import BreakerTable, RepeatGuard
from agents.llm.local_sampling import Sampler
from agents.llm.local_steering import steering_rows

PREFILL_CHUNK = 128  # prompt tokens per forward pass: bounds cancel latency and peak memory


@dataclass(frozen=True)
class GenerationSpec:
    prompt_ids: list[int]
    max_new_tokens: int
    temperature: float
    top_p: float
    seed: int | None
    stops: tuple[str, ...]
    repetition_penalty: float = 1.0
    steering: Steering | None = None  # a vector added while this row generates
    repeat_run: int = 0  # see GenerationParams.repeat_run
    history: tuple[tuple[int, ...], ...] = ()  # the earlier turns a reply may not copy, as token ids


class IncrementalDecoder:
    """Token ids in, text deltas out, without splitting multi-byte characters.

    Decoding each token alone loses SentencePiece's leading spaces and breaks byte-fallback
    characters; decoding a short window and diffing against its prefix does neither.
    """

    def __init__(self, tokenizer: Any):
        self._tokenizer = tokenizer
        self.ids: list[int] = []
        self._prefix = 0
        self._read = 0

    def _decode(self, ids: list[int]) -> str:
        return self._tokenizer.decode(ids, skip_special_tokens=True)

    def add(self, token_id: int) -> str:
        self.ids.append(token_id)
        before = self._decode(self.ids[self._prefix : self._read])
        after = self._decode(self.ids[self._prefix :])
        if len(after) > len(before) and not after.endswith("\ufffd"):
            self._prefix, self._read = self._read, len(self.ids)
            return after[len(before) :]
        return ""


def eos_ids(loaded: Any) -> set[int]:
    """The ids that end a generation: the tokenizer's and the generation config's end of
    sequence, and an end-of-turn token where the vocabulary has one.

    Behind a llama.cpp engine (a GGUF) the vocabulary is asked alone: its end of sequence is
    the one transformers' generation config was converted from, and waiting for the
    transformers model here would hold the first generation until it has loaded.
    """
    tokenizer = loaded.tokenizer
    ids = {tokenizer.eos_token_id}
    if loaded.engine is None:
        configured = getattr(loaded.model.generation_config, "eos_token_id", None)
        ids.update(configured if isinstance(configured, (list, tuple)) else [configured])
    # One id at a time, not ``in get_vocab()``: that builds a 262k-entry dict (0.2-0.6 s, holding
    # the GIL) and it ran three times before every generation.
    for special in ("<end_of_turn>", "<|im_end|>", "<|eot_id|>"):
        token_id = tokenizer.convert_tokens_to_ids(special)
        if isinstance(token_id, int) and tokenizer.convert_ids_to_tokens(token_id) == special:  # not <unk>
            ids.add(token_id)
    return {i for i in ids if isinstance(i, int)}


@dataclass
class _Row:
    """One sequence of a batch: its request, its output channel and its progress."""

    spec: GenerationSpec
    cancel: CancelToken
    emit: Callable[[Any], None]
    decoder: IncrementalDecoder
    sampler: Sampler
    text: str = ""
    finished: str | None = None

    def check(self, step: int) -> None:
        if self.finished is None and self.cancel.cancelled:
            self.finished = "cancelled"
        elif self.finished is None and step >= self.spec.max_new_tokens:
            self.finished = "length"


def generate_batch(loaded: Any, jobs: Sequence[tuple[Any, Callable[[Any], None]]], in_torch: bool = False) -> list[str]:
    """Generate for several requests at once, one forward pass per token for all of them.

    ``in_torch``: never llama.cpp, because the caller has hooks on the torch model (Patchscopes).

    Each job has ``spec`` and ``cancel``; each row emits (token_id, text_delta) on its own
    channel. Returns each row's finish reason. A batch of one is plain generation.
    """
    tokenizer = loaded.tokenizer
    eos = eos_ids(loaded)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    rows = [
        _Row(job.spec, job.cancel, emit, IncrementalDecoder(tokenizer), sampler_for(loaded, job.spec))
        for job, emit in jobs
    ]
    all_cancelled = lambda: all(r.cancel.cancelled for r in rows)  # noqa: E731
    try:
        steering = [row.spec.steering for row in rows]
        # llama.cpp has no residual stream to hook: a batch with a steered row runs in torch.
        if loaded.engine is not None and not any(steering) and not in_torch:
            _decode_with_engine(loaded.engine, rows, all_cancelled, eos, pad)
        else:  # torch is imported only here: llama.cpp generates while it still loads
            import torch

            model = loaded.model
            with torch.inference_mode(), abort_between_layers(model, all_cancelled), steering_rows(model, steering):
                _decode(model, rows, decode_head(loaded), all_cancelled, eos, pad)
    except Aborted:
        pass
    return [row.finished or ("cancelled" if row.cancel.cancelled else "length") for row in rows]


def sampler_for(loaded: Any, spec: GenerationSpec) -> Sampler:
    """The row's sampling rule; with ``repeat_run``, a guard against copying long runs of earlier turns."""
    guard = None
    if spec.repeat_run > 0:
        if loaded.breakers is None:
            loaded.breakers = BreakerTable(loaded.tokenizer)
        guard = RepeatGuard(spec.repeat_run, spec.history, loaded.breakers)
    return Sampler(spec.temperature, spec.top_p, spec.repetition_penalty, spec.seed, guard)


class Aborted(Exception):
    """Raised inside a forward pass once every row of the batch is cancelled."""


@contextmanager
def abort_between_layers(model: Any, should_abort: Callable[[], bool]) -> Iterator[None]:
    """Check for cancellation before every decoder layer, not only between tokens.

    One token's pass over 18 layers takes ~100 ms on two CPU cores; checking per layer
    makes Stop take effect in a few milliseconds. The KV cache of an aborted pass is
    thrown away with the generation.
    """

    def check(_module: Any, _args: Any) -> None:
        if should_abort():
            raise Aborted()

    layers = getattr(model.base_model, "layers", [])
    handles = [layer.register_forward_pre_hook(check) for layer in layers]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _decode(
    model: Any, rows: list[_Row], head: Callable[[Any], Any], all_cancelled: Callable[[], bool], eos: set[int], pad: int
) -> None:
    import torch

    prefilled = _prefill(model, [r.spec.prompt_ids for r in rows], all_cancelled)
    if prefilled is None:
        return
    hidden, past, mask = prefilled
    for step in range(max(r.spec.max_new_tokens for r in rows) + 1):
        logits = head(hidden).to("cpu").float()
        next_ids = [_advance(row, logits[i].numpy(), step, eos, pad) for i, row in enumerate(rows)]
        if all(row.finished for row in rows):
            break
        mask = torch.cat([mask, torch.ones((len(rows), 1), dtype=mask.dtype, device=mask.device)], dim=1)
        out = model.base_model(
            input_ids=torch.tensor(next_ids, device=model.device)[:, None],
            attention_mask=mask,
            position_ids=(mask.sum(dim=1, keepdim=True) - 1),
            cache=past,
            use_cache=True,
        )
        hidden, past = out.last_hidden_state[:, -1], out.cache


def _decode_with_engine(
    engine: Any, rows: list[_Row], all_cancelled: Callable[[], bool], eos: set[int], pad: int
) -> None:
    """The same sampling loop on llama.cpp (local_llama): finished rows simply leave the batch."""
    started = engine.start([r.spec.prompt_ids for r in rows], all_cancelled)
    if started is None:
        return
    sequences, logits = started
    live = list(range(len(rows)))
    for step in range(max(r.spec.max_new_tokens for r in rows) + 1):
        tokens = {i: _advance(rows[i], row_logits, step, eos, pad) for i, row_logits in zip(live, logits)}
        live = [i for i in live if not rows[i].finished]
        if not live:
            break
        engine.step([(sequences[i], tokens[i]) for i in live])
        logits = [engine.logits(j) for j in range(len(live))]


def _advance(row: _Row, logits: Any, step: int, eos: set[int], pad: int) -> int:
    """Sample the row's next token and emit it; finished rows are fed padding."""
    row.check(step)
    if row.finished:
        return pad
    spec = row.spec
    token_id = row.sampler(logits, row.decoder.ids)
    if token_id in eos:
        row.finished = "stop"
        return pad
    delta = row.decoder.add(token_id)
    row.emit((token_id, delta))
    window = max((len(s) for s in spec.stops), default=0) + 32
    row.text = (row.text + delta)[-window:]
    if any(stop in row.text for stop in spec.stops):
        row.finished = "stop"
    return token_id


def _prefill(model: Any, prompts: list[list[int]], all_cancelled: Callable[[], bool]) -> tuple[Any, Any, Any] | None:
    """Run left-padded prompts in chunks; return last hidden states, KV cache and mask."""
    import torch

    width = max(len(p) for p in prompts)
    ids = torch.zeros((len(prompts), width), dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for i, prompt in enumerate(prompts):
        ids[i, width - len(prompt) :] = torch.tensor(prompt)
        mask[i, width - len(prompt) :] = 1
    ids, mask = ids.to(model.device), mask.to(model.device)
    positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
    past, hidden = None, None
    for start in range(0, width, PREFILL_CHUNK):
        if all_cancelled():
            return None
        end = start + PREFILL_CHUNK
        out = model.base_model(
            input_ids=ids[:, start:end],
            attention_mask=mask[:, :end],
            position_ids=positions[:, start:end],
            cache=past,
            use_cache=True,
        )
        hidden, past = out.last_hidden_state[:, -1], out.cache
    return hidden, past, mask


def decode_head(loaded: Any) -> Callable[[Any], Any]:
    """The unembedding used for sampling.

    Decoding on a CPU is memory-bound, and Gemma's 262k x 640 unembedding is most of the
    bytes read per token: a bfloat16 copy halves them (3x faster here; KL to float32
    about 1e-5, measured in tests/bench). Everything else, and every score, stays float32.
    """
    import torch

    model = loaded.model
    weight = model.lm_head.weight
    if weight.device.type != "cpu" or weight.dtype != torch.float32 or getattr(model.lm_head, "bias", None) is not None:
        return lambda hidden: _project(model, hidden)
    if loaded.head_bf16 is None:
        loaded.head_bf16 = weight.detach().to(torch.bfloat16)
    return lambda hidden: softcap(model, (hidden.to(torch.bfloat16) @ loaded.head_bf16.T).float())


def score_continuations(loaded: Any, prompt_ids: list[int], candidates: Sequence[list[int]]) -> list[float]:
    """Sum of log p(candidate tokens | prompt) for each candidate, one batched pass.

    Only the candidate positions are projected onto the vocabulary, so memory stays at
    O(candidate tokens × vocab) however long the prompt is.
    """
    import torch

    model = loaded.model
    pad = loaded.tokenizer.pad_token_id or 0
    rows = [prompt_ids + list(ids) for ids in candidates]
    width = max(len(r) for r in rows)
    input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        input_ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
    with torch.inference_mode():
        hidden = model.base_model(input_ids=input_ids.to(model.device), attention_mask=mask.to(model.device))
        hidden = hidden.last_hidden_state
        scores = []
        for i, ids in enumerate(candidates):
            if not ids:
                scores.append(0.0)
                continue
            positions = torch.arange(len(prompt_ids) - 1, len(prompt_ids) - 1 + len(ids), device=model.device)
            logits = _project(model, hidden[i, positions])
            logp = torch.log_softmax(logits.float(), dim=-1)
            target = torch.tensor(ids, device=model.device)
            scores.append(float(logp.gather(1, target[:, None]).sum().item()))
    return scores


def _project(model: Any, hidden: Any) -> Any:
    """Unembed final hidden states exactly as the model's own head does (soft-capping too)."""
    return softcap(model, model.lm_head(hidden))


def softcap(model: Any, logits: Any) -> Any:
    """Final-logit soft-capping as the model's config asks (Gemma 2 has it; Gemma 3 not)."""
    import torch

    cap = getattr(model.config.get_text_config(), "final_logit_softcapping", None)
    return torch.tanh(logits / cap) * cap if cap else logits
