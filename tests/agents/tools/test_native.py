import json

from openai.types.chat import ChatCompletionChunk

from agents.tools.calculator import SPEC
from agents.tools.native import ToolCallDeltas, assistant_message, calls_from_message, openai_tools, tool_message


def test_tools_parameter():
    assert openai_tools([SPEC]) == [
        {
            "type": "function",
            "function": {"name": "calculator", "description": SPEC.description, "parameters": SPEC.parameters},
        }
    ]


def test_parallel_calls_streamed_in_pieces():
    deltas = ToolCallDeltas()
    deltas.add([{"index": 0, "id": "c0", "function": {"name": "calculator", "arguments": ""}}])
    deltas.add([{"index": 1, "id": "c1", "function": {"name": "calc", "arguments": '{"expr'}}])
    deltas.add(
        [
            {"index": 0, "function": {"arguments": '{"expression": "1+'}},
            {"index": 1, "function": {"name": "ulator", "arguments": 'ession": "2"}'}},
        ]
    )
    deltas.add([{"index": 0, "function": {"arguments": '2"}'}}])
    calls = deltas.calls()
    assert [(c.call_id, c.tool, c.arguments) for c in calls] == [
        ("c0", "calculator", {"expression": "1+2"}),
        ("c1", "calculator", {"expression": "2"}),
    ]
    assert all(c.problem is None for c in calls)


def test_openai_chunk_objects():
    chunk = ChatCompletionChunk.model_validate(
        {
            "id": "x",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_a",
                                "type": "function",
                                "function": {"name": "calculator", "arguments": '{"expression":"3*3"}'},
                            }
                        ]
                    },
                }
            ],
        }
    )
    deltas = ToolCallDeltas()
    deltas.add(chunk.choices[0].delta.tool_calls)
    assert deltas.calls()[0].arguments == {"expression": "3*3"}


def test_bad_arguments_become_a_problem_not_a_crash():
    deltas = ToolCallDeltas()
    deltas.add([{"index": 0, "id": "c", "function": {"name": "calculator", "arguments": '{"expression": '}}])
    deltas.add([{"index": 1, "id": "d", "function": {"name": "calculator", "arguments": "[1]"}}])
    deltas.add([{"index": 2, "id": "e", "function": {"arguments": "{}"}}])
    problems = [c.problem for c in deltas.calls()]
    assert "not valid JSON" in problems[0] and "JSON object" in problems[1] and "without a name" in problems[2]


def test_follow_up_messages():
    calls = calls_from_message([{"id": "c9", "function": {"name": "calculator", "arguments": '{"expression":"1"}'}}])
    message = assistant_message(calls)
    assert message["tool_calls"][0]["id"] == "c9" and json.loads(message["tool_calls"][0]["function"]["arguments"]) == {
        "expression": "1"
    }
    assert tool_message("c9", "1") == {"role": "tool", "tool_call_id": "c9", "content": "1"}
