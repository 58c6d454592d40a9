"""One tiny random Gemma 3 (non-identity norms) for every interpretability method test."""

import pytest

from tests.helpers.interp_model import build_interp_model, load_plain


@pytest.fixture(scope="session")
def interp_model_dir(tmp_path_factory):
    return build_interp_model(tmp_path_factory.mktemp("interp2-model"))


@pytest.fixture(scope="session")
def tiny(interp_model_dir):
    return load_plain(interp_model_dir)
