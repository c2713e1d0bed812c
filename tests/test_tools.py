"""Chapter 7's sections on daily tools: their asserted claims, small.

Each test repeats, on a tiny budget, an effect a chapter-7 section page
asserts: a ``.keras`` file round-trips a model (a dlbook model too, through
its twin) with identical predictions and optimizer state;
``BackupAndRestore`` resumes an interrupted run to exactly the weights of
an uninterrupted one; CSV and TensorBoard event logs read back equal to the
history; ``fit`` on arrays with a fixed global seed repeats one order in
every epoch while a seeded ``tf.data`` shuffle reshuffles; mixed precision
keeps float32 variables and needs loss scaling; and, for transfer learning,
fine-tuning a body pretrained on uncentred digits 0-4 beats training from
scratch on digits 5-9 with one label per class, the pretrained body beats
a random frozen one, and on centred digits the pretrained features are
worse than the pixels (negative transfer).
"""

import copy
import csv
import json
import os

import numpy as np
import pytest

from dlbook import Adam, Dense, ReLU, Sequential, data, losses, zoo

SCE = losses.SparseCategoricalCrossentropy(from_logits=True)


@pytest.fixture(scope="module")
def keras(tf):
    import keras
    return keras


@pytest.fixture(scope="module")
def digits():
    X, y = data.load_digits()
    X = (X / 16.0).astype(np.float32)
    return X[:256], y[:256], X[256:320], y[256:320]


def _model(keras, seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((64,)),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(0.03),
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True),
                  metrics=["accuracy"])
    return model


