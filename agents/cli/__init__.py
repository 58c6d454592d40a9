"""The headless CLI, one module per command group; ``agents.cli:main`` is the entry point."""

from agents.cli.commands import main

__all__ = ["main"]
