"""``make_tool``: an agent writes a tool. It gives a Python function (with a docstring) and a
test, nothing else: the function already says the tool's name, its description (the docstring)
and its arguments' JSON Schema (the signature), so the lab takes them from there, validates
them, runs the test in the sandbox and saves the tool to the team's library on success.
Failures go back to the agent.

Two fields only, so that a small base model has as little as possible to get right: ``make_tool(\"\"\"def add3(a: int, b: int, c: int) -> int: ...\"\"\", "assert add3(1, 2, 3) == 6")``.
"""

from __future__ import annotations

import ast
from typing import Any

from agents.tools.authored import AuthoredTool, ToolLibrary, authored_tool, run_test, validate_tool
from agents.tools.base import Tool, ToolOutput, ToolSpec
from agents.tools.events import ToolAuthored
from agents.tools.registry import ToolRegistry
from agents.tools.sandbox import SandboxLimits

MAKE_TOOL_SCHEMA = {
    "type": "object",
    "properties": {
        "source": {"type": "string", "description": "Python source of the function, with a docstring"},
        "test": {"type": "string", "description": "Python code with asserts that call the function"},
    },
    "required": ["source", "test"],
    "additionalProperties": False,
}
# Worked examples for the text protocol: (question, call, output, answer). A base model copies
# the shape of what it has seen, so each is the whole recipe in one call, and two that differ (a
# number tool, a text tool) teach the shape rather than one example's types. Each request gives an
# example value, as a user would, and the test asserts exactly that: a 270M base model copies the
# values it was given into its assert, where asked to invent them it wrote `f(1, 2) == 3`.
EXAMPLE = (
    "Make a tool that adds three numbers, for example add3(1, 2, 3) is 6.",
    'make_tool("""def add3(a: int, b: int, c: int) -> int:\n'
    '    "Add three integers."\n'
    '    return a + b + c""", "assert add3(1, 2, 3) == 6")',
    "saved add3 (version 1); you can call it now",
    "I made the tool add3.",
)
TEXT_EXAMPLE = (
    "Make a tool that upper-cases a text, for example shout('hi') is 'HI'.",
    'make_tool("""def shout(text: str) -> str:\n'
    '    "Upper-case a text."\n'
    '    return text.upper()""", "assert shout(\'hi\') == \'HI\'")',
    "saved shout (version 1); you can call it now",
    "I made the tool shout.",
)
DESCRIPTION = (
    "Write a new tool from one Python function with a docstring and a test with asserts. "
    "The lab runs the test in a sandbox and saves the tool if it passes; then you can call it."
)
_JSON_TYPES = {
    "int": "integer",
    "float": "number",
    "str": "string",
    "bool": "boolean",
    "list": "array",
    "dict": "object",
}


def _functions(source: str) -> list[ast.FunctionDef] | str:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return f"the source does not parse: line {exc.lineno}: {exc.msg}"
    return [node for node in tree.body if isinstance(node, ast.FunctionDef)]


def signature_schema(function: ast.FunctionDef) -> dict[str, Any]:
    """The JSON Schema of a function's arguments, from its annotations (none: any value);
    arguments without a default are required."""
    args = function.args.args + function.args.kwonlyargs
    defaults = len(function.args.defaults)
    optional = {a.arg for a in function.args.args[len(function.args.args) - defaults :]} if defaults else set()
    optional |= {a.arg for a, d in zip(function.args.kwonlyargs, function.args.kw_defaults) if d is not None}
    properties: dict[str, Any] = {}
    for arg in args:
        kind = _JSON_TYPES.get(arg.annotation.id) if isinstance(arg.annotation, ast.Name) else None
        properties[arg.arg] = {"type": kind} if kind else {}
    return {"type": "object", "properties": properties, "required": [a.arg for a in args if a.arg not in optional]}


def complete_proposal(arguments: dict[str, Any]) -> dict[str, Any] | str:
    """The five fields of a tool, from its source and test; or what is missing, in words. The
    tool is the source's last top-level function (any before it are its helpers)."""
    source, test = str(arguments.get("source", "")), str(arguments.get("test", ""))
    functions = _functions(source)
    if isinstance(functions, str):
        return functions
    if not functions:
        return "source must define a function (def name(arguments): ...)"
    function = functions[-1]
    description = ast.get_docstring(function)
    if not description:
        return f"give {function.name}() a docstring: one line saying what it does (it becomes the tool's description)"
    return {
        "name": function.name,
        "description": description.strip().splitlines()[0],
        "parameters": signature_schema(function),
        "source": source,
        "test": test,
    }


class ToolMaker:
    """The ``make_tool`` capability of one author: a saved tool joins ``registry`` at once."""

    def __init__(
        self, library: ToolLibrary, registry: ToolRegistry, author: str, session: str | None, limits: SandboxLimits
    ):
        self.library, self.registry, self.author, self.session, self.limits = library, registry, author, session, limits

    def _event(self, name: str, ok: bool, message: str, version: int | None = None) -> ToolAuthored:
        return ToolAuthored(
            name=name,
            author=self.author,
            session=self.session,
            ok=ok,
            version=version,
            message=message,
            library=str(self.library.path),
        )

    async def problem(self, proposal: dict[str, Any]) -> str | None:
        name = proposal["name"]
        existing = self.registry.get(name)
        if existing is not None and existing.spec.origin != "authored":
            return f"{name} is already a {existing.spec.origin} tool; choose another name"
        problem = validate_tool(name, proposal["parameters"], proposal["source"], proposal["test"])
        if problem is not None:
            return problem
        failure = await run_test(proposal["source"], proposal["test"], self.limits)
        return None if failure is None else f"the test failed:\n{failure}"

    async def __call__(self, arguments: dict[str, Any]) -> ToolOutput:
        proposal = complete_proposal(arguments)
        if isinstance(proposal, str):
            return ToolOutput(f"error: the tool was not saved: {proposal}", (self._event("?", False, proposal),))
        name = proposal["name"]
        problem = await self.problem(proposal)
        if problem is not None:
            return ToolOutput(f"error: the tool was not saved: {problem}", (self._event(name, False, problem),))
        entry = self.library.save(AuthoredTool(version=1, author=self.author, session=self.session, **proposal))
        self.registry.add(authored_tool(entry, self.limits), replace=True)
        event = self._event(name, True, "the test passed; the tool is saved", entry.version)
        return ToolOutput(f"saved {name} (version {entry.version}); you can call it now", (event,))


def make_tool(
    library: ToolLibrary,
    registry: ToolRegistry,
    author: str,
    session: str | None = None,
    limits: SandboxLimits | None = None,
) -> Tool:
    """The ``make_tool`` tool for ``author``; what it saves is callable in the same run."""
    limits = limits or SandboxLimits()
    spec = ToolSpec(
        name="make_tool",
        description=DESCRIPTION,
        parameters=MAKE_TOOL_SCHEMA,
        origin="builtin",
        examples=(EXAMPLE, TEXT_EXAMPLE),
    )
    return Tool(spec, ToolMaker(library, registry, author, session, limits), time_limit_s=limits.wall_s + 10)
