import json

from openai.types.chat import ChatCompletionChunk

from agents.llm.native_tools import ToolCallPiece, pieces_from_delta, pieces_from_message
from agents.tools.calculator import SPEC
from agents.tools.native import ToolCallDeltas, assistant_message, openai_tools, tool_message


def test_tools_parameter():
    assert openai_tools([SPEC]) == [
        {
            "type": "function",
            "function": {"name": "calculator", "description": SPEC.description, "parameters": SPEC.parameters},
        }
    ]


def test_parallel_calls_streamed_in_pieces():
    deltas = ToolCallDeltas()
    deltas.add(pieces_from_delta([{"index": 0, "id": "c0", "function": {"name": "calculator", "arguments": ""}}]))
    deltas.add(pieces_from_delta([{"index": 1, "id": "c1", "function": {"name": "calc", "arguments": '{"expr'}}]))
    deltas.add(
        pieces_from_delta(
            [
                {"index": 0, "function": {"arguments": '{"expression": "1+'}},
                {"index": 1, "function": {"name": "ulator", "arguments": 'ession": "2"}'}},
            ]
        )
    )
    deltas.add(pieces_from_delta([{"index": 0, "function": {"arguments": '2"}'}}]))
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
    deltas.add(pieces_from_delta(chunk.choices[0].delta.tool_calls))
    assert deltas.calls()[0].arguments == {"expression": "3*3"}


def test_bad_arguments_become_a_problem_not_a_crash():
    deltas = ToolCallDeltas()
    deltas.add(
        pieces_from_delta([{"index": 0, "id": "c", "function": {"name": "calculator", "arguments": '{"expression": '}}])
    )
    deltas.add(pieces_from_delta([{"index": 1, "id": "d", "function": {"name": "calculator", "arguments": "[1]"}}]))
    deltas.add(pieces_from_delta([{"index": 2, "id": "e", "function": {"arguments": "{}"}}]))
    problems = [c.problem for c in deltas.calls()]
    assert "not valid JSON" in problems[0] and "JSON object" in problems[1] and "without a name" in problems[2]


def test_follow_up_messages():
    deltas = ToolCallDeltas()
    deltas.add(
        pieces_from_message([{"id": "c9", "function": {"name": "calculator", "arguments": '{"expression":"1"}'}}])
    )
    calls = deltas.calls()
    message = assistant_message(calls)
    assert message["tool_calls"][0]["id"] == "c9" and json.loads(message["tool_calls"][0]["function"]["arguments"]) == {
        "expression": "1"
    }
    assert tool_message("c9", "1") == {"role": "tool", "tool_call_id": "c9", "content": "1"}


def test_a_name_repeated_in_every_piece_is_one_name():
    """llama.cpp's server repeats the whole name in each streamed piece of a call."""
    deltas = ToolCallDeltas()
    deltas.add([ToolCallPiece(0, "c", "calculator", '{"expression": '), ToolCallPiece(0, "c", "calculator", '"7"}')])
    assert [(c.tool, c.arguments) for c in deltas.calls()] == [("calculator", {"expression": "7"})]


def test_pieces_from_unreadable_deltas_are_skipped_safely():
    pieces = pieces_from_delta([{"index": "x", "id": None, "function": {"name": 5, "arguments": None}}, {"index": 2}])
    assert pieces == [ToolCallPiece(0, "", "5", ""), ToolCallPiece(2, "", "", "")]
    assert [
        p.index for p in pieces_from_message([{"index": 7, "function": {"name": "a"}}, {"function": {"name": "b"}}])
    ] == [0, 1]
