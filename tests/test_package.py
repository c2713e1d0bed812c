"""Package-level promises: NumPy-only import, determinism."""

import pkgutil
import subprocess
import sys

import numpy as np
import pytest

import dlbook
from dlbook import data, zoo
from dlbook.losses import SparseCategoricalCrossentropy
from dlbook.optim import Adam


HEAVY = ("tensorflow", "keras", "matplotlib", "ipywidgets", "sklearn",
         "tqdm")
# every module but the three that exist to load the heavy libraries; a new
# module is found here without being listed
NUMPY_MODULES = ["dlbook"] + sorted(
    f"dlbook.{m.name}" for m in pkgutil.iter_modules(dlbook.__path__)
    if m.name not in dlbook._LAZY)


def _heavy_after_import(module):
    """The heavy libraries in sys.modules after importing ``module`` in a
    fresh interpreter."""
    code = (f"import sys, {module}; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    return [m for m in out.stdout.strip().split(",") if m]


def test_every_numpy_module_is_checked():
    expected = {"activations", "losses", "layers", "model", "optim", "data",
                "gradcheck", "init", "linear", "autodiff", "zoo",
                "attention", "embedding", "graph", "residual", "text",
                "surfaces"}
    assert {f"dlbook.{m}" for m in expected} <= set(NUMPY_MODULES)
    assert not {"dlbook.plots", "dlbook.widgets",
                "dlbook.twins"} & set(NUMPY_MODULES)


@pytest.mark.parametrize("module", NUMPY_MODULES)
def test_numpy_module_imports_no_tensorflow_matplotlib_or_ipywidgets(module):
    assert _heavy_after_import(module) == []


def test_the_import_check_sees_a_heavy_import():
    assert "matplotlib" in _heavy_after_import("dlbook.widgets")


def test_lazy_submodules():
    assert dlbook.plots.__name__ == "dlbook.plots"
    with pytest.raises(AttributeError, match="not_a_module"):
        dlbook.not_a_module  # noqa: B018


def _train(seed):
    X, y = data.make_spirals(n_samples=150, rng=seed)
    model = zoo.mlp((2, 16, 16, 3), rng=seed).compile(
        loss=SparseCategoricalCrossentropy(from_logits=True),
        optimizer=Adam(0.01),
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
