"""Run Python code in a sandboxed subprocess: a temporary working folder, CPU-time, memory and
file-size limits, no network, no child processes, killed (with everything it started) on timeout.

Layers, from the kernel up: ``unshare`` puts the child in a new network namespace with no
interfaces (and, for a non-root user, a user namespace where the process-count limit holds);
rlimits bound CPU seconds, address space and file size; inside, an audit hook
(``sandbox_boot.py``) refuses processes, sockets, ctypes and writes outside the working folder.
Where ``unshare`` is unavailable the audit hook alone guards the network, and ``isolation`` says so.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from agents.events import Record
from agents.tool_settings import SandboxLimits
from agents.tools.base import Tool, ToolError, ToolSpec

BOOT = Path(__file__).with_name("sandbox_boot.py")
KILLED_CODES = {-signal.SIGKILL, -signal.SIGXCPU, 128 + signal.SIGKILL, 128 + signal.SIGXCPU}


class SandboxResult(Record):
    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    output_cut: bool = False
    isolation: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


def isolation_candidates() -> list[list[str]]:
    """The ``unshare`` commands that may isolate the network here, best first: root can make a
    network namespace directly; a user needs a user namespace too (where RLIMIT_NPROC holds)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    root = [[unshare, "--net"]] if os.geteuid() == 0 else []
    return root + [[unshare, "--user", "--map-root-user", "--net"]]


def works(prefix: list[str]) -> bool:
    return subprocess.run([*prefix, "true"], capture_output=True, timeout=10, check=False).returncode == 0


@functools.lru_cache(maxsize=1)
def isolation_prefix() -> tuple[str, ...]:
    """The first isolation command that works on this machine, probed once; () if none."""
    return next((tuple(p) for p in isolation_candidates() if works(p)), ())


def isolation_label() -> str:
    prefix = isolation_prefix()
    if not prefix:
        return "audit hook only (unshare unavailable: the network is refused inside Python, not by the kernel)"
    return "network namespace" + (", user namespace" if "--user" in prefix else "")


async def run_python(code: str, limits: SandboxLimits | None = None, stdin: str = "") -> SandboxResult:
    """Run ``code`` and return what it printed; never raises for the code's own failures."""
    limits = limits or SandboxLimits()
    workdir = Path(tempfile.mkdtemp(prefix="agora-sandbox-"))
    started = time.perf_counter()
    try:
        (workdir / "main.py").write_text(code, encoding="utf-8")
        config = json.dumps({k: getattr(limits, k) for k in ("cpu_s", "memory_mb", "file_mb", "nproc")})
        argv = [*isolation_prefix(), sys.executable, "-I", "-S", "-B", str(BOOT), config, str(workdir / "main.py")]
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=workdir,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            start_new_session=True,
        )
        return await _collect(process, limits, stdin, started)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def _read_capped(
    stream: asyncio.StreamReader, process: asyncio.subprocess.Process, limit: int, cut: asyncio.Event
) -> bytes:
    data = b""
    while len(data) <= limit:
        chunk = await stream.read(65536)
        if not chunk:
            return data
        data += chunk
    cut.set()
    _kill(process)  # 50 MB of output is not read to the end: the writer is stopped
    return data[:limit]


async def _feed(process: asyncio.subprocess.Process, stdin: str) -> None:
    assert process.stdin is not None
    try:
        process.stdin.write(stdin.encode())
        await process.stdin.drain()
        process.stdin.close()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the code exited without reading its input


async def _collect(
    process: asyncio.subprocess.Process, limits: SandboxLimits, stdin: str, started: float
) -> SandboxResult:
    assert process.stdout is not None and process.stderr is not None
    cut = asyncio.Event()
    work = asyncio.gather(
        _read_capped(process.stdout, process, limits.output_bytes, cut),
        _read_capped(process.stderr, process, limits.output_bytes, cut),
        _feed(process, stdin),
        process.wait(),
    )
    timed_out = False
    try:
        out, err, _, _ = await asyncio.wait_for(asyncio.shield(work), limits.wall_s)
    except TimeoutError:
        timed_out = True
        _kill(process)
        out, err, _, _ = await work
    except asyncio.CancelledError:
        _kill(process)
        await asyncio.gather(work, return_exceptions=True)
        raise
    finally:
        _kill(process)  # whatever the code left running in its session goes with it
    return SandboxResult(
        exit_code=process.returncode,
        stdout=out.decode("utf-8", "replace"),
        stderr=err.decode("utf-8", "replace"),
        duration_s=time.perf_counter() - started,
        timed_out=timed_out,
        output_cut=cut.is_set(),
        isolation=isolation_label(),
    )


def _kill(process: asyncio.subprocess.Process) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def describe(result: SandboxResult, limits: SandboxLimits) -> str:
    """The text a model reads back: output, errors, and why the run ended if it did not finish."""
    parts = [result.stdout.rstrip()] if result.stdout.strip() else []
    if result.stderr.strip():
        parts.append("stderr:\n" + result.stderr.rstrip()[-4000:])
    if result.timed_out:
        parts.append(f"[killed: still running after {limits.wall_s:g} s]")
    elif result.output_cut:
        parts.append(f"[killed: printed more than {limits.output_bytes} bytes]")
    elif result.exit_code in KILLED_CODES:
        parts.append(f"[killed: used more than {limits.cpu_s} s of CPU time]")
    elif result.exit_code:
        parts.append(f"[exit status {result.exit_code}]")
    return "\n".join(parts) or "(no output)"


def python_tool(limits: SandboxLimits | None = None) -> Tool:
    limits = limits or SandboxLimits()

    async def run(arguments: dict[str, Any]) -> str:
        result = await run_python(str(arguments["code"]), limits)
        if result.timed_out or result.output_cut:
            raise ToolError("timeout" if result.timed_out else "sandbox", describe(result, limits))
        return describe(result, limits)

    spec = ToolSpec(
        name="python",
        description="Run a short Python program (standard library only, no network, no files outside a "
        "temporary folder) and return what it prints.",
        parameters={
            "type": "object",
            "properties": {"code": {"type": "string", "description": "Python source"}},
            "required": ["code"],
            "additionalProperties": False,
        },
        policy="ask",
    )
    # The sandbox enforces its own wall limit; the record's limit is a backstop above it.
    return Tool(spec, run, time_limit_s=limits.wall_s + 5, output_limit=8000)
