"""The issue's proofs on the embedded Gemma 3 270M, written as Markdown (and JSON) to a folder.

`python -m tests.bench.interp2_proofs OUT [--steer all|NAME,...] [--strength 1,2,3] [--layer 6,12] [--probes]
[--sae LAYER] [--attribute SESSION]`

- steering: per shipped contrast, the best layer by separation and the mean scores of
  unsteered, steered (+/-) at each strength (a sweep) and prompted (+/-) generations over 20
  neutral prompts, with one example text each;
- SAE: one trained offline on the shipped corpus: minutes, held-out FVU and L0, and the top
  contexts of five features;
- attribution: a stored debate's last judge message, by speaker (occlusion and gradient).
Not a benchmark (no bench_ prefix): it takes many minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import replace
from pathlib import Path

from agents.interp.contrasts import load_contrast, shipped_names
from agents.interp.findings import (
    AttributionReady,
    DirectionsReady,
    FeatureReport,
    SaeQuality,
    SaeSaved,
    SteeredGeneration,
)
from agents.interp.jobs import collect, first, raise_on_error
from agents.interp.steer_generate import MODES, SIGNS, SteerSettings, steer_stream, summarise
from agents.interp.steering import SteeringVector, directions_stream


def run(stream):
    return raise_on_error(asyncio.run(collect(stream)))


def steering(
    loaded, names: list[str], n_prompts: int, strengths: list[float], layers: list[int], out: list[str], data: dict
) -> None:
    """Per set and layer (default: its steering layer), the unsteered and prompted modes once and
    the steered ones at every strength, each with the first prompt's text as an example."""
    for name in names:
        contrast = load_contrast(name)
        started = time.perf_counter()
        found = first(run(directions_stream(loaded, contrast)), DirectionsReady)
        best = found.best_layer()
        data[name] = {
            "best_separating_layer": best,
            "steering_layer": found.steering_layer(),
            "per_layer_d": found.separation.round(2).tolist(),
            "layers": {},
        }
        for layer in layers or [found.steering_layer()]:
            row = found.row(layer)
            vector = SteeringVector.from_directions(found, layer)
            prompts = list(contrast.eval_prompts[:n_prompts])
            gens: list[SteeredGeneration] = []
            for k, strength in enumerate(strengths):
                modes = MODES if k == 0 else tuple(m for m in MODES if SIGNS[m])  # the baselines once
                settings = SteerSettings(strength=strength, modes=modes)
                gens += [
                    replace(g, mode=f"{g.mode} x{abs(g.strength):g}") if g.layer is not None else g
                    for g in run(steer_stream(loaded, vector, prompts, contrast, settings))
                    if isinstance(g, SteeredGeneration)
                ]
            table = summarise(gens)
            examples = {g.mode: g.text for g in gens if g.prompt_index == 0}
            data[name]["layers"][layer] = {
                "separation": float(found.separation[row]),
                "accuracy": float(found.accuracy[row]),
                "modes": table,
                "examples": examples,
                "generations": [{"mode": g.mode, "prompt": g.prompt, "text": g.text} for g in gens],
                "elapsed_s": time.perf_counter() - started,  # since the set's directions began
            }
            out.append(
                f"\n### {contrast.title or name}: best separating layer {best}, steered at layer {layer} "
                f"(d = {found.separation[row]:.2f}, held-out accuracy {found.accuracy[row]:.0%}), {len(prompts)} prompts\n"
            )
            out.append(f"example prompt: {prompts[0]!r}\n")
            out.append(
                "| mode | projection - midpoint | marker log-odds | surprisal (nats/token) | example |\n|---|---|---|---|---|"
            )
            for mode, r in table.items():
                text = examples.get(mode, "").replace("\n", "⏎").replace("|", "\\|")[:90]
                out.append(
                    f"| {mode} | {r['projection']:+.1f} | {r['marker_logodds']:+.2f} | {r['surprisal']:.2f} | `{text}` |"
                )
            print("\n".join(out[-(len(table) + 4) :]), flush=True)
        out.append(
            "\nper-layer d: " + ", ".join(f"{int(lay)}: {d:.1f}" for lay, d in zip(found.layers, found.separation))
        )


def probes(loaded, names: list[str], out: list[str], data: dict) -> None:
    """Each set's marker probe on the set's own texts: a probe that cannot separate them cannot score steering."""
    from agents.interp.probes import check_probe

    out.append("\n### Marker probes on each set's own texts (framed by its prompts)\n")
    out.append("| set | probe | accuracy (ROC area) | d | positive | negative |\n|---|---|---|---|---|---|")
    for name in names:
        found = check_probe(loaded, load_contrast(name))
        data.setdefault("probes", {})[name] = {"probe": found.probe, "accuracy": found.accuracy, "d": found.d}
        out.append(
            f"| {name} | {found.probe!r} | {found.accuracy:.2f} | {found.d:+.2f} | "
            f"{found.positive.mean():+.2f} | {found.negative.mean():+.2f} |"
        )
        print(out[-1], flush=True)


