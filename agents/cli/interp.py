"""`agora-lab interp steer|neurons|patch|attribute|sae`: the interpretability methods, headless.

Each prints the method's record stream, as text or (``--json``) one JSON object a line;
arrays larger than ``JSON_ARRAY_LIMIT`` values are summarised by their shape.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np

from agents.cli.common import EXIT_FAILED, EXIT_OK, add_model_option
from agents.interp import findings as f
from agents.llm.base import ProviderError

JSON_ARRAY_LIMIT = 4096


def add_parser(sub: argparse._SubParsersAction) -> None:
    interp = sub.add_parser(
        "interp", help="interpretability methods on a local model (steer, neurons, patch, attribute, sae)"
    )
    interp.set_defaults(handler=command_interp)
    methods = interp.add_subparsers(dest="interp_method", required=True)
    steer = _common(
        methods.add_parser(
            "steer", help="find a steering direction per layer and generate steered / unsteered / prompted"
        )
    )
    steer.add_argument(
        "--contrast",
        default="sentiment",
        help="a shipped set (sentiment, formality, language, agreement) or a .json file",
    )
    steer.add_argument(
        "--layer",
        type=int,
        default=None,
        help="the layer to steer at (default: the best separating one in the first two thirds)",
    )
    steer.add_argument(
        "--strength", type=float, default=4.0, help="multiples of the difference of means added (+) and subtracted (-)"
    )
    steer.add_argument("--prompts", type=int, default=5, help="how many of the set's neutral prompts to generate from")
    steer.add_argument("--prompt", action="append", default=[], help="a prompt of your own (repeatable)")
    steer.add_argument("--max-tokens", type=int, default=24)
    steer.add_argument("--position", choices=["mean", "last"], default="mean")
    steer.add_argument("--save-vector", default=None, help="save the chosen layer's vector (.npz) for a team file")
    neurons = _common(
        methods.add_parser("neurons", help="top MLP neurons per token; ablate some; read a neuron's output vector")
    )
    neurons.add_argument("text")
    neurons.add_argument("--layer", type=int, default=None, help="only this layer (default: every layer)")
    neurons.add_argument("--top", type=int, default=5)
    neurons.add_argument("--ablate", type=int, nargs="+", default=[], help="neuron ids to ablate at --layer")
    neurons.add_argument("--mode", choices=["zero", "mean"], default="zero")
    neurons.add_argument(
        "--read", type=int, nargs="+", default=[], help="neuron ids whose output vector to read at --layer"
    )
    patch = _common(
        methods.add_parser("patch", help="Patchscope: the model describes its hidden state at (layer, position)")
    )
    patch.add_argument("text")
    patch.add_argument("--layer", type=int, required=True)
    patch.add_argument("--position", type=int, default=-1)
    patch.add_argument("--target-layer", type=int, default=None)
    patch.add_argument("--target-prompt", default=None, help="identity-style prompt with a '?' placeholder")
    patch.add_argument("--sweep", action="store_true", help="describe the position at every layer")
    attribute = _common(methods.add_parser("attribute", help="which input tokens or speakers drove an output"))
    attribute.add_argument("text", nargs="?", default=None, help="a text whose last token is the target")
    attribute.add_argument("--session", default=None, help="a session id or .jsonl path")
    attribute.add_argument("--message", default="last", help="the message id in --session (default: the last message)")
    attribute.add_argument("--method", choices=["occlusion", "gradient"], default="occlusion")
    attribute.add_argument(
        "--unit",
        choices=["tokens", "spans", "speakers"],
        default=None,
        help="default: speakers for a session, tokens for a text",
    )
    _add_sae(methods.add_parser("sae", help="train, apply and read sparse autoencoders"))


def _add_sae(sae: argparse.ArgumentParser) -> None:
    actions = sae.add_subparsers(dest="action", required=True)
    train = _common(
        actions.add_parser("train", help="train a small JumpReLU SAE on a corpus (default: the shipped one)")
    )
    train.add_argument("--layer", type=int, required=True)
    train.add_argument("--features", type=int, default=2048)
    train.add_argument("--steps", type=int, default=600)
    train.add_argument("--sparsity", type=float, default=1e-3)
    train.add_argument("--out", required=True, help="where to save it (.npz or .safetensors)")
    feats = _common(actions.add_parser("features", help="top SAE features per token of a text"))
    feats.add_argument("text")
    report = _common(actions.add_parser("report", help="top corpus contexts and promoted tokens of some features"))
    report.add_argument(
        "--feature",
        type=int,
        nargs="+",
        default=None,
        help="default: five selective ones (firing on 0.5-20%% of corpus tokens, strongest first)",
    )
    for parser in (train, report):
        parser.add_argument(
            "--corpus",
            type=Path,
            metavar="PATH",
            default=None,
            help="a .txt/.md file or a folder of them, read as UTF-8 (default: the shipped corpus)",
        )
    for parser in (feats, report):
        parser.add_argument("--sae", required=True, help="params.npz or params.safetensors")
        parser.add_argument("--layer", type=int, default=None, help="the layer it reads (default: the file's own)")
        parser.add_argument("--top", type=int, default=5)


def _common(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    add_model_option(parser, "a local model reference (default: settings, else 'local')")
    parser.add_argument("--json", action="store_true", help="print every record as a JSON line")
    return parser


async def load_model(ref: str | None) -> Any:
    from agents.llm.providers import local_model_job
    from agents.llm.refs import LocalRef, parse_model_ref
    from agents.settings import load_settings

    settings = load_settings()
    parsed = parse_model_ref(ref or settings.default_model, settings.endpoints)
    if not isinstance(parsed, LocalRef):
        raise ProviderError("invalid_reference", "interpretability needs a local model: its weights are read directly")
    job = local_model_job(parsed, settings)
    async for event in job:
        if getattr(event, "stage", "") == "ready":
            print(f"model ready: {getattr(event, 'detail', '')}", file=sys.stderr)
    return job.result


async def command_interp(args: argparse.Namespace) -> int:
    from agents.cli import interp_run
    from agents.interp.sae_train import corpus_texts

    # Read before the model loads: a wrong corpus path fails at once, not after a minute.
    corpus = corpus_texts(args.corpus) if getattr(args, "corpus", None) is not None else None
    loaded = await load_model(args.model)
    out = Printer(args.json)
    if args.interp_method == "sae":
        return await interp_run.run_sae(loaded, args, out, corpus)
    runner = getattr(interp_run, f"run_{args.interp_method}")
    return await runner(loaded, args, out)


class Printer:
    """Records as text lines, or JSON lines; remembers whether a method failed."""

    def __init__(self, json_lines: bool):
        self.json_lines = json_lines
        self.failed = False

    async def stream(self, records: AsyncIterator[Any]) -> list[Any]:
        got = []
        async for record in records:
            got.append(record)
            self.show(record)
        return got

    def show(self, record: Any) -> None:
        if isinstance(record, f.MethodError):
            self.failed = True
        if self.json_lines:
            print(json.dumps(to_json(record), ensure_ascii=False))
        else:
            text = describe(record)
            if text:
                print(text, file=sys.stderr if isinstance(record, (f.MethodProgress, f.MethodStarted)) else sys.stdout)

    @property
    def code(self) -> int:
        return EXIT_FAILED if self.failed else EXIT_OK


def to_json(record: Any) -> dict:
    data: dict[str, Any] = {"type": type(record).__name__}
    for field in dataclasses.fields(record):
        data[field.name] = _plain(getattr(record, field.name))
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.size > JSON_ARRAY_LIMIT:
            return {"shape": list(value.shape), "omitted": True}
        return np.round(value.astype(np.float64), 6).tolist() if value.dtype.kind == "f" else value.tolist()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_json(value)
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _tokens(pairs: Any, digits: int = 3) -> str:
    return ", ".join(f"{t!r} {v:.{digits}f}" for t, v in pairs)


def describe(record: Any) -> str:
    """One record as a few readable lines."""
    if isinstance(record, f.MethodStarted):
        return f"{record.method}{' (cached)' if record.cached else ''}: {record.settings}"
    if isinstance(record, f.MethodProgress):
        return f"  {record.fraction:4.0%} {record.detail}"
    if isinstance(record, f.MethodFinished):
        return f"done in {record.elapsed_s:.2f} s"
    if isinstance(record, f.MethodError):
        return f"error: {record.message}"
    if isinstance(record, f.DirectionsReady):
        rows = [
            f"  layer {int(layer):3d}  d={d:6.2f}  held-out accuracy={a:4.0%}  |direction|={np.linalg.norm(v):.2f}  |residual|={r:.1f}"
            for layer, d, a, v, r in zip(
                record.layers, record.separation, record.accuracy, record.directions, record.residual_norm
            )
        ]
        return "\n".join(
            [
                f"{record.name}: {record.n_positive} vs {record.n_negative} prompts",
                *rows,
                f"best separating layer: {record.best_layer()}; steering layer: {record.steering_layer()}",
            ]
        )
    if isinstance(record, f.SteeredGeneration):
        odds = "" if record.marker_logodds is None else f" markers={record.marker_logodds:+.2f}"
        return (
            f"[{record.prompt_index}] {record.mode:12s} proj={record.projection:+.2f}{odds} surprisal={record.surprisal:.2f}"
            f"  {record.prompt!r} -> {record.text!r}"
        )
    if isinstance(record, f.TopNeurons):
        return f"layer {record.layer}: " + "; ".join(
            f"pos {p}: " + ", ".join(f"#{n} {v:+.2f}" for n, v in zip(ids[:3], acts[:3]))
            for p, (ids, acts) in enumerate(zip(record.neuron_ids, record.activations))
        )
    if isinstance(record, f.AblationResult):
        return (
            f"ablate layer {record.layer} neurons {list(record.neurons)} ({record.mode}) at position {record.position}: "
            f"KL={record.kl:.4g} nats\n  before: {_tokens(record.top_before)}\n  after:  {_tokens(record.top_after)}"
        )
    if isinstance(record, f.NeuronVector):
        return f"layer {record.layer} neuron {record.neuron} promotes {_tokens(record.promoted, 2)}; suppresses {_tokens(record.suppressed, 2)}"
    if isinstance(record, f.PatchscopeResult):
        return (
            f"layer {record.source_layer} position {record.source_position} -> {record.text!r}"
            f"  (first token: {_tokens(record.first_token_top)})"
        )
    if isinstance(record, f.AttributionReady):
        order = np.argsort(-np.abs(record.scores))[:15]
        lines = [f"{record.method} by {record.unit}; log p(target) = {record.target_logprob:.3f}"]
        lines += [f"  {record.labels[i]!r:24s} {record.scores[i]:+.4f}" for i in order]
        lines += [f"  speaker {who}: {score:+.4f}" for who, score in record.by_speaker]
        return "\n".join(lines)
    if isinstance(record, f.SaeTrainingProgress):
        return (
            f"  step {record.step}/{record.steps} loss={record.loss:.4f} fvu={record.fvu:.3f} L0={record.mean_l0:.1f}"
        )
    if isinstance(record, f.SaeQuality):
        return f"layer {record.layer}, {record.n_tokens} tokens: variance unexplained {record.fvu:.3f}, mean L0 {record.mean_l0:.1f}"
    if isinstance(record, f.SaeSaved):
        return f"saved {record.path} ({record.n_features} features, {record.n_tokens} training tokens, {record.elapsed_s:.0f} s)"
    if isinstance(record, f.TokenFeatures):
        return "\n".join(
            f"  pos {p + 1}: " + ", ".join(f"#{i} {v:.2f}" for i, v in zip(ids, acts) if v > 0)
            for p, (ids, acts) in enumerate(zip(record.feature_ids, record.activations))
        )
    if isinstance(record, f.FeatureReport):
        lines = [
            f"feature {record.feature} (fires on {record.frequency:.1%} of tokens) promotes {_tokens(record.promoted, 2)}"
        ]
        return "\n".join(lines + [f"  {v:6.2f}  {text}" for text, v in record.top_contexts])
    return ""
