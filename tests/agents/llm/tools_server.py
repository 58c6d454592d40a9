"""A real HTTP server on 127.0.0.1 that speaks OpenAI's function calling, well or badly.

The requested model name picks the behaviour:
- ``calls``: two parallel calls streamed in pieces (the first llama.cpp-style, its name in
  every piece; the second OpenAI-style), then, once the results are in, a text answer;
- ``refuse``: HTTP 400 for any request with ``tools`` (a server or model without them);
- ``no_stream``: a streamed request with tools gets a 200 and an empty body (llama.cpp's
  chatml-function-calling cannot stream a call it chose); non-streamed it answers properly.
"""

from __future__ import annotations

import asyncio
import json

from tests.helpers.fault_server import FaultServer


def _chunk(payload: bytes) -> bytes:
    return f"{len(payload):x}\r\n".encode() + payload + b"\r\n"


def _delta(delta: dict, finish=None) -> bytes:
    body = {"id": "t1", "object": "chat.completion.chunk", "created": 0, "model": "m"}
    body["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}]
    return _chunk(f"data: {json.dumps(body)}\n\n".encode())


def _piece(index: int, call_id: str | None, name: str | None, arguments: str) -> dict:
    piece: dict = {"index": index, "type": "function", "function": {"arguments": arguments}}
    if call_id:
        piece["id"] = call_id
    if name:
        piece["function"]["name"] = name
    return {"tool_calls": [piece]}


STREAMED_CALLS = [
    _piece(0, "call_a", "calculator", '{"expression": '),
    _piece(0, "call_a", "calculator", '"2*3"}'),
    _piece(1, "call_b", "calculator", ""),
    _piece(1, None, None, '{"expression": "4+4"}'),
]
WHOLE_CALL = {
    "id": "call_w",
    "type": "function",
    "function": {"name": "calculator", "arguments": '{"expression": "7*6"}'},
}


class ToolsServer(FaultServer):
    """FaultServer's plumbing (request log, chunked bodies); the answers are about tools."""

    async def _respond(self, behaviour: str, api: str, writer: asyncio.StreamWriter, key: str = "", number: int = 0):
        writer.write(self.answer(self.bodies[-1]))
        await writer.drain()

    def answer(self, body: dict) -> bytes:
        behaviour, tools, streamed = body.get("model"), body.get("tools"), body.get("stream")
        answered = body["messages"][-1]["role"] == "tool"
        if behaviour == "refuse" and tools:
            return _json(400, {"error": {"message": "this model does not support tools"}})
        if not streamed:
            message = (
                {"role": "assistant", "content": "It is 42."}
                if answered
                else {"role": "assistant", "content": None, "tool_calls": [WHOLE_CALL]}
            )
            finish = "stop" if answered else "tool_calls"
            reply = {"id": "w", "object": "chat.completion", "created": 0, "model": "m"}
            reply["choices"] = [{"index": 0, "message": message, "finish_reason": finish}]
            reply["usage"] = {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}
            return _json(200, reply)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        if behaviour == "no_stream" and tools:
            return head + _chunk(b"")
        if tools and not answered and behaviour == "calls":
            body_bytes = b"".join(_delta(d) for d in STREAMED_CALLS) + _delta({}, "tool_calls")
        else:
            body_bytes = _delta({"role": "assistant", "content": "It is"}) + _delta({"content": " 6 and 8."}, "stop")
        return head + body_bytes + _chunk(b"data: [DONE]\n\n") + _chunk(b"")


def _json(status: int, obj: dict) -> bytes:
    payload = json.dumps(obj).encode()
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
    return head.encode() + b"Connection: close\r\n\r\n" + payload
