import os
import tempfile
from pathlib import Path

import pytest

# Tests never touch the user's settings or sessions; the model cache is shared on purpose
# (converting the embedded model once per machine is what the cache is for).
_SANDBOX = Path(tempfile.mkdtemp(prefix="agora-tests-"))
os.environ.setdefault("AGORA_LAB_CONFIG_DIR", str(_SANDBOX / "config"))
os.environ.setdefault("AGORA_LAB_DATA_DIR", str(_SANDBOX / "data"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    from tests.helpers.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))
