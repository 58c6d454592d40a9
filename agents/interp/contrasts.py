"""Contrastive prompt sets: two lists of texts that differ in one behaviour, plus what it
takes to test a steering vector found from them (neutral prompts, a prompting baseline, a
probe and marker tokens). Shipped sets live in ``assets/contrasts/*.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class ContrastSet:
    name: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    title: str = ""
    positive_label: str = "positive"
    negative_label: str = "negative"
    # Neutral openings to generate from, unsteered, steered and prompted.
    eval_prompts: tuple[str, ...] = ()
    # The prompting baseline: text put before a prompt asking for each side's behaviour.
    instructions: dict[str, str] = field(default_factory=dict)
    # Marker scoring: after the text, ``probe``; log p(positive markers) - log p(negative).
    probe: str = ""
    markers: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def check(self) -> ContrastSet:
        for side, texts in (("positive", self.positive), ("negative", self.negative)):
            kept = [t for t in texts if t.strip()]
            if not kept:
                raise ValueError(f"the {side} set of '{self.name}' is empty: a direction needs prompts on both sides")
            if len(kept) < 2:
                raise ValueError(f"the {side} set of '{self.name}' has one prompt; at least 2 a side are needed")
        return self


def from_dict(data: dict, name: str = "custom") -> ContrastSet:
    markers = {side: tuple(words) for side, words in (data.get("markers") or {}).items()}
    return ContrastSet(
        name=str(data.get("name", name)),
        title=str(data.get("title", "")),
        positive=tuple(str(t) for t in data.get("positive", ())),
        negative=tuple(str(t) for t in data.get("negative", ())),
        positive_label=str(data.get("positive_label", "positive")),
        negative_label=str(data.get("negative_label", "negative")),
        eval_prompts=tuple(str(t) for t in data.get("eval_prompts", ())),
        instructions=dict(data.get("instructions") or {}),
        probe=str(data.get("probe", "")),
        markers=markers,
    ).check()


def shipped_names() -> list[str]:
    folder = resources.files("assets") / "contrasts"
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))


def load_contrast(name_or_path: str) -> ContrastSet:
    """A shipped set by name ("sentiment") or a JSON file by path."""
    path = Path(name_or_path)
    if path.suffix == ".json" and path.exists():
        return from_dict(json.loads(path.read_text(encoding="utf-8")), path.stem)
    names = shipped_names()
    if name_or_path not in names:
        raise ValueError(f"no contrast set '{name_or_path}': shipped sets are {', '.join(names)}, or give a .json path")
    text = (resources.files("assets") / "contrasts" / f"{name_or_path}.json").read_text(encoding="utf-8")
    return from_dict(json.loads(text), name_or_path)
