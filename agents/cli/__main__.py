import sys

from agents.cli.commands import main

if __name__ == "__main__":  # importing the package's modules (the layering test does) runs nothing
    sys.exit(main())
