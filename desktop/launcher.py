"""`agora-lab`: the lab's one command. Sub-commands go to the headless CLI."""

from __future__ import annotations

import sys
from typing import Sequence

from agents import cli


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        # Until the desktop window lands, the lab opens as a terminal chat on the default model.
        args = ["chat"]
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main())
