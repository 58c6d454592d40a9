import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from agents.tools.base import invoke
from agents.tools.sandbox import (
    KILLED_CODES,
    SandboxLimits,
    describe,
    isolation_candidates,
    python_tool,
    run_python,
    works,
)

LIMITS = SandboxLimits(wall_s=5, cpu_s=2, memory_mb=256)


async def test_print_runs_in_a_temporary_folder():
    result = await run_python("import os; print(1); print(os.getcwd())", LIMITS)
    assert result.ok and result.stdout.splitlines()[0] == "1" and "agora-sandbox-" in result.stdout


async def test_stdin_reaches_the_code():
    result = await run_python("import sys; print(sys.stdin.read().upper())", LIMITS, stdin="hello")
    assert result.stdout.strip() == "HELLO"


async def test_an_infinite_loop_is_killed():
    result = await run_python("while True:\n    pass", SandboxLimits(wall_s=3, cpu_s=1))
    assert not result.ok and (result.timed_out or result.exit_code in KILLED_CODES)
    assert "[killed:" in describe(result, SandboxLimits(wall_s=3, cpu_s=1))


async def test_code_that_never_returns_is_killed_at_the_wall_limit():
    result = await run_python("import time\ntime.sleep(1000)", SandboxLimits(wall_s=1))
    assert result.timed_out and result.exit_code is not None


@pytest.mark.parametrize(
    "code",
    [
        "import os\nwhile True:\n    os.fork()",
        "import subprocess\nsubprocess.run(['true'])",
        "import os\nos.system('true')",
        "import multiprocessing",
        "import ctypes",
    ],
)
async def test_no_child_processes(code):
    result = await run_python(code, LIMITS)
    assert result.exit_code == 1 and "sandbox:" in result.stderr and "PermissionError" in result.stderr


async def test_a_ten_gigabyte_allocation_fails_inside_the_sandbox():
    result = await run_python("x = bytearray(10 * 1024**3)\nprint('allocated')", LIMITS)
    assert result.exit_code == 1 and "MemoryError" in result.stderr and "allocated" not in result.stdout


@pytest.mark.parametrize(
    "code",
    [
        "import socket\nsocket.create_connection(('127.0.0.1', 9), timeout=1)",
        "import socket\ns = socket.socket()",
        "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:9', timeout=1)",
    ],
)
async def test_no_sockets(code):
    result = await run_python(code, LIMITS)
    assert result.exit_code == 1 and "sandbox:" in result.stderr


@pytest.mark.parametrize("prefix", [p for p in isolation_candidates() if works(p)] or [None])
def test_the_kernel_gives_the_child_no_network(prefix):
    # Below the audit hook: a plain interpreter in the sandbox's namespaces cannot reach a
    # listener on the host's loopback (root's namespace and a user's, where both work).
    if prefix is None:
        pytest.skip("unshare is not available on this machine")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        code = f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n    print('reached')\nexcept OSError as e:\n    print('blocked', e)"
        out = subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.stdout.startswith("blocked"), out.stdout + out.stderr


async def test_writes_outside_the_working_folder_are_refused(tmp_path):
    target = tmp_path / "escaped.txt"
    result = await run_python(f"open({str(target)!r}, 'w').write('x')", LIMITS)
    assert result.exit_code == 1 and not target.exists()
    inside = await run_python("open('ok.txt', 'w').write('x')\nprint(open('ok.txt').read())", LIMITS)
    assert inside.stdout.strip() == "x"


async def test_fifty_megabytes_of_output_stops_the_writer():
    limits = SandboxLimits(wall_s=30, output_bytes=10_000)
    result = await run_python("import sys\nfor _ in range(50):\n    sys.stdout.write('z' * 1_000_000)", limits)
    assert result.output_cut and len(result.stdout) == 10_000 and not result.ok


async def test_the_python_tool_reports_errors_and_kills():
    tool = python_tool(SandboxLimits(wall_s=1))
    ok = await invoke(tool, {"code": "print(6*7)"})
    assert ok.ok and ok.output == "42"
    raised = await invoke(tool, {"code": "raise ValueError('boom')"})
    assert raised.ok and "ValueError: boom" in raised.output and "[exit status 1]" in raised.output
    hung = await invoke(tool, {"code": "while True: pass"})
    assert not hung.ok and hung.kind == "timeout"


def _sandbox_processes(token: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and token in (entry / "cmdline").read_bytes().decode(errors="replace"):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


async def test_cancelling_a_run_kills_the_child():
    limits = SandboxLimits(wall_s=600, cpu_s=7, memory_mb=263)  # an unusual limit marks this child's command line
    token = '"memory_mb": 263'
    task = asyncio.create_task(run_python("import time\ntime.sleep(1000)", limits))
    while not _sandbox_processes(token):  # wait for the child to exist (a condition, not a delay)
        assert not task.done(), task
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _sandbox_processes(token) == []