def sae(
    loaded, layer: int, folder: Path, out: list[str], data: dict, steps: int, features: int, sparsity: float
) -> None:
    from agents.interp.sae import feature_report_stream, load_sae
    from agents.interp.sae_train import SaeTrainSettings, corpus_rows, corpus_texts, train_stream

    path = folder / f"sae-layer{layer}.npz"
    started = time.perf_counter()
    records = run(
        train_stream(loaded, SaeTrainSettings(layer=layer, n_features=features, steps=steps, sparsity=sparsity), path)
    )
    saved, quality = first(records, SaeSaved), first(records, SaeQuality)
    minutes = (time.perf_counter() - started) / 60
    trained = load_sae(path)
    rows = corpus_rows(loaded, corpus_texts())
    reports = [r for r in run(feature_report_stream(loaded, trained, rows, None, 5)) if isinstance(r, FeatureReport)]
    data["sae"] = {
        "layer": layer,
        "minutes": minutes,
        "fvu": quality.fvu,
        "mean_l0": quality.mean_l0,
        "held_out_tokens": quality.n_tokens,
        "training_tokens": saved.n_tokens,
        "features": features,
    }
    out.append(
        f"\n### SAE at layer {layer}: {features} features, {steps} steps on {saved.n_tokens} corpus tokens, "
        f"{minutes:.1f} min; held-out ({quality.n_tokens} tokens) FVU {quality.fvu:.3f}, mean L0 {quality.mean_l0:.1f}\n"
    )
    for r in reports:
        out.append(f"- feature {r.feature} (fires on {r.frequency:.1%}) promotes {[t for t, _ in r.promoted]}")
        out.extend(f"  - {v:.1f}: `{text}`" for text, v in r.top_contexts)
    print("\n".join(out[-30:]), flush=True)


def attribution(loaded, session: str, out: list[str], data: dict) -> None:
    from agents.cli.interp_run import session_input
    from agents.interp.attribution import attribution_stream

    inp = session_input(loaded, session, "last")
    out.append(f"\n### Attribution of `{inp.title}` ({len(inp.token_ids)} tokens, target from {inp.focus_start})\n")
    for method in ("occlusion", "gradient x input"):
        found = first(
            run(attribution_stream(loaded, inp, method, "speakers" if method == "occlusion" else "tokens")),
            AttributionReady,
        )
        data[f"attribution {method}"] = dict(found.by_speaker)
        out.append(
            f"- {method}: log p(verdict) = {found.target_logprob:.2f}; by speaker: "
            + ", ".join(f"{who} {score:+.2f}" for who, score in found.by_speaker)
        )
    print("\n".join(out[-3:]), flush=True)


def numbers(kind):
    return lambda text: [kind(v) for v in text.split(",") if v.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.interp2_proofs")
    parser.add_argument("out", type=Path)
    parser.add_argument("--steer", default="all")
    parser.add_argument("--prompts", type=int, default=20)
    parser.add_argument("--strength", type=numbers(float), default=[4.0], help="one or a sweep, e.g. 1,2,3")
    parser.add_argument(
        "--layer", type=numbers(int), default=[], help="steer at these layers (default: each set's own)"
    )
    parser.add_argument("--sae", type=int, default=None, help="train an SAE at this layer")
    parser.add_argument("--sae-steps", type=int, default=600)
    parser.add_argument("--sae-features", type=int, default=2048)
    parser.add_argument("--sae-sparsity", type=float, default=1e-3)
    parser.add_argument("--attribute", default=None, help="a debate session id or path")
    parser.add_argument("--probes", action="store_true", help="check each steered set's marker probe first")
    parser.add_argument("--threads", type=int, help="torch threads (one is steadier on a busy machine)")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    from agents.llm.local_model import load_local_model
    from agents.llm.refs import LocalRef

    args.out.mkdir(parents=True, exist_ok=True)
    loaded = load_local_model(LocalRef(), "auto", "auto", 2048, lambda e: None)
    out, data = [f"# Interpretability II proofs on {loaded.identity.name} ({loaded.identity.device})"], {}
    try:
        names = shipped_names() if args.steer == "all" else [n for n in args.steer.split(",") if n]
        if args.probes:
            probes(loaded, names, out, data)
        if names and args.prompts:
            steering(loaded, names, args.prompts, args.strength, args.layer, out, data)
        if args.sae is not None:
            sae(loaded, args.sae, args.out, out, data, args.sae_steps, args.sae_features, args.sae_sparsity)
        if args.attribute:
            attribution(loaded, args.attribute, out, data)
    finally:
        (args.out / "proofs.md").write_text("\n".join(out) + "\n", encoding="utf-8")
        (args.out / "proofs.json").write_text(json.dumps(data, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
