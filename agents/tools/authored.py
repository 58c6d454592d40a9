"""Tools the agents write, as data (source + schema + test + author + session) in the team's
tool library, a versioned JSON file beside the team file; how a proposal is checked and tested.
Saved tools run only in the sandbox, never in the lab's own process. The ``make_tool``
capability that writes them is ``agents.tools.make_tool``.
"""

from __future__ import annotations

import ast
import json
import re
import time
from pathlib import Path
from typing import Any

from pydantic import Field

from agents.events import Record
from agents.paths import data_dir
from agents.tools.base import Tool, ToolError, ToolSpec, check_schema, is_valid_name
from agents.tools.sandbox import SandboxLimits, describe, run_python

LIBRARY_VERSION = 1
TEST_PASSED = "__agora_test_passed__"
CALL_SNIPPET = """
import json as _json, sys as _sys
_result = {name}(**_json.loads(_sys.stdin.read()))
print(_result if isinstance(_result, str) else _json.dumps(_result))
"""


class AuthoredTool(Record):
    name: str
    version: int = Field(ge=1)
    description: str
    parameters: dict[str, Any]
    source: str
    test: str
    author: str
    session: str | None = None
    created: float = Field(default_factory=time.time)


class LibraryFile(Record):
    version: int = LIBRARY_VERSION
    tools: tuple[AuthoredTool, ...] = ()  # every version ever saved; the newest per name is live


def library_path(team_file: str | Path) -> Path:
    team_file = Path(team_file)
    return team_file.with_name(f"{team_file.stem}.tools.json")


def library_tool_names(team_file: str | Path) -> list[str]:
    """The tools saved beside a team file; none when there is no library or it cannot be read
    (a damaged library must not stop the team from loading)."""
    try:
        return sorted(ToolLibrary(library_path(team_file)).latest())
    except (OSError, ValueError):
        return []


def unsaved_team_library(team_name: str) -> Path:
    """The library of a team that has no file yet (a template, an unsaved canvas)."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", team_name).strip("-") or "team"
    return data_dir() / "tool-libraries" / f"{slug}.tools.json"


class ToolLibrary:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def load(self) -> LibraryFile:
        if not self.path.exists():
            return LibraryFile()
        data = json.loads(self.path.read_text(encoding="utf-8"))
        if data.get("version", LIBRARY_VERSION) > LIBRARY_VERSION:
            raise ValueError(f"{self.path}: tool library version {data['version']} is newer than this Agora Lab")
        return LibraryFile.model_validate(data)

    def latest(self) -> dict[str, AuthoredTool]:
        newest: dict[str, AuthoredTool] = {}
        for entry in self.load().tools:
            if entry.name not in newest or entry.version > newest[entry.name].version:
                newest[entry.name] = entry
        return newest

    def save(self, entry: AuthoredTool) -> AuthoredTool:
        current = self.load()
        version = 1 + max((t.version for t in current.tools if t.name == entry.name), default=0)
        entry = entry.model_copy(update={"version": version})
        self._write(LibraryFile(tools=current.tools + (entry,)))
        return entry

    def delete(self, name: str) -> bool:
        current = self.load()
        kept = tuple(t for t in current.tools if t.name != name)
        if len(kept) == len(current.tools):
            return False
        self._write(LibraryFile(tools=kept))
        return True

    def _write(self, library: LibraryFile) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(library.model_dump_json(indent=2), encoding="utf-8")
        temporary.replace(self.path)  # a crash mid-write never leaves half a library


def validate_tool(name: str, parameters: Any, source: str, test: str) -> str | None:
    """None when the proposal can be tested, else what is wrong with it."""
    if not is_valid_name(name):
        return f"{name!r} is not a valid tool name (letters, digits, _ and -, starting with a letter)"
    if (problem := check_schema(parameters)) is not None:
        return problem
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return f"the source does not parse: line {exc.lineno}: {exc.msg}"
    function = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name), None)
    if function is None:
        return f"the source must define a top-level function named {name}"
    accepted = {a.arg for a in function.args.args + function.args.kwonlyargs}
    missing = [p for p in parameters.get("properties", {}) if p not in accepted and function.args.kwarg is None]
    if missing:
        return f"the schema's parameters {missing} are not arguments of {name}()"
    if not test.strip():
        return "a test is required (Python code with asserts that call the function)"
    return None


async def run_test(source: str, test: str, limits: SandboxLimits) -> str | None:
    """None when the test passes in the sandbox, else the sandbox's report."""
    result = await run_python(f"{source}\n\n{test}\n\nprint({TEST_PASSED!r})", limits)
    if result.ok and TEST_PASSED in result.stdout:
        return None
    return describe(result, limits)


def example_from_test(name: str, test: str) -> tuple[str, str, str, str] | None:
    """A worked example from the tool's own test (``assert name(args) == value``): the call it
    makes and the value it expects, as the text protocol shows it. None when no assert has
    that shape with a literal value."""
    try:
        tree = ast.parse(test)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare)):
            continue
        left, ops, right = node.test.left, node.test.ops, node.test.comparators
        if isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and left.func.id == name:
            if len(ops) == 1 and isinstance(ops[0], ast.Eq):
                try:
                    value = ast.literal_eval(right[0])
                except ValueError:
                    continue
                call = ast.get_source_segment(test, left) or ""
                output = value if isinstance(value, str) else json.dumps(value)
                return f"What is {call}?", call, output, f"{call} is {output}."
    return None


def authored_tool(entry: AuthoredTool, limits: SandboxLimits | None = None) -> Tool:
    limits = limits or SandboxLimits()

    async def run(arguments: dict[str, Any]) -> str:
        result = await run_python(entry.source + CALL_SNIPPET.format(name=entry.name), limits, json.dumps(arguments))
        if not result.ok:
            raise ToolError("timeout" if result.timed_out else "raised", describe(result, limits))
        return result.stdout.rstrip("\n")

    spec = ToolSpec(
        name=entry.name,
        description=entry.description,
        parameters=entry.parameters,
        origin="authored",
        examples=tuple(e for e in (example_from_test(entry.name, entry.test),) if e is not None),
    )
    return Tool(spec, run, time_limit_s=limits.wall_s + 5)


def load_library_tools(library: ToolLibrary, limits: SandboxLimits | None = None) -> list[Tool]:
    return [authored_tool(entry, limits) for entry in library.latest().values()]
