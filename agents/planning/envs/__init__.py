"""The planning environments, by name."""

from __future__ import annotations

from agents.planning.envs.base import Env
from agents.planning.envs.blocksworld import Blocksworld
from agents.planning.envs.game24 import Game24
from agents.planning.envs.maze import Maze

ENVS = {"blocksworld": Blocksworld, "game24": Game24, "maze": Maze}


def make_env(name: str, seed: int = 0, **options) -> Env:
    """A seeded instance; the same name, seed and options always give the same instance."""
    if name not in ENVS:
        raise ValueError(f"unknown environment {name!r}; choose one of {', '.join(ENVS)}")
    return ENVS[name](seed=seed, **options)
