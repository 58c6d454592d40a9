"""The tiny model for interpretability tests, with norms that are not the identity.

A freshly initialised Gemma norm is the identity (weight 0 in its 1 + w form), which would
hide a final norm applied twice; random norm weights make that mistake visible.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.tiny_model import build_tiny_model


def build_interp_model(folder: Path) -> Path:
    import torch
    from transformers import AutoModelForCausalLM

    build_tiny_model(folder)
    model = AutoModelForCausalLM.from_pretrained(str(folder), attn_implementation="eager")
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "norm" in name:
                param.copy_(torch.randn(param.shape, generator=generator) * 0.5)
    model.save_pretrained(folder)
    return folder


def load_plain(folder: Path, softcap: float | None = None):
    """A LoadedModel of its own (own worker thread), optionally with final-logit soft-capping."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from agents.llm.base import ModelIdentity
    from agents.llm.local_model import LoadedModel

    model = AutoModelForCausalLM.from_pretrained(str(folder), attn_implementation="eager").eval()
    model.config.final_logit_softcapping = softcap
    identity = ModelIdentity(
        ref=f"local:{folder}#cap{softcap}", name="tiny", backend="local", device="cpu", dtype="float32"
    )
    return LoadedModel.of(model, AutoTokenizer.from_pretrained(str(folder)), identity, context_tokens=512)
