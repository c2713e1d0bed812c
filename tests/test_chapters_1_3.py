"""Claims of chapters 1-3 that their notebooks show, guarded here too, so
that a change to dlbook or to a page that breaks one fails a unit test.

* chapter 1: a probe of an untrained layer reads the circles' radius as
  well as a trained one (the control), while on circles hidden among noise
  inputs learned features beat random ones; a dense backward pass does
  twice the multiply-adds of the forward pass;
* chapter 3: ReLU halves the second moment, not the variance; He's scale
  keeps the mean square through ReLU layers and Glorot's loses about
  sqrt(2) per layer; the training-loop figure numbers its steps as the
  section headings do.
"""

import json
import re
from pathlib import Path

import numpy as np

from dlbook import Dense, Sequential, data, linear, losses, optim, zoo

ROOT = Path(__file__).resolve().parents[1]


def _train(model, X, y, lr=0.03, epochs=300):
    model.compile(loss=losses.BinaryCrossentropy(from_logits=True),
                  optimizer=optim.Adam(lr), metrics=("accuracy",))
    return model.fit(X, y, epochs=epochs, batch_size=len(X), shuffle=False)


def _r_squared(features, target):
    w, b = linear.least_squares(features, target)
    return 1 - (features @ w + b - target).var() / target.var()


def _first_hidden(model, X):
    return model.layers[1].forward(model.layers[0].forward(X))


# -- chapter 1 ------------------------------------------------------------

def test_the_radius_probe_cannot_tell_trained_from_random_on_two_inputs():
    X, y = data.make_circles(n_samples=400, noise=0.08, rng=0)
    X_tr, X_te, y_tr, _ = data.train_test_split(X, y, test_size=0.25, rng=0)
    radius2 = (X_te ** 2).sum(axis=1)
    trained = _train(zoo.mlp((2, 16, 16, 1), rng=0), X_tr, y_tr, lr=0.02)
    untrained = zoo.mlp((2, 16, 16, 1), rng=0)
    r2_trained = _r_squared(_first_hidden(trained, X_te), radius2)
    r2_random = _r_squared(_first_hidden(untrained, X_te), radius2)
    assert r2_trained > 0.9 and r2_random > 0.9
    assert abs(r2_trained - r2_random) < 0.05


def test_learned_features_beat_random_ones_among_noise_inputs():
    X, y = data.make_circles(n_samples=800, noise=0.08, rng=0)
    X = np.column_stack([X, np.random.default_rng(1).normal(0, 0.5,
                                                            (800, 8))])
    X_tr, X_val, _, y_tr, y_val, _ = data.train_val_test_split(
        X, y, val_size=0.25, test_size=0.25, rng=0)
    frozen = zoo.mlp((10, 16, 16, 1), rng=0)

    def features(X):
        for layer in frozen.layers[:-1]:
            X = layer.forward(X)
        return X

    readout = _train(Sequential([Dense(16, 1, rng=0)]), features(X_tr),
                     y_tr)
    net = _train(zoo.mlp((10, 16, 16, 1), rng=0), X_tr, y_tr)
    acc_random = readout.evaluate(features(X_val), y_val)["accuracy"]
    acc_learned = net.evaluate(X_val, y_val)["accuracy"]
    assert acc_random < 0.75 and acc_learned > acc_random + 0.2
    radius2 = (X_val[:, :2] ** 2).sum(axis=1)
    assert (_r_squared(_first_hidden(net, X_val), radius2)
            > _r_squared(_first_hidden(frozen, X_val), radius2) + 0.4)


class _Tally(np.ndarray):
    """Counts the multiply-adds of the matrix products it takes part in."""

    count = 0

    def __matmul__(self, other):
        out = np.asarray(self) @ np.asarray(other)
        _Tally.count += out.size * self.shape[-1]
        return out.view(_Tally)

    def __rmatmul__(self, other):
        out = np.asarray(other) @ np.asarray(self)
        _Tally.count += out.size * self.shape[0]
        return out.view(_Tally)


def test_a_dense_backward_pass_does_twice_the_forward_multiply_adds():
    for sizes, n in (((2, 16, 16, 1), 300), ((5, 7, 3), 11)):
        model = zoo.mlp(sizes, rng=0)
        _Tally.count = 0
        out = model.forward(np.ones((n, sizes[0])).view(_Tally))
        forward = _Tally.count
        assert forward == n * sum(a * b for a, b in zip(sizes, sizes[1:]))
        _Tally.count = 0
        model.backward(np.ones(out.shape).view(_Tally))
        assert _Tally.count == 2 * forward


# -- chapter 3 ------------------------------------------------------------

def test_relu_halves_the_second_moment_not_the_variance():
    z = np.random.default_rng(0).normal(size=1_000_000)
    relu = np.maximum(z, 0)
    assert abs(np.mean(relu ** 2) / np.mean(z ** 2) - 0.5) < 0.01
    variance_kept = relu.var() / z.var()
    assert abs(variance_kept - (0.5 - 1 / (2 * np.pi))) < 0.01
    assert variance_kept < 0.4


def test_he_keeps_the_mean_square_through_relu_layers_glorot_loses_root2():
    X = np.random.default_rng(0).normal(size=(1000, 64))
    factor = {}
    for init in ("glorot_uniform", "he_uniform"):
        h, rms = X, []
        for depth in range(10):
            h = np.maximum(Dense(64, 64, init=init, rng=depth).forward(h),
                           0)
            rms.append(np.sqrt(np.mean(h ** 2)))
        factor[init] = (rms[-1] / rms[0]) ** (1 / 9)
    assert abs(factor["glorot_uniform"] - 2 ** -0.5) < 0.05
    assert abs(factor["he_uniform"] - 1) < 0.05


def _markdown(notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"]
                     if c["cell_type"] == "markdown")


def test_training_loop_figure_numbers_the_steps_as_the_headings_do():
    page = ROOT / "book" / "ch03_algorithm" / "index.ipynb"
    text = _markdown(page)
    (path,) = re.findall(r"```\{figure\} (\S*training_loop\.svg)", text)
    svg = (page.parent / path).resolve()
    assert svg.is_file(), f"the figure {path} is not at {svg}"
    headings = {int(n): name.lower() for n, name in
                re.findall(r"^## Step (\d+): (.+)$", text, re.M)}
    assert sorted(headings) == list(range(1, 8))
    drawn = re.sub(r"<[^>]+>", "", svg.read_text(encoding="utf-8"))
    steps = re.findall(r"(\d+)\. ([A-Z][a-z]+(?: pass)?)", drawn)
    assert sorted(int(n) for n, _ in steps) == list(range(1, 8))
    for number, name in steps:
        assert name.lower() in headings[int(number)], (number, name)
