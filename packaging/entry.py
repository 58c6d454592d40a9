"""PyInstaller's entry point: the same launcher as the `agora-lab` command."""

import multiprocessing
import sys

from desktop.launcher import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
