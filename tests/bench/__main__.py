"""`python -m tests.bench [NAME ...] [--skip-cold]`: run benchmarks and print their numbers."""

from __future__ import annotations

import argparse
import importlib
import pkgutil

import tests.bench

# Every tests/bench/bench_NAME.py with a main(skip_cold=...) is a benchmark called NAME.
BENCHES = {
    info.name.removeprefix("bench_"): info.name
    for info in pkgutil.iter_modules(tests.bench.__path__)
    if info.name.startswith("bench_")
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {sorted(BENCHES)})")
    parser.add_argument("--skip-cold", action="store_true", help="skip first-start conversion timings")
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHES)
    if unknown:
        parser.error(f"unknown benchmark(s) {sorted(unknown)}; known: {sorted(BENCHES)}")
    for name in args.names or BENCHES:
        importlib.import_module(f"tests.bench.{BENCHES[name]}").main(skip_cold=args.skip_cold)


if __name__ == "__main__":
    main()
