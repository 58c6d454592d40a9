"""The issue's proof for experiments: the Du et al. shape (single vs 3 agents x 2 rounds vs
self-consistency at matched tokens) on generated arithmetic items, on a llama.cpp server (with
the judged debate, judge3x2 and its bias re-check, on the same items) and on the embedded model.
Each is a normal experiment directory run by the CLI, so a killed proof resumes by running the
same command again; each ends with its report (Markdown, HTML, CSV, PNG charts).

Self-consistency is a fixed scN run item by item with the others (not sc@debate3x2, which
can only start once every debate is done), so a proof stopped early still compares every
method on the same items. N = 8 matched debate3x2 on a 2-item pilot on the server (739 tokens
per item / 98 per chain-of-thought sample; 7 on the embedded model): the report's tokens per
item show how close the match is.

`python -m tests.bench.experiments_proof --out DIR [--n 50] [--only server,embedded] [--sc 8] [--methods M,...]`
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from agents.llm.local_cache import embedded_gguf
from tests.integration.conftest import LlamaServer

DU = "single,cot,debate3x2,sc{samples}"
PARTS = ("server", "embedded")
CONCURRENCY = 2  # the server decodes one request at a time: two items keep it busy


def _experiment(directory: Path, model: str, methods: str, n: int, concurrency: int) -> float:
    command = [sys.executable, "-m", "agents.cli", "experiment", "run", "--tasks", "arithmetic", "--n", str(n)]
    command += ["--methods", methods, "--model", model, "--concurrency", str(concurrency), "--out", str(directory)]
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
    parser.add_argument("--sc", type=int, default=8, help="self-consistency samples (matched to debate3x2)")
    parser.add_argument("--port", type=int, default=18913, help="the server's port: the same one to resume")
    parser.add_argument("--methods", help="comma-separated methods instead of the Du et al. set (and judge3x2)")
    args = parser.parse_args()
    parts = [p for p in args.only.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}")
    took: dict[str, float] = {}
    du = args.methods or DU.format(samples=args.sc)
    judged = "" if args.methods else ",judge3x2"
    if "server" in parts:
        # The server decodes one request at a time; without this flag it would cut a streaming
        # reply short whenever another request waits, and concurrent items would fail.
        server = LlamaServer(
            embedded_gguf(lambda e: None, need_file=True)[0], api_key=None, interrupt_requests=False, port=args.port
        )
        # Requests queue on the server while it decodes another: the default first-token
        # deadline (120 s) would fail a self-consistency item whose 8 samples wait in line.
        ref = f"openai-compatible:{server.base_url}#gemma?api=completions&timeout=600&first_token=1800&total=3600"
        try:
            took["server"] = _experiment(args.out / "server", ref, f"{du}{judged}", args.n, CONCURRENCY)
        finally:
            server.stop()
    if "embedded" in parts:
        took["embedded"] = _experiment(args.out / "embedded", "local", du, args.n, CONCURRENCY)
    for part, seconds in took.items():
        print(f"{part}: {seconds:.0f} s; report in {args.out / part / 'report'}")


if __name__ == "__main__":
    main()
