"""The issue's proof for experiments: the Du et al. shape (single vs 3 agents x 2 rounds vs
self-consistency at matched tokens) on generated arithmetic items, on the embedded model and
on a llama.cpp server, plus the judged debate (judge3x2, with its bias re-check) on the server.
Each is a normal experiment directory run by the CLI, so a killed proof resumes by running the
same command again; each ends with its report (Markdown, HTML, CSV, PNG charts).

`python -m tests.bench.experiments_proof --out DIR [--n 50] [--only server,judge,embedded]`
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from agents.llm.local_cache import embedded_gguf
from tests.integration.conftest import LlamaServer

DU = "single,cot,debate3x2"  # cot: sc@debate3x2 sizes N by one chain-of-thought sample
PARTS = ("server", "judge", "embedded")


def _experiment(directory: Path, model: str, methods: str, n: int, concurrency: int, match: bool) -> float:
    command = [sys.executable, "-m", "agents.cli", "experiment", "run", "--tasks", "arithmetic", "--n", str(n)]
    command += ["--methods", methods, "--model", model, "--concurrency", str(concurrency), "--out", str(directory)]
    command += ["--match-sc", "debate3x2"] if match else []
    command += ["--report"]
    print("$", " ".join(command), flush=True)
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.experiments_proof")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {PARTS}")
    args = parser.parse_args()
    parts = [p for p in args.only.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}")
    took: dict[str, float] = {}
    if {"server", "judge"} & set(parts):
        # The server decodes one request at a time; without this flag it would cut a streaming
        # reply short whenever another request waits, and concurrent items would be truncated.
        server = LlamaServer(embedded_gguf(lambda e: None, need_file=True)[0], api_key=None, interrupt_requests=False)
        ref = f"openai-compatible:{server.base_url}#gemma?api=completions&timeout=600"
        try:
            if "server" in parts:
                took["server"] = _experiment(args.out / "server", ref, DU, args.n, 4, match=True)
            if "judge" in parts:
                took["judge"] = _experiment(args.out / "judge", ref, "judge3x2", args.n, 4, match=False)
        finally:
            server.stop()
    if "embedded" in parts:
        took["embedded"] = _experiment(args.out / "embedded", "local", DU, args.n, 4, match=True)
    for part, seconds in took.items():
        print(f"{part}: {seconds:.0f} s; report in {args.out / part / 'report'}")


if __name__ == "__main__":
    main()
