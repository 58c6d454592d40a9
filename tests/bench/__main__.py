"""`python -m tests.bench [NAME ...] [--skip-cold]`: run benchmarks and print their numbers."""

from __future__ import annotations

import argparse

from tests.bench import bench_spine, bench_teams

BENCHES = {"spine": bench_spine.main, "teams": bench_teams.main}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {sorted(BENCHES)})")
    parser.add_argument("--skip-cold", action="store_true", help="skip first-start conversion timings")
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHES)
    if unknown:
        parser.error(f"unknown benchmark(s) {sorted(unknown)}; known: {sorted(BENCHES)}")
    for name in args.names or BENCHES:
        BENCHES[name](skip_cold=args.skip_cold)


if __name__ == "__main__":
    main()