# -- saving and loading --------------------------------------------------
def test_keras_file_round_trip(keras, digits, tmp_path):
    X, y, X_new, _ = digits
    model = _model(keras)
    model.fit(X, y, epochs=2, batch_size=64, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    assert np.array_equal(model.predict(X_new, verbose=0),
                          restored.predict(X_new, verbose=0))
    saved = [v.numpy() for v in model.optimizer.variables]
    loaded = [v.numpy() for v in restored.optimizer.variables]
    assert len(saved) == len(loaded) and int(
        restored.optimizer.iterations) == 8
    assert all(np.array_equal(a, b) for a, b in zip(saved, loaded))


def test_dlbook_model_round_trip_through_its_twin(twins, keras, digits,
                                                  tmp_path):
    X, y, X_new, _ = digits
    scratch = zoo.mlp((64, 16, 10), rng=0, dtype=np.float32)
    scratch.compile(optimizer=Adam(0.01), loss=SCE)
    scratch.fit(X, y, epochs=2, batch_size=64, rng=0)
    twin = twins.to_keras(scratch, compile=False)
    twin.save(tmp_path / "twin.keras")
    reloaded = keras.models.load_model(tmp_path / "twin.keras")
    assert np.array_equal(twin.predict(X_new, verbose=0),
                          reloaded.predict(X_new, verbose=0))
    assert np.allclose(scratch.predict(X_new),
                       reloaded.predict(X_new, verbose=0), atol=1e-5)
    back = zoo.mlp((64, 16, 10), rng=1, dtype=np.float32)
    back.set_weights(reloaded.get_weights())
    assert np.array_equal(back.predict(X_new), scratch.predict(X_new))


# -- resuming after an interruption ------------------------------------
class _Crash(Exception):
    pass


def _crash_after(keras, k):
    class CrashAfter(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch + 1 == k:
                raise _Crash
    return CrashAfter()


@pytest.mark.parametrize("shuffle", [False, True])
def test_backup_and_restore_resumes_exactly(keras, digits, tmp_path,
                                            shuffle):
    """Exact with shuffle=True too, but only because fit on arrays with a
    fixed global seed repeats one order (next test) and every model is
    built after setting the same seed."""
    X, y, _, _ = digits
    backup = str(tmp_path / "backup")

    def train(model, callbacks=()):
        return model.fit(X, y, epochs=3, batch_size=64, shuffle=shuffle,
                         verbose=0, callbacks=list(callbacks))

    reference = _model(keras)
    h_reference = train(reference)
    with pytest.raises(_Crash):
        train(_model(keras), [keras.callbacks.BackupAndRestore(backup),
                              _crash_after(keras, 1)])
    with open(os.path.join(backup, "training_metadata.json")) as f:
        assert json.load(f)["epoch"] == 1
    resumed = _model(keras, seed=0 if shuffle else 1)
    h_resumed = train(resumed, [keras.callbacks.BackupAndRestore(backup)])
    assert h_resumed.epoch == [1, 2]
    assert h_resumed.history["loss"] == h_reference.history["loss"][1:]
    assert all(np.array_equal(a, b) for a, b in
               zip(reference.get_weights(), resumed.get_weights()))
    assert int(resumed.optimizer.iterations) == 12
    assert not os.path.exists(backup)


def test_seeded_fit_on_arrays_repeats_one_order(keras, digits):
    X, y, _, _ = digits

    class LabelSpy(keras.Sequential):
        def train_step(self, batch):
            self.seen.append(keras.ops.convert_to_numpy(batch[1]))
            return super().train_step(batch)

    keras.utils.set_random_seed(0)
    spy = LabelSpy([keras.Input((64,)), keras.layers.Dense(10)])
    spy.seen = []
    spy.compile(optimizer="adam", run_eagerly=True,
                loss=keras.losses.SparseCategoricalCrossentropy(
                    from_logits=True))
    spy.fit(X[:128], y[:128], epochs=2, batch_size=64, verbose=0)
    first, second = (np.concatenate(spy.seen[i:i + 2]) for i in (0, 2))
    assert np.array_equal(first, second)
    assert not np.array_equal(first, y[:128])


def test_seeded_tf_data_shuffle_reshuffles_reproducibly(tf, digits):
    X, y, _, _ = digits

    def orders():
        ds = tf.data.Dataset.from_tensor_slices((X, y)).shuffle(
            len(X), seed=0).batch(64)
        return [np.concatenate([b.numpy() for _, b in ds])
                for _ in range(2)]

    epoch1, epoch2 = orders()
    assert sorted(epoch1) == sorted(y)
    assert not np.array_equal(epoch1, epoch2)
    assert all(np.array_equal(a, b) for a, b in zip(orders(), [epoch1,
                                                               epoch2]))


def test_stateless_shift_augmentation(tf, digits):
    X, _, _, _ = digits
    images = X[:32].reshape(-1, 8, 8, 1)
    seeds = tf.data.Dataset.random(seed=1,
                                   rerandomize_each_iteration=True).batch(2)
    ds = tf.data.Dataset.zip(tf.data.Dataset.from_tensor_slices(images),
                             seeds).map(
        lambda image, seed: tf.image.stateless_random_crop(
            tf.pad(image, [[1, 1], [1, 1], [0, 0]]), (8, 8, 1), seed=seed))
    out = np.stack([x.numpy() for x in ds])
    again = np.stack([x.numpy() for x in ds])
    used = []
    for original, shifted in zip(images, out):
        padded = np.pad(original, ((1, 1), (1, 1), (0, 0)))
        shifts = [padded[r:r + 8, c:c + 8] for r in range(3)
                  for c in range(3)]
        used.append(next(k for k, s in enumerate(shifts)
                         if np.array_equal(s, shifted)))
    assert len(set(used)) > 3
    assert not np.array_equal(out, again)        # new shifts each epoch


# -- logs ------------------------------------------------------------------
def test_csv_and_event_logs_equal_the_history(tf, keras, digits, tmp_path):
    X, y, X_val, y_val = digits
    scalars = tf.compat.v1.SummaryMetadata(
        plugin_data=tf.compat.v1.SummaryMetadata.PluginData(
            plugin_name="scalars"))
    writer = tf.summary.create_file_writer(str(tmp_path / "logs"))

    class EpochSummaries(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            with writer.as_default():
                for name, value in logs.items():
                    tf.summary.write("epoch_" + name,
                                     tf.constant(value, tf.float32),
                                     step=epoch, metadata=scalars)

    model = _model(keras)
    history = model.fit(
        X, y, epochs=3, batch_size=64, validation_data=(X_val, y_val),
        verbose=0, callbacks=[keras.callbacks.CSVLogger(
            str(tmp_path / "log.csv")), EpochSummaries()])
    writer.close()
    with open(tmp_path / "log.csv") as f:
        rows = list(csv.DictReader(f))
    logged = {}
    for name in os.listdir(tmp_path / "logs"):
        for event in tf.compat.v1.train.summary_iterator(
                str(tmp_path / "logs" / name)):
            for value in event.summary.value:
                logged.setdefault(value.tag, {})[event.step] = float(
                    tf.make_ndarray(value.tensor))
    for name, values in history.history.items():
        assert [float(row[name]) for row in rows] == values
        steps = logged["epoch_" + name]
        assert [steps[s] for s in sorted(steps)] == values


# -- mixed precision -------------------------------------------------------
def test_mixed_precision_dtypes_and_loss_scaling(tf, keras, digits):
    X, y, _, _ = digits
    Xb, yb = X[:32], y[:32]
    sce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        keras.utils.set_random_seed(0)
        mixed = keras.Sequential([
            keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(10),
            keras.layers.Activation("linear", dtype="float32")])
        mixed.compile(optimizer=keras.optimizers.SGD(0.1), loss=sce)
        assert mixed.layers[0](Xb).dtype == "float16"
        assert mixed(Xb).dtype == "float32"
        assert mixed.layers[0].kernel.dtype == "float32"
        assert isinstance(mixed.optimizer,
                          keras.optimizers.LossScaleOptimizer)

        def gradients(model, scale):
            with tf.GradientTape() as tape:
                loss = 1e-5 * sce(yb, model(Xb, training=True)) * scale
            return [g.numpy() / scale
                    for g in tape.gradient(loss, model.trainable_variables)]

        unscaled, scaled = gradients(mixed, 1.0), gradients(mixed, 2.0**15)
        optimizer = keras.optimizers.LossScaleOptimizer(
            keras.optimizers.SGD(0.1))
        optimizer.build(mixed.trainable_variables)
        before = mixed.get_weights()
        optimizer.apply([tf.fill(v.shape, np.inf)
                         for v in mixed.trainable_variables],
                        mixed.trainable_variables)
        assert float(optimizer.dynamic_scale) == 2.0**14
        assert all(np.array_equal(a, b)
                   for a, b in zip(before, mixed.get_weights()))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert keras.mixed_precision.global_policy().name == "float32"
    reference = keras.Sequential([keras.Input((64,)),
                                  keras.layers.Dense(32, activation="relu"),
                                  keras.layers.Dense(10)])
    reference.set_weights(before)
    exact = gradients(reference, 1.0)

    def error(grads):
        return max(np.abs(a - b).max() / np.abs(b).max()
                   for a, b in zip(grads, exact))

    assert error(unscaled) > 0.1 and error(scaled) < 1e-2


def test_float16_weights_lose_small_updates():
    w16, w32 = np.float16(1.0), np.float32(1.0)
    for _ in range(100):
        w16 = w16 + np.float16(1e-4)
        w32 = w32 + np.float32(1e-4)
    assert w16 == 1.0 and abs(w32 - 1.01) < 1e-5


# -- transfer learning -----------------------------------------------------
H = 128


def _place(digits, offsets, size):
    canvas = np.zeros((len(digits), size, size), np.float32)
    for k, (row, col) in enumerate(offsets):
        canvas[k, row:row + 8, col:col + 8] = digits[k]
    return canvas.reshape(len(digits), -1)


def _body(n_in, seed):
    rng = np.random.default_rng(seed)
    return [Dense(n_in, H, rng=rng), ReLU(), Dense(H, H, rng=rng), ReLU()]


def _task(size):
    """The page's task: pretrained body; target pool and validation set."""
    images, labels = data.load_digits(images=True)
    images = (images / 16.0).astype(np.float32)[..., 0]
    rng = np.random.default_rng(0)
    k = size - 7
    src, tgt = labels < 5, labels >= 5
    S, s = images[src], labels[src]
    grid = [(r, c) for r in range(k) for c in range(k)]
    X_src = np.concatenate([_place(S, [p] * len(S), size) for p in grid])
    model = Sequential(_body(size * size, 100) + [Dense(H, 5, rng=100)],
                       dtype=np.float32)
    model.compile(optimizer=Adam(1e-3), loss=SCE)
    model.fit(X_src, np.tile(s, len(grid)), epochs=5, batch_size=64, rng=0)
    target = _place(images[tgt], rng.integers(0, k, (tgt.sum(), 2)), size)
    X_pool, X_val, y_pool, y_val = data.train_test_split(
        target, labels[tgt] - 5, test_size=0.4, rng=0, stratify=True)
    return model.layers[:-1], X_pool, y_pool, X_val, y_val


@pytest.fixture(scope="module")
def uncentred():
    return _task(10)


def _labelled(X, y, n, seed):
    rng = np.random.default_rng(seed)
    picks = np.concatenate([rng.choice(np.flatnonzero(y == c), n,
                                       replace=False) for c in range(5)])
    return X[picks], y[picks]


def _fit(model, X, y, lr, steps):
    model.compile(optimizer=Adam(lr), loss=SCE)
    for _ in range(steps):
        model.train_step(X, y)
    return model


def _accuracy(model, X, y):
    return float(np.mean(model.predict(X).argmax(axis=1) == y))


def test_fine_tuning_beats_scratch_with_one_label(uncentred):
    """Settings from the page's grids, one label per class, four seeds."""
    pretrained, X_pool, y_pool, X_val, y_val = uncentred
    scores = {"scratch": [], "fine-tuning": [], "frozen pretrained": [],
              "frozen random": []}
    for seed in range(4):
        X, y = _labelled(X_pool, y_pool, 1, seed)
        net = Sequential(_body(100, seed) + [Dense(H, 5, rng=seed)],
                         dtype=np.float32)
        scores["scratch"].append(_accuracy(_fit(net, X, y, 3e-3, 200),
                                           X_val, y_val))
        for name, layers in (("frozen pretrained", pretrained),
                             ("frozen random", _body(100, seed))):
            frozen = Sequential(layers, dtype=np.float32)
            head = _fit(Sequential([Dense(H, 5, rng=seed)],
                                   dtype=np.float32),
                        frozen.predict(X), y, 1e-2, 100)
            scores[name].append(_accuracy(head, frozen.predict(X_val),
                                          y_val))
            if name == "frozen pretrained":
                net = Sequential(copy.deepcopy(pretrained) + head.layers,
                                 dtype=np.float32)
                scores["fine-tuning"].append(_accuracy(
                    _fit(net, X, y, 3e-4, 200), X_val, y_val))
    mean = {name: np.mean(values) for name, values in scores.items()}
    assert mean["fine-tuning"] > mean["scratch"] + 0.03, mean
    assert mean["frozen pretrained"] > mean["frozen random"] + 0.03, mean


def _centroid_accuracy(Z, y, n=5, draws=10):
    rng = np.random.default_rng(0)
    scores = []
    for _ in range(draws):
        picks = np.concatenate([rng.choice(np.flatnonzero(y == c), n,
                                           replace=False) for c in range(5)])
        rest = np.setdiff1d(np.arange(len(y)), picks)
        means = np.stack([Z[picks][y[picks] == c].mean(axis=0)
                          for c in range(5)])
        distances = ((Z[rest, None, :] - means[None]) ** 2).sum(axis=-1)
        scores.append(np.mean(distances.argmin(axis=1) == y[rest]))
    return float(np.mean(scores))


def test_pretrained_features_help_uncentred_and_hurt_centred(uncentred):
    for (body, X_pool, y_pool, _, _), helps in ((uncentred, True),
                                                (_task(8), False)):
        features = Sequential(body, dtype=np.float32).predict(X_pool)
        pixels = _centroid_accuracy(X_pool, y_pool)
        learned = _centroid_accuracy(features, y_pool)
        if helps:
            assert learned > pixels + 0.05, (learned, pixels)
        else:
            assert learned < pixels, (learned, pixels)
