import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, imported once per session through dlbook.twins (which
    silences its start-up logs)."""
    from dlbook import twins  # noqa: F401
    import tensorflow
    return tensorflow


@pytest.fixture(scope="session")
def twins():
    from dlbook import twins
    return twins


@pytest.fixture(scope="session")
def book_dir():
    """The book's sources, book/ at the repository root."""
    import pathlib
    return pathlib.Path(__file__).resolve().parents[1] / "book"
