"""Chapter 7's tf.distribute claims, on two logical CPUs.

Logical devices must be configured before TensorFlow starts, and this
pytest process has started it already, so the checks run in a fresh
interpreter with ``DLBOOK_LOGICAL_CPUS=2`` and report back as JSON:

- the all-reduce identity (eq-ch7-allreduce): dividing by the global batch
  size gives the full-batch gradient for any split of the batch;
- a Keras loss called under the strategy returns its replica's mean times
  1/R, so examples weigh 1/(R n_r): exact for equal shares, and what
  ``fit`` does on a short last batch split unevenly (ex-ch7-unequal-shares);
- an optimizer with per-weight state constructed outside
  ``strategy.scope()`` fails; a stateless one trains to the single-device
  weights but counts every step once per replica.
"""

import json
import os
import subprocess
import sys

import pytest

SCRIPT = r'''
import json, os
import numpy as np
from dlbook import data
from dlbook import twins
import tensorflow as tf
import keras

strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
X, y = data.load_digits()
X, y = (X / 16).astype(np.float32)[:64], y[:64].astype(np.int64)
per_example = keras.losses.SparseCategoricalCrossentropy(
    from_logits=True, reduction=None)
keras_mean = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def build():
    return keras.Sequential([keras.Input((64,)),
                             keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(10)])


keras.utils.set_random_seed(1)
initial = build().get_weights()
with strategy.scope():
    mirrored = build()
mirrored.set_weights(initial)


def weighted(weights, n):
    with tf.GradientTape() as tape:
        total = keras.ops.sum(weights * per_example(y[:n], mirrored(X[:n])))
    return [g.numpy() for g in tape.gradient(total,
                                             mirrored.trainable_variables)]


def gap(a, b):
    return float(max(np.abs(u - v).max() for u, v in zip(a, b)))


out = {}
for n in (6, 5):
    ds = tf.data.Dataset.from_tensor_slices((X[:n], y[:n])).batch(n)
    xb, yb = next(iter(strategy.experimental_distribute_dataset(ds)))
    shares = [int(p.shape[0])
              for p in strategy.experimental_local_results(xb)]

    def keras_way(x, t):
        with tf.GradientTape() as tape:
            loss = keras_mean(t, mirrored(x, training=True))
        return tape.gradient(loss, mirrored.trainable_variables)

    def global_way(x, t):
        with tf.GradientTape() as tape:
            loss = tf.nn.compute_average_loss(
                per_example(t, mirrored(x, training=True)),
                global_batch_size=n)
        return tape.gradient(loss, mirrored.trainable_variables)

    res = {}
    for name, fn in (("keras", keras_way), ("global", global_way)):
        res[name] = [strategy.reduce("SUM", g, axis=None).numpy()
                     for g in strategy.run(tf.function(fn), args=(xb, yb))]
    exact = weighted(np.full(n, 1 / n, np.float32), n)
    derived = weighted(np.repeat([1 / (2 * s) for s in shares],
                                 shares).astype(np.float32), n)
    out[str(n)] = dict(shares=shares, global_vs_exact=gap(res["global"],
                                                          exact),
                       keras_vs_derived=gap(res["keras"], derived),
                       keras_vs_exact=gap(res["keras"], exact),
                       scale=float(max(np.abs(g).max() for g in exact)))

# fit on 7 examples in batches of 4: 2 + 2, then a short batch 2 + 1
with strategy.scope():
    fitted = build()
    fitted.compile(optimizer=keras.optimizers.SGD(1.0), loss=keras_mean)
fitted.set_weights(initial)
fitted.fit(X[:7], y[:7], batch_size=4, epochs=1, shuffle=False, verbose=0)


def by_hand(last_weights):
    m = build()
    m.set_weights(initial)
    for sl, w in ((slice(0, 4), np.full(4, 0.25, np.float32)),
                  (slice(4, 7), last_weights)):
        with tf.GradientTape() as tape:
            total = keras.ops.sum(w * per_example(y[sl], m(X[sl])))
        for v, g in zip(m.trainable_variables,
                        tape.gradient(total, m.trainable_variables)):
            v.assign_sub(g)
    return m.get_weights()


w_fit = fitted.get_weights()
out["fit_vs_derived"] = gap(w_fit, by_hand(np.array([.25, .25, .5],
                                                    np.float32)))
out["fit_vs_exact"] = gap(w_fit, by_hand(np.full(3, 1 / 3, np.float32)))


def compiled(model, momentum):
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=momentum),
                  loss=keras_mean)
    return model


def fresh():
    m = build()
    m.set_weights(initial)
    return m


def train(model):
    model.fit(X, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    return model.get_weights()


with strategy.scope():
    half = fresh()
compiled(half, 0.9)
try:
    train(half)
    out["momentum_outside"] = "trained"
except RuntimeError as exc:
    out["momentum_outside"] = str(exc)
one = train(compiled(fresh(), 0.0))
with strategy.scope():
    stateless = fresh()
compiled(stateless, 0.0)
out["stateless_vs_one"] = gap(train(stateless), one)
out["stateless_counter"] = int(stateless.optimizer.iterations.numpy())
with strategy.scope():
    inside = compiled(fresh(), 0.9)
out["inside_vs_one"] = gap(train(inside), train(compiled(fresh(), 0.9)))
out["inside_counter"] = int(inside.optimizer.iterations.numpy())
print("RESULT" + json.dumps(out))
'''


@pytest.fixture(scope="module")
def result():
    env = dict(os.environ, DLBOOK_LOGICAL_CPUS="2", OMP_NUM_THREADS="1",
               TF_NUM_INTEROP_THREADS="1", TF_NUM_INTRAOP_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env,
                          capture_output=True, text=True, timeout=300)
    lines = [ln for ln in proc.stdout.splitlines()
             if ln.startswith("RESULT")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT"):])


def test_global_batch_division_is_exact_for_any_split(result):
    assert result["6"]["shares"] == [3, 3]
    assert result["5"]["shares"] == [3, 2]
    for n in ("6", "5"):
        assert result[n]["global_vs_exact"] < 1e-6


def test_keras_loss_weighs_each_example_one_over_r_n_r(result):
    even, odd = result["6"], result["5"]
    assert even["keras_vs_exact"] < 1e-6          # equal shares: exact
    assert odd["keras_vs_derived"] < 1e-6         # 1/(R n_r), derived
    assert odd["keras_vs_exact"] > 0.05 * odd["scale"]


def test_fit_weighs_a_short_uneven_last_batch_the_same_way(result):
    assert result["fit_vs_derived"] < 1e-5
    assert result["fit_vs_exact"] > 1e-2


def test_optimizer_state_must_be_created_in_the_scope(result):
    assert "Mixing different tf.distribute.Strategy" in (
        result["momentum_outside"])
    steps = 2 * 64 // 16
    assert result["inside_vs_one"] < 1e-5
    assert result["inside_counter"] == steps
    # stateless: right weights, but every replica advances the counter
    assert result["stateless_vs_one"] < 1e-5
    assert result["stateless_counter"] == 2 * steps
