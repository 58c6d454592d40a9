"""The text protocol for base and small models: ``<tool>name(arguments)</tool>`` ends the
generation, the lab runs the call and appends ``<output>…</output>``, and the model continues.

This module is pure: reading a call out of generated text, and the system prompt that teaches
the protocol with worked examples. The turn loop that drives a provider is ``text_turn``.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Sequence
from typing import Any

from agents.tools.base import ToolSpec
from agents.tools.calls import ToolCall, new_call

OPEN, CLOSE = "<tool>", "</tool>"
OUTPUT = "<output>{text}</output>"
_CALL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\((.*)\)\s*$", re.DOTALL)
# What may follow a complete call inside the tags and be dropped: prose or a tag (a model that
# goes on "…). The lab runs the test." or invents "</output>"), never more code such as "+ 3".
_PROSE_AFTER = re.compile(r"[.,;:!?]*\s*(?:[A-Za-z<]|$)")
USAGE = 'write a call as <tool>name(arguments)</tool>, e.g. <tool>calculator("2+3")</tool>'
# Worked examples teach a base model the format better than any instruction. A small model
# copies what it sees, so a tool has two examples whose numbers differ (from each other and from
# any question), and the answer after the output states the result first.
Example = tuple[str, str, str, str]  # question, call, output, answer
EXAMPLES: dict[str, tuple[Example, ...]] = {
    "calculator": (
        ("What is 12*(3+4)?", 'calculator("12*(3+4)")', "84", "The answer is 84."),
        ("What is 58+7*61-209*3?", 'calculator("58+7*61-209*3")', "-142", "The answer is -142."),
    ),
    "python": (
        (
            "How many letters are in 'abracadabra'?",
            "python(\"print(len('abracadabra'))\")",
            "11",
            "'abracadabra' has 11 letters.",
        ),
    ),
    "search_files": (
        (
            "What did my notes say about the budget?",
            'search_files("budget")',
            "[notes.md] The budget for May is 300 euros.",
            "Your notes say the May budget is 300 euros.",
        ),
    ),
}


def find_call(text: str) -> tuple[str, str] | None:
    """(text before the call, the call's inside) when ``text`` contains a call, else None.

    Generation stops at ``</tool>``, so the call usually runs to the end of the text; anything a
    model wrote after a closing tag (an invented output) is dropped.
    """
    start = text.find(OPEN)
    if start < 0:
        return None
    inside = text[start + len(OPEN) :]
    end = inside.find(CLOSE)
    return text[:start], (inside if end < 0 else inside[:end])


def parse_call(inside: str, specs: dict[str, ToolSpec]) -> ToolCall:
    """A call from the text between the tags; a call that cannot be read has ``problem`` set."""
    raw = f"{OPEN}{inside}{CLOSE}"
    match = _CALL.match(inside)
    read = complete_call(inside) or ((match.group(1), match.group(2).strip()) if match else None)
    if read is None:
        return new_call("?", raw=raw, problem=f"could not read the call {inside.strip()[:80]!r}; {USAGE}")
    name, args_text = read
    spec = specs.get(name)
    if spec is None:  # reported as an unknown tool, with the list of known ones
        return new_call(name, raw=raw)
    try:
        arguments = parse_arguments(args_text, spec)
    except ValueError as exc:
        return new_call(name, raw=raw, problem=f"could not read the arguments of {name}: {exc}; {USAGE}")
    return new_call(name, arguments, raw=raw)


def complete_call(inside: str) -> tuple[str, str] | None:
    """(name, arguments' text) of the first complete Python call ``name(...)`` at the start of
    ``inside``, when only prose or a tag follows it; else None (the caller then reads the whole
    text, which keeps bare arguments such as ``search_files(budget notes)``)."""
    match = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(", inside)
    if match is None:
        return None
    for end in (i + 1 for i, char in enumerate(inside) if char == ")" and i >= match.end() - 1):
        try:
            node = ast.parse(inside[:end].strip(), mode="eval").body
        except SyntaxError:
            continue
        if isinstance(node, ast.Call) and _PROSE_AFTER.match(inside[end:]):
            return match.group(1), inside[match.end() : end - 1].strip()
        return None  # a complete expression followed by more code: not ours to guess
    return None


def _positional_names(spec: ToolSpec | None) -> list[str]:
    if spec is None:
        return []
    properties = list(spec.parameters.get("properties", {}))
    required = [p for p in spec.parameters.get("required", []) if p in properties]
    return required + [p for p in properties if p not in required]


def parse_arguments(text: str, spec: ToolSpec | None) -> dict[str, Any]:
    """Arguments written as a JSON object, as Python-style literals (``f("a", k=2)``), or, for a
    tool with one parameter, as the bare text (``calculator(2+3)``). Never evaluates code."""
    if not text:
        return {}
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid JSON ({exc.msg})") from None
        if not isinstance(value, dict):
            raise ValueError("the JSON arguments must be an object")
        return value
    names = _positional_names(spec)
    try:
        return _literal_arguments(text, names, spec)
    except (SyntaxError, ValueError) as exc:
        if len(names) == 1:
            return {names[0]: text}
        raise ValueError(str(exc) or "not a list of literal values") from None


def _literal_arguments(text: str, names: list[str], spec: ToolSpec | None) -> dict[str, Any]:
    source = f"f({text})"
    node = ast.parse(source, mode="eval").body
    assert isinstance(node, ast.Call)
    if len(node.args) > len(names):
        raise ValueError(f"{len(node.args)} positional arguments, the tool takes {len(names)}")
    pairs = list(zip(names, node.args))
    for keyword in node.keywords:
        if keyword.arg is None:
            raise ValueError("**arguments are not supported")
        pairs.append((keyword.arg, keyword.value))
    properties = spec.parameters.get("properties", {}) if spec else {}
    return {name: _value(source, value, properties.get(name, {})) for name, value in pairs}


def _value(source: str, node: ast.expr, schema: dict[str, Any]) -> Any:
    """A literal's value; for a string parameter, an expression written bare is its own text."""
    try:
        value = ast.literal_eval(node)
    except ValueError:
        if schema.get("type") != "string":
            raise
        return ast.get_source_segment(source, node)
    if schema.get("type") == "string" and not isinstance(value, str):
        return ast.get_source_segment(source, node)
    return value


def _signature(spec: ToolSpec) -> str:
    return f"{spec.name}({', '.join(_positional_names(spec))})"


def _examples(spec: ToolSpec, speaker: str) -> list[str]:
    """Worked examples in the transcript's own shape: after the output the speaker goes on,
    which is exactly how a continued turn is laid out for a base model."""
    examples = (
        spec.examples
        or EXAMPLES.get(spec.name)
        or (
            (
                f"(a question that needs {spec.name})",
                f"{spec.name}(...)",
                "(the result)",
                "(the answer, using the result)",
            ),
        )
    )
    return [
        f"User: {question}\n\n{speaker}: {OPEN}{call}{CLOSE}\n{OUTPUT.format(text=output)}\n\n{speaker}: {answer}\n"
        for question, call, output, answer in examples
    ]


def tools_prompt(specs: Sequence[ToolSpec], max_calls: int, speaker: str = "Assistant") -> str:
    """The system text that explains the tools and the protocol, with a worked example each."""
    lines = [
        f"You can use tools. To use one, write {OPEN}name(arguments){CLOSE} and stop. The result comes back "
        f"as <output>...</output>; then continue your answer using it. At most {max_calls} tool calls per turn.",
        "Tools:",
        *(f"- {_signature(s)}: {s.description}" for s in specs),
        "Examples:",
        *(example for s in list(specs)[:3] for example in _examples(s, speaker)),
    ]
    return "\n".join(lines)


def output_block(text: str) -> str:
    """What follows a call in the transcript: the closing tag and the result."""
    return f"{CLOSE}\n{OUTPUT.format(text=text)}\n"
