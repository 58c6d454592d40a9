"""A tool: a record (name, description, JSON-Schema parameters) plus an async runner that is
held to a time limit and an output limit. ``invoke`` is the one place a tool is run.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import jsonschema
from pydantic import Field

from agents.events import Record
from agents.tools.events import ToolErrorKind, ToolPolicy

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
DEFAULT_TIME_LIMIT_S = 10.0
DEFAULT_OUTPUT_LIMIT = 8000  # characters a model reads back; more is cut with a marker
TRUNCATION_MARKER = "\n[… output truncated: {dropped} of {total} characters not shown …]"
EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}

Runner = Callable[[dict[str, Any]], Awaitable["str | ToolOutput"]]
Origin = Literal["builtin", "mcp", "authored", "agent"]


class ToolError(Exception):
    """A failure a runner reports on purpose; its kind becomes the ToolCallFailed kind."""

    def __init__(self, kind: ToolErrorKind, message: str):
        super().__init__(message)
        self.kind: ToolErrorKind = kind
        self.message = message


@dataclass(frozen=True)
class ToolOutput:
    """A runner's result with events of its own (``make_tool`` reports the saved tool)."""

    text: str
    events: tuple[Any, ...] = ()


class ToolSpec(Record):
    name: str = Field(pattern=NAME_PATTERN)
    description: str = Field(min_length=1)
    parameters: dict[str, Any] = EMPTY_SCHEMA
    origin: Origin = "builtin"
    policy: ToolPolicy = "run"  # the default; a team or settings may override it per tool
    # Worked examples for the text protocol's prompt (question, call, output, answer), for tools
    # that bring their own: make_tool, and an agent-written tool (taken from its test).
    examples: tuple[tuple[str, str, str, str], ...] = ()


@dataclass(frozen=True)
class Tool:
    spec: ToolSpec
    runner: Runner
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    output_limit: int = DEFAULT_OUTPUT_LIMIT

    @property
    def name(self) -> str:
        return self.spec.name


class ToolResult(Record):
    ok: bool
    output: str = ""
    kind: ToolErrorKind | None = None
    message: str = ""
    truncated: bool = False
    duration_s: float = 0.0
    events: tuple[Any, ...] = ()  # the runner's own events, passed on before the outcome


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """Cut ``text`` to ``limit`` characters plus a marker saying how much was dropped."""
    if len(text) <= limit:
        return text, False
    return text[:limit] + TRUNCATION_MARKER.format(dropped=len(text) - limit, total=len(text)), True


def check_schema(schema: Any) -> str | None:
    """None when ``schema`` is a usable parameters schema (a JSON-Schema object), else why not."""
    if not isinstance(schema, dict):
        return "the parameters schema must be a JSON object"
    if schema.get("type") != "object":
        return 'the parameters schema must have "type": "object"'
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return f"invalid JSON Schema: {exc.message}"
    return None


def argument_problems(schema: dict[str, Any], arguments: Any) -> str | None:
    """None when ``arguments`` satisfy ``schema``, else one readable line per problem."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(arguments), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    return "; ".join(f"{'.'.join(str(p) for p in e.absolute_path) or 'arguments'}: {e.message}" for e in errors)


def is_valid_name(name: str) -> bool:
    return re.match(NAME_PATTERN, name) is not None


async def invoke(tool: Tool, arguments: Any) -> ToolResult:
    """Validate, run within the time limit, cut to the output limit. Never raises (but cancels)."""
    started = time.perf_counter()

    def failed(kind: ToolErrorKind, message: str) -> ToolResult:
        return ToolResult(ok=False, kind=kind, message=message, duration_s=time.perf_counter() - started)

    try:
        problems = argument_problems(tool.spec.parameters, arguments)
    except (jsonschema.SchemaError, TypeError) as exc:  # a server may publish a schema that is not one
        return failed("unavailable", f"{tool.name} has an unusable parameters schema: {exc}")
    if problems is not None:
        return failed("bad_arguments", problems)
    try:
        output = await asyncio.wait_for(tool.runner(arguments), tool.time_limit_s)
    except ToolError as exc:
        return failed(exc.kind, exc.message)
    except TimeoutError:
        return failed("timeout", f"{tool.name} did not finish within {tool.time_limit_s:g} s")
    except Exception as exc:  # a tool's own bug becomes a result the model reads, not a crash
        return failed("raised", f"{tool.name} raised {type(exc).__name__}: {exc}")
    extra = output.events if isinstance(output, ToolOutput) else ()
    text, cut = truncate(output.text if isinstance(output, ToolOutput) else str(output), tool.output_limit)
    return ToolResult(ok=True, output=text, truncated=cut, duration_s=time.perf_counter() - started, events=extra)
