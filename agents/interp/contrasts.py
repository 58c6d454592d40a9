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


MAX_PROMPT_CHARS = 1000  # a contrast prompt is a sentence or two
MAX_PROMPTS = 500  # a side; each is one forward pass when directions are found
# Neutral openings for a typed set that brings no evaluation prompts of its own.
NEUTRAL_PROMPTS = (
    "I think that",
    "Here is what happened yesterday:",
    "My friend told me",
    "The best thing about this city is",
    "Bob: What do you make of the new plan? Alice:",
)
PAIRS_HELP = (
    "One pair a line: positive text | negative text. A line may also start with + (positive only), "
    "- (negative only) or ? (a prompt to generate from); # starts a comment."
)


def _texts(data: dict, key: str, required: bool = True) -> tuple[str, ...]:
    """``data[key]`` as texts, or a ValueError naming the key and the item that is not one."""
    value = data.get(key, [] if not required else None)
    if value is None:
        raise ValueError(f"'{key}' is missing: a contrast set needs 'positive' and 'negative' lists of texts")
    if not isinstance(value, list):
        raise ValueError(f"'{key}' must be a list of texts, not {type(value).__name__}")
    for i, text in enumerate(value):
        if not isinstance(text, str):
            raise ValueError(f"{key}[{i}] is {type(text).__name__}, not a text")
        if len(text) > MAX_PROMPT_CHARS:
            raise ValueError(f"{key}[{i}] has {len(text)} characters; a prompt may have at most {MAX_PROMPT_CHARS}")
    if len(value) > MAX_PROMPTS:
        raise ValueError(f"'{key}' has {len(value)} texts; at most {MAX_PROMPTS} a side")
    return tuple(value)


def from_dict(data: dict, name: str = "custom") -> ContrastSet:
    if not isinstance(data, dict):
        raise ValueError("a contrast set is a JSON object with 'positive' and 'negative' lists of texts")
    markers = {} if data.get("markers") is None else data["markers"]
    instructions = {} if data.get("instructions") is None else data["instructions"]
    if not isinstance(markers, dict) or not isinstance(instructions, dict):
        raise ValueError("'markers' and 'instructions' are objects keyed by 'positive' and 'negative'")
    return ContrastSet(
        name=str(data.get("name", name)),
        title=str(data.get("title", "")),
        positive=_texts(data, "positive"),
        negative=_texts(data, "negative"),
        positive_label=str(data.get("positive_label", "positive")),
        negative_label=str(data.get("negative_label", "negative")),
        eval_prompts=_texts(data, "eval_prompts", required=False),
        instructions={str(k): str(v) for k, v in instructions.items()},
        probe=str(data.get("probe", "")),
        markers={side: _texts(markers, side, required=False) for side in markers},
    ).check()


def to_dict(contrast: ContrastSet) -> dict:
    """The set as a contrast .json holds it (what ``from_dict`` reads back)."""
    data = {
        "name": contrast.name,
        "title": contrast.title,
        "positive_label": contrast.positive_label,
        "negative_label": contrast.negative_label,
        "positive": list(contrast.positive),
        "negative": list(contrast.negative),
        "eval_prompts": list(contrast.eval_prompts),
        "instructions": dict(contrast.instructions),
        "probe": contrast.probe,
        "markers": {side: list(words) for side, words in contrast.markers.items()},
    }
    return {k: v for k, v in data.items() if v or k in ("positive", "negative")}


def save_contrast(contrast: ContrastSet, path: Path) -> Path:
    path.write_text(json.dumps(to_dict(contrast.check()), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _pair_line(number: int, line: str) -> tuple[str, str, str]:
    """One typed line as (kind, first, second); kind is pair, positive, negative or prompt."""
    marks = {"+": "positive", "-": "negative", "?": "prompt"}
    if line[0] in marks and (len(line) == 1 or line[1] == " "):
        text = line[1:].strip()
        if not text:
            raise ValueError(f"line {number}: '{line[0]}' is followed by no text")
        return marks[line[0]], text, ""
    if "|" not in line:
        raise ValueError(f"line {number}: no '|' between the two sides. {PAIRS_HELP}")
    first, second = (side.strip() for side in line.split("|", 1))
    if "|" in second:
        raise ValueError(f"line {number}: more than one '|'; a pair has two sides")
    if not first or not second:
        side = "positive" if not first else "negative"
        raise ValueError(f"line {number}: the {side} side is empty (use '+' or '-' for a one-sided line)")
    if first == second:
        raise ValueError(f"line {number}: both sides are the same text, so the pair shows no contrast")
    return "pair", first, second


def parse_pairs(text: str, name: str = "custom") -> ContrastSet:
    """A set typed by a person (see PAIRS_HELP); a ValueError names the line and its problem."""
    sides: dict[str, list[str]] = {"positive": [], "negative": [], "prompt": []}
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if len(line) > 2 * MAX_PROMPT_CHARS:
            raise ValueError(f"line {number} has {len(line)} characters; a prompt may have at most {MAX_PROMPT_CHARS}")
        kind, first, second = _pair_line(number, line)
        placed = {"pair": [("positive", first), ("negative", second)]}.get(kind, [(kind, first)])
        for side, item in placed:
            if (side, item) in seen:
                raise ValueError(f"line {number}: {item!r} repeats line {seen[(side, item)]} on the {side} side")
            seen[(side, item)] = number
            sides[side].append(item)
    if not any(sides.values()):
        raise ValueError(f"no pairs were typed. {PAIRS_HELP}")
    return from_dict(
        {
            "name": name,
            "positive": sides["positive"],
            "negative": sides["negative"],
            "eval_prompts": sides["prompt"] or list(NEUTRAL_PROMPTS),
        },
        name,
    )


def shipped_names() -> list[str]:
    folder = resources.files("assets") / "contrasts"
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))


def read_contrast_file(path: Path) -> ContrastSet:
    """A contrast .json, or typed pairs in a .txt file; errors name the file."""
    path = path.expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"no contrast file at {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    try:
        if path.suffix == ".txt":
            return parse_pairs(text, path.stem)
        return from_dict(json.loads(text), path.stem)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from None


def load_contrast(name_or_path: str) -> ContrastSet:
    """A shipped set by name ("sentiment"), a contrast .json or typed pairs in a .txt file."""
    if name_or_path.endswith((".json", ".txt")):
        return read_contrast_file(Path(name_or_path))
    names = shipped_names()
    if name_or_path not in names:
        raise ValueError(
            f"no contrast set '{name_or_path}': shipped sets are {', '.join(names)}, or give a .json or .txt path"
        )
    text = (resources.files("assets") / "contrasts" / f"{name_or_path}.json").read_text(encoding="utf-8")
    return from_dict(json.loads(text), name_or_path)
