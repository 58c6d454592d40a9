"""`agora-lab`: opens the lab's window; sub-commands (ask, run, sessions, …) go to the CLI."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from agents import cli


def has_display() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        return cli.main(args)
    if not has_display():
        print(
            "agora-lab: no display found; starting the terminal chat instead (see `agora-lab --help`)", file=sys.stderr
        )
        return cli.main(["chat"])
    from desktop.platform_check import platform_problem

    if (problem := platform_problem()) is not None:
        print(problem.message(), file=sys.stderr)
        print("agora-lab: starting the terminal chat instead (see `agora-lab --help`)", file=sys.stderr)
        return cli.main(["chat"])
    from desktop.app import main as open_window

    return open_window([])


if __name__ == "__main__":
    sys.exit(main())
