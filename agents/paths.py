"""Where Agora Lab keeps its files: the platform's config, cache and data directories.

Each can be moved with an environment variable (tests and portable installs use this).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "agora-lab"


def _dir(env_var: str, default: str) -> Path:
    path = Path(os.environ.get(env_var) or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    return _dir("AGORA_LAB_CONFIG_DIR", platformdirs.user_config_dir(APP_NAME))


def cache_dir() -> Path:
    return _dir("AGORA_LAB_CACHE_DIR", platformdirs.user_cache_dir(APP_NAME))


def data_dir() -> Path:
    return _dir("AGORA_LAB_DATA_DIR", platformdirs.user_data_dir(APP_NAME))
