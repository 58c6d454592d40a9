import asyncio

from agents.events import Notice
from agents.tools.base import Tool, ToolError, ToolOutput, ToolSpec, argument_problems, check_schema, invoke, truncate

SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"], "additionalProperties": False}


def tool(runner, **kw) -> Tool:
    return Tool(ToolSpec(name="t", description="test tool", parameters=SCHEMA), runner, **kw)


def test_truncate_marks_what_was_dropped():
    text, cut = truncate("x" * 100, 10)
    assert cut and text.startswith("x" * 10) and "90 of 100 characters not shown" in text
    assert truncate("short", 10) == ("short", False)


def test_schema_checks():
    assert check_schema(SCHEMA) is None
    assert "type" in check_schema({"type": "string"})
    assert "invalid JSON Schema" in check_schema({"type": "object", "properties": {"a": {"type": 12}}})
    assert "required" in argument_problems(SCHEMA, {})
    assert "'x' is not of type 'integer'" in argument_problems(SCHEMA, {"n": "x"})


async def test_bad_arguments_never_reach_the_runner():
    called = []

    async def run(args):
        called.append(args)
        return "ran"

    result = await invoke(tool(run), {"n": 1, "extra": 2})
    assert not result.ok and result.kind == "bad_arguments" and "extra" in result.message
    assert called == []


async def test_a_tool_that_raises_is_a_result():
    async def run(args):
        raise RuntimeError("kaput")

    result = await invoke(tool(run), {"n": 1})
    assert result.kind == "raised" and "RuntimeError: kaput" in result.message


async def test_a_tool_error_keeps_its_kind():
    async def run(args):
        raise ToolError("unavailable", "no folder")

    result = await invoke(tool(run), {"n": 1})
    assert (result.kind, result.message) == ("unavailable", "no folder")


async def test_a_tool_that_never_returns_times_out():
    async def run(args):
        await asyncio.Event().wait()  # nobody ever sets it

    result = await invoke(tool(run, time_limit_s=0.05), {"n": 1})
    assert result.kind == "timeout" and "0.05 s" in result.message


async def test_fifty_megabytes_of_output_is_cut_with_a_marker():
    async def run(args):
        return "y" * 50_000_000

    result = await invoke(tool(run, output_limit=1000), {"n": 1})
    assert result.ok and result.truncated and len(result.output) < 1200 and "not shown" in result.output


async def test_a_runner_may_add_events():
    async def run(args):
        return ToolOutput("done", (Notice(text="side"),))

    result = await invoke(tool(run), {"n": 1})
    assert result.output == "done" and result.events[0].text == "side"


async def test_a_broken_schema_is_an_error_not_a_crash():
    async def run(args):
        return "ran"

    broken = Tool(
        ToolSpec(name="t", description="d", parameters={"type": "object", "properties": {"a": {"type": 5}}}), run
    )
    result = await invoke(broken, {"a": 1})
    assert result.kind == "unavailable" and "unusable parameters schema" in result.message
