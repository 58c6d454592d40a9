"""A real HTTP server on 127.0.0.1 that speaks the OpenAI streaming API and misbehaves on demand.

The requested model name picks the behaviour, so one server covers every failure mode;
``behaviour@N`` passes a number (the offset at which ``echo_key`` splits the key it echoes).
Bodies are sent with chunked transfer encoding, as real servers (uvicorn, llama.cpp) do,
so an abrupt close mid-stream is a detectable protocol error, not a clean end.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter

# Endless behaviours stop after this many ticks, so a test that fails cannot hang forever.
MAX_TICKS = 400
TICK_S = 0.02


def _chunk(payload: bytes) -> bytes:
    return f"{len(payload):x}\r\n".encode() + payload + b"\r\n"


def _sse(obj) -> bytes:
    return _chunk(f"data: {json.dumps(obj)}\n\n".encode())


def _text_chunk(api: str, text: str, finish=None) -> dict:
    choice = {"index": 0, "finish_reason": finish}
    if api == "completions":
        choice["text"] = text
        return {"id": "c1", "object": "text_completion", "created": 0, "model": "m", "choices": [choice]}
    choice["delta"] = {"role": "assistant", "content": text}
    return {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [choice]}


class FaultServer:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def start(self) -> FaultServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await reader.readline()
            headers = {}
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            body = json.loads(await reader.readexactly(int(headers.get("content-length", "0"))) or b"{}")
            self.bodies.append(body)
            self.headers.append(headers)
            api = "completions" if b"/completions" in request_line and b"/chat/" not in request_line else "chat"
            behaviour, _, number = str(body.get("model", "ok")).partition("@")
            self.requests[behaviour] += 1
            key = headers.get("authorization", "").removeprefix("Bearer ")
            await self._respond(behaviour, api, writer, key=key, number=int(number or 0))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _respond(
        self, behaviour: str, api: str, writer: asyncio.StreamWriter, key: str = "", number: int = 0
    ) -> None:
        if behaviour == "hang":
            await asyncio.sleep(3600)
        if behaviour == "auth":
            return self._json(writer, 401, {"error": {"message": "Invalid API key", "type": "auth"}})
        if behaviour == "auth_echo":  # a careless server quoting the key it refused
            return self._json(writer, 401, {"error": {"message": f"Incorrect API key provided: {key}"}})
        if behaviour in ("keepalive", "trickle"):
            return await self._endless(behaviour, api, writer)
        if behaviour == "echo_key":
            return await self._echo(api, writer, f"you sent Bearer {key} to me", number)
        if behaviour == "server_error":
            return self._json(writer, 500, {"error": {"message": "boom"}})
        if behaviour == "context":
            return self._json(writer, 400, {"error": {"message": "This model's maximum context length is 2048 tokens"}})
        if behaviour == "rate_limit_once" and self.requests[behaviour] == 1:
            return self._json(writer, 429, {"error": {"message": "slow down"}}, {"Retry-After": "0"})
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        writer.write(_sse(_text_chunk(api, "Hello")))
        await writer.drain()
        if behaviour == "disconnect":
            return  # close without finishing the chunked body: a server dying mid-reply
        if behaviour == "malformed":
            writer.write(_chunk(b"data: {this is not json\n\n"))
        elif behaviour == "no_choices":
            writer.write(_sse({"id": "x", "object": "chat.completion.chunk", "choices": None}))
        else:
            writer.write(_sse(_text_chunk(api, " world")))
            writer.write(_sse(_text_chunk(api, "", finish="stop")))
            writer.write(
                _sse(
                    {
                        "id": "c1",
                        "object": "x",
                        "created": 0,
                        "model": "m",
                        "choices": [],
                        "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
                    }
                )
            )
        writer.write(_chunk(b"data: [DONE]\n\n") + _chunk(b""))
        await writer.drain()

    async def _endless(self, behaviour: str, api: str, writer: asyncio.StreamWriter) -> None:
        """``keepalive``: SSE comments only, never data; ``trickle``: a word per tick, never done."""
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(MAX_TICKS):
            writer.write(_chunk(b": ping\n\n") if behaviour == "keepalive" else _sse(_text_chunk(api, " more")))
            await writer.drain()
            await asyncio.sleep(TICK_S)
        writer.write(_sse(_text_chunk(api, " end", finish="stop")) + _chunk(b"data: [DONE]\n\n") + _chunk(b""))
        await writer.drain()

    async def _echo(self, api: str, writer: asyncio.StreamWriter, text: str, split: int) -> None:
        """Stream ``text`` in two chunks cut at ``split`` characters after the key starts."""
        cut = text.index("Bearer ") + len("Bearer ") + split
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in (text[:cut], text[cut:]):
            writer.write(_sse(_text_chunk(api, piece)))
        writer.write(_sse(_text_chunk(api, "", finish="stop")) + _chunk(b"data: [DONE]\n\n") + _chunk(b""))
        await writer.drain()

    @staticmethod
    def _json(writer: asyncio.StreamWriter, status: int, obj: dict, extra: dict | None = None) -> None:
        payload = json.dumps(obj).encode()
        head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in (extra or {}).items())
        writer.write(head.encode() + b"Connection: close\r\n\r\n" + payload)
