"""The work behind each `agora-lab interp` command: build the input, stream the method."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from agents.interp.findings import DirectionsReady, SteeredGeneration
from agents.interp.jobs import first
from agents.interp.readout import encode_text
from agents.interp.records import InspectInput
from agents.interp.tokens import token_labels


def text_ids(loaded: Any, text: str) -> list[int]:
    if not text.strip():
        raise ValueError("the text is empty")
    return encode_text(loaded, text)


async def run_steer(loaded: Any, args: argparse.Namespace, out: Any) -> int:
    from agents.interp.contrasts import load_contrast
    from agents.interp.steer_generate import SteerSettings, steer_stream, summarise
    from agents.interp.steering import SteeringVector, directions_stream

    contrast = load_contrast(args.contrast)
    found = first(await out.stream(directions_stream(loaded, contrast, args.position)), DirectionsReady)
    if found is None:
        return out.code
    layer = found.steering_layer() if args.layer is None else args.layer
    vector = SteeringVector.from_directions(found, layer)
    if args.save_vector:
        vector.save(Path(args.save_vector))
    prompts = args.prompt or list(contrast.eval_prompts[: args.prompts])
    settings = SteerSettings(strength=args.strength, max_new_tokens=args.max_tokens)
    records = await out.stream(steer_stream(loaded, vector, prompts, contrast, settings))
    table = summarise([r for r in records if isinstance(r, SteeredGeneration)])
    if out.json_lines:
        print(
            json.dumps(
                {
                    "type": "SteeringSummary",
                    "contrast": contrast.name,
                    "layer": layer,
                    "strength": args.strength,
                    "modes": table,
                }
            )
        )
    else:
        print(
            f"\n{contrast.name} at layer {layer}, strength {args.strength}, {len(prompts)} prompts (scored by the unsteered model):"
        )
        for mode, row in table.items():
            print(
                f"  {mode:12s} projection {row['projection']:+.3f}  marker log-odds {row['marker_logodds']:+.3f}  surprisal {row['surprisal']:.2f}"
            )
    return out.code


async def run_neurons(loaded: Any, args: argparse.Namespace, out: Any) -> int:
    from agents.interp.neurons import ablation_stream, neuron_vector_stream, neurons_stream

    ids = text_ids(loaded, args.text)
    layers = None if args.layer is None else [args.layer]
    await out.stream(neurons_stream(loaded, ids, layers, args.top))
    if (args.ablate or args.read) and args.layer is None:
        raise ValueError("--ablate and --read need --layer")
    if args.ablate:
        await out.stream(ablation_stream(loaded, ids, args.layer, args.ablate, args.mode))
    if args.read:
        await out.stream(neuron_vector_stream(loaded, args.layer, args.read))
    return out.code


async def run_patch(loaded: Any, args: argparse.Namespace, out: Any) -> int:
    from agents.interp.hooks import n_layers
    from agents.interp.patching import IDENTITY_PROMPT, patchscope_stream, sweep_stream

    ids, prompt = text_ids(loaded, args.text), args.target_prompt or IDENTITY_PROMPT
    if args.sweep:
        await out.stream(sweep_stream(loaded, ids, args.position, list(range(-1, n_layers(loaded.model))), prompt))
    else:
        await out.stream(patchscope_stream(loaded, ids, args.layer, args.position, args.target_layer, prompt))
    return out.code


def session_input(loaded: Any, session: str, message: str) -> InspectInput:
    from agents.interp.context import message_input
    from agents.session.library import read_session
    from agents.spec import TeamSpec

    log = read_session(session)
    done = [m for m in log.messages if m.finish_reason != "error"]
    if not done:
        raise ValueError(f"session {log.session_id} has no messages")
    message_id = done[-1].message_id if message == "last" else message
    team = None
    if log.header is not None:
        try:
            team = TeamSpec.model_validate(log.header.team)
        except ValueError:
            team = None
    return message_input(loaded, log.messages, message_id, log.task, team)


async def run_attribute(loaded: Any, args: argparse.Namespace, out: Any) -> int:
    from agents.interp.attribution import attribution_stream

    if args.session:
        inp, unit = session_input(loaded, args.session, args.message), args.unit or "speakers"
    elif args.text:
        ids = text_ids(loaded, args.text)
        inp, unit = (
            InspectInput(token_ids=tuple(ids), labels=token_labels(loaded.tokenizer, ids)),
            args.unit or "tokens",
        )
    else:
        raise ValueError("give a text, or --session (and --message)")
    method = "gradient x input" if args.method == "gradient" else "occlusion"
    await out.stream(attribution_stream(loaded, inp, method, unit))
    return out.code


async def run_sae(loaded: Any, args: argparse.Namespace, out: Any, corpus: list[str] | None = None) -> int:
    """Train, apply or report an SAE; ``corpus`` is the texts of --corpus (None: the shipped corpus)."""
    from agents.interp.sae import feature_report_stream, features_stream, load_sae
    from agents.interp.sae_train import SaeTrainSettings, corpus_rows, corpus_texts, train_stream

    if args.action == "train":
        settings = SaeTrainSettings(
            layer=args.layer, n_features=args.features, steps=args.steps, sparsity=args.sparsity
        )
        await out.stream(train_stream(loaded, settings, args.out, texts=corpus))
        return out.code
    sae = load_sae(args.sae, args.layer)
    if args.action == "features":
        await out.stream(features_stream(loaded, sae, text_ids(loaded, args.text), args.top))
        return out.code
    rows = corpus_rows(loaded, corpus_texts() if corpus is None else corpus)
    if not rows:
        raise ValueError(f"the corpus {args.corpus} has no tokens to report on")
    await out.stream(feature_report_stream(loaded, sae, rows, args.feature, args.top))  # None: selective ones
    return out.code
