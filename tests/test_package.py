"""Package-level promises: NumPy-only import, determinism."""

import subprocess
import sys

import numpy as np
import pytest

import dlbook
from dlbook import data, zoo
from dlbook.losses import SparseCategoricalCrossentropy
from dlbook.optim import Adam


def test_import_dlbook_does_not_import_tensorflow_or_matplotlib():
    code = ("import sys, dlbook; "
            "heavy = [m for m in ('tensorflow', 'keras', 'matplotlib', "
            "'ipywidgets', 'sklearn', 'tqdm') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_submodules():
    assert dlbook.plots.__name__ == "dlbook.plots"
    with pytest.raises(AttributeError, match="not_a_module"):
        dlbook.not_a_module  # noqa: B018


def _train(seed):
    X, y = data.make_spirals(n_samples=150, rng=seed)
    model = zoo.mlp((2, 16, 16, 3), rng=seed).compile(
        SparseCategoricalCrossentropy(from_logits=True), Adam(0.01),
        metrics=["accuracy"])
    model.fit(X, y, epochs=5, batch_size=16, rng=seed)
    return model


def test_same_seed_bit_identical():
    a, b = _train(7), _train(7)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert a.history_ == b.history_
    c = _train(8)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


def test_fit_returns_self_and_history():
    model = _train(0)
    assert set(model.history_) == {"loss", "accuracy"}
    assert len(model.history_["loss"]) == 5
    assert model.history_["loss"][-1] < model.history_["loss"][0]
