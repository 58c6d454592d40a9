"""make_tool as a small model meets it: only the function (with a docstring) and a test; the
lab takes the name, the description and the arguments' schema from the function itself."""

from agents.tools.authored import ToolLibrary, library_path
from agents.tools.base import invoke
from agents.tools.builtins import builtin_registry
from agents.tools.make_tool import EXAMPLE, TEXT_EXAMPLE, complete_proposal, make_tool, signature_schema
from agents.tools.sandbox import SandboxLimits
from agents.tools.text_protocol import find_call, parse_call, tools_prompt

LIMITS = SandboxLimits(wall_s=10)


def maker(tmp_path):
    registry = builtin_registry()
    library = ToolLibrary(library_path(tmp_path / "team.json"))
    return library, registry, make_tool(library, registry, author="Smith", session="s1", limits=LIMITS)


async def test_the_worked_example_parses_saves_and_runs(tmp_path):
    library, registry, tool = maker(tmp_path)
    call = parse_call(EXAMPLE[1], {"make_tool": tool.spec})
    assert call.problem is None and set(call.arguments) == {"source", "test"}
    result = await invoke(tool, call.arguments)
    assert result.output == EXAMPLE[2]  # the example shows the real answer
    entry = library.latest()["add3"]
    assert entry.description == "Add three integers." and entry.author == "Smith"
    assert entry.parameters == {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}, "c": {"type": "integer"}},
        "required": ["a", "b", "c"],
    }
    assert (await invoke(registry.get("add3"), {"a": 2, "b": 3, "c": 4})).output == "9"


async def test_the_text_example_saves_and_runs_too(tmp_path):
    library, registry, tool = maker(tmp_path)
    call = parse_call(TEXT_EXAMPLE[1], {"make_tool": tool.spec})
    assert (await invoke(tool, call.arguments)).output == TEXT_EXAMPLE[2]
    assert library.latest()["shout"].parameters["properties"] == {"text": {"type": "string"}}
    assert (await invoke(registry.get("shout"), {"text": "ab"})).output == "AB"


def test_the_system_prompt_teaches_make_tool_with_the_example(tmp_path):
    _, _, tool = maker(tmp_path)
    prompt = tools_prompt([tool.spec], max_calls=4, speaker="Smith")
    assert "- make_tool(source, test): " in prompt
    for example in (EXAMPLE, TEXT_EXAMPLE):  # each request gives the value its test asserts
        assert f"User: {example[0]}\n\nSmith: <tool>{example[1]}</tool>\n<output>{example[2]}</output>" in prompt
    before, inside = find_call(f"Sure. <tool>{EXAMPLE[1]}</tool>")
    assert before == "Sure. " and inside == EXAMPLE[1]


def test_the_schema_comes_from_the_signature():
    import ast

    function = ast.parse("def f(text: str, n: int = 2, *, loud: bool = False, extra=None): pass").body[0]
    assert signature_schema(function) == {
        "type": "object",
        "properties": {"text": {"type": "string"}, "n": {"type": "integer"}, "loud": {"type": "boolean"}, "extra": {}},
        "required": ["text"],
    }


async def test_what_is_missing_goes_back_to_the_agent(tmp_path):
    library, _, tool = maker(tmp_path)
    bare = await invoke(tool, {"source": "def f(x):\n    return x", "test": "assert f(1) == 1"})
    assert "give f() a docstring" in bare.output and not bare.events[0].ok
    none = await invoke(tool, {"source": "x = 1", "test": "x"})
    assert "source must define a function" in none.output
    extra = await invoke(tool, {"source": "def f():\n    'a'", "test": "f()", "name": "g"})
    assert extra.kind == "bad_arguments"  # the name comes from the function itself
    broken = await invoke(tool, {"source": "def f(:", "test": "f()"})
    assert "does not parse" in broken.output
    assert not library.path.exists()


def test_the_last_function_is_the_tool_and_the_others_its_helpers():
    source = (
        "def _half(x):\n    return x / 2\n\ndef half(x: float) -> float:\n    'Half of a number.'\n    return _half(x)"
    )
    proposal = complete_proposal({"source": source, "test": "assert half(3) == 1.5"})
    assert isinstance(proposal, dict) and proposal["name"] == "half" and proposal["description"] == "Half of a number."
    assert proposal["parameters"]["properties"] == {"x": {"type": "number"}}


async def test_a_saved_tool_brings_a_worked_example_from_its_test(tmp_path):
    from agents.tools.authored import example_from_test

    _, registry, tool = maker(tmp_path)
    source = 'def shout(text: str) -> str:\n    "Upper-case a text."\n    return text.upper()'
    await invoke(tool, {"source": source, "test": "x = 1\nassert shout('hi') == 'HI'"})
    prompt = tools_prompt([registry.get("shout").spec], max_calls=2, speaker="Smith")
    assert "User: What is shout('hi')?\n\nSmith: <tool>shout('hi')</tool>\n<output>HI</output>" in prompt
    assert example_from_test("f", "assert f(2) == [1, 2]")[2] == "[1, 2]"  # a value as the tool prints it
    assert example_from_test("f", "assert f(1) == g(2)") is None and example_from_test("f", "assert f(") is None
