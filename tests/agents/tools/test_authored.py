import json

from agents.tools.authored import ToolLibrary, library_path, load_library_tools, validate_tool
from agents.tools.base import invoke
from agents.tools.builtins import builtin_registry
from agents.tools.events import ToolAuthored
from agents.tools.make_tool import make_tool
from agents.tools.sandbox import SandboxLimits

LIMITS = SandboxLimits(wall_s=10)
SOURCE = 'def word_count(text: str):\n    """Count the words in a text."""\n    return len(text.split())\n'
SCHEMA = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}
PROPOSAL = {"source": SOURCE, "test": "assert word_count('a b c') == 3"}


def setup(tmp_path):
    library = ToolLibrary(library_path(tmp_path / "team.json"))
    registry = builtin_registry()
    return library, registry, make_tool(library, registry, author="Alice", session="s1", limits=LIMITS)


async def test_a_tested_tool_is_saved_and_callable_at_once(tmp_path):
    library, registry, tool = setup(tmp_path)
    result = await invoke(tool, PROPOSAL)
    assert result.ok and "saved word_count (version 1)" in result.output
    event = result.events[0]
    assert isinstance(event, ToolAuthored) and event.ok and event.author == "Alice" and event.session == "s1"
    assert library.path.name == "team.tools.json"
    saved = json.loads(library.path.read_text())["tools"][0]
    assert saved["source"] == SOURCE and saved["test"] == PROPOSAL["test"] and saved["parameters"] == SCHEMA
    called = await invoke(registry.get("word_count"), {"text": "one two"})
    assert called.output == "2"


async def test_a_later_session_loads_the_library(tmp_path):
    library, _, tool = setup(tmp_path)
    await invoke(tool, PROPOSAL)
    await invoke(tool, PROPOSAL | {"test": "assert word_count('') == 0"})
    assert [t.version for t in library.load().tools] == [1, 2]
    tools = load_library_tools(ToolLibrary(library.path), LIMITS)
    assert [t.name for t in tools] == ["word_count"] and tools[0].spec.origin == "authored"
    assert (await invoke(tools[0], {"text": "x y z"})).output == "3"
    assert library.delete("word_count") and library.latest() == {}


async def test_a_failing_test_is_reported_and_nothing_is_saved(tmp_path):
    library, registry, tool = setup(tmp_path)
    result = await invoke(tool, PROPOSAL | {"test": "assert word_count('a b') == 3"})
    assert result.ok and result.output.startswith("error: the tool was not saved: the test failed")
    assert "AssertionError" in result.output and not result.events[0].ok
    assert not library.path.exists() and "word_count" not in registry


async def test_the_test_runs_in_the_sandbox(tmp_path):
    _, _, tool = setup(tmp_path)
    result = await invoke(tool, PROPOSAL | {"test": "import socket\nsocket.socket()"})
    assert "sandbox:" in result.output and "not saved" in result.output


async def test_a_builtin_name_cannot_be_taken(tmp_path):
    _, _, tool = setup(tmp_path)
    result = await invoke(tool, PROPOSAL | {"source": "def calculator(x):\n    'Mine.'\n    return x"})
    assert "already a builtin tool" in result.output


def test_validation_messages():
    assert "not a valid tool name" in validate_tool("2x", SCHEMA, SOURCE, "t")
    assert "type" in validate_tool("word_count", {"type": "array"}, SOURCE, "t")
    assert "does not parse" in validate_tool("word_count", SCHEMA, "def (", "t")
    assert "top-level function named word_count" in validate_tool("word_count", SCHEMA, "x = 1", "t")
    wrong = {"type": "object", "properties": {"words": {"type": "string"}}}
    assert "not arguments" in validate_tool("word_count", wrong, SOURCE, "t")
    assert "test is required" in validate_tool("word_count", SCHEMA, SOURCE, " ")
    assert validate_tool("word_count", SCHEMA, SOURCE, "assert True") is None
