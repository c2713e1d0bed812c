"""``Sequential``: a stack of layers with a Keras-like training loop.

Training is the four steps of chapter 3, repeated: forward pass, loss,
backward pass, update.  ``train_step`` is exactly those four lines;
``fit`` repeats it over shuffled minibatches and epochs.

Taught in: chapter 3, "Algorithm steps".
"""

import math

import numpy as np

from ._checks import as_float_array, as_rng, check_int, check_labels
from .data import minibatches
from .layers import Conv2D, Dense, Layer
from .losses import SparseCategoricalCrossentropy, get_loss
from .optim import get_optimizer


class Sequential(Layer):
    """Layers applied in order: ``y_hat = f_L(... f_2(f_1(X)))``.

    Parameters
    ----------
    layers : list of Layer
    dtype : numpy dtype, default float64
        Parameters and inputs are cast to it (float32 to match Keras).

    Attributes
    ----------
    params, grads : dict
        Flat views of every layer's arrays, keyed ``"<index>.<name>"``
        (``"0.W"``, ``"0.b"``, ...), the parallel dicts an optimizer steps.
    history_ : dict of lists
        Per-epoch ``loss`` (and ``accuracy``, ``val_loss``,
        ``val_accuracy``) after ``fit``.

    Keras equivalent: ``keras.Sequential([...])``; ``dlbook.twins.to_keras``
    builds it with the same weights.
    """

    def __init__(self, layers, dtype=np.float64):
        layers = list(layers)
        if not layers or not all(isinstance(la, Layer) for la in layers):
            raise ValueError("expected a non-empty list of dlbook layers, "
                             f"received: {layers!r}")
        self.layers = layers
        self.dtype = np.dtype(dtype)
        for layer in layers:
            _cast(layer, self.dtype)
        self.loss = None
        self.optimizer = None
        self.metrics = ()

    # -- parameters -------------------------------------------------------
    @property
    def params(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in layer.params.items()}

    @property
    def grads(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in layer.grads.items()}

    def get_weights(self):
        """Copies of the parameters in Keras order: [W0, b0, W1, b1, ...]."""
        return [v.copy() for v in self.params.values()]

    def set_weights(self, weights):
        """Set parameters from a list in ``get_weights`` order (for example
        ``keras_model.get_weights()``)."""
        targets = self.params
        weights = list(weights)
        if len(weights) != len(targets):
            raise ValueError(f"expected {len(targets)} arrays, received "
                             f"{len(weights)}")
        for (key, p), w in zip(targets.items(), weights):
            w = np.asarray(w)
            if w.shape != p.shape:
                raise ValueError(f"expected {key} of shape {p.shape}, "
                                 f"received shape {w.shape}")
            p[...] = w
        return self

    # -- forward and backward --------------------------------------------
    def forward(self, X, training=False):
        """Run every layer's forward in order; returns ``y_hat``."""
        for layer in self.layers:
            X = layer.forward(X, training=training)
        return X

    def backward(self, dout):
        """Run every layer's backward in reverse; returns ``dL/dX``."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def _param_gradients(self, dout):
        """``backward`` without ``dL/dX`` for the data, which nobody reads
        while training (for a first ``Dense`` layer that is a third of its
        matrix products)."""
        for layer in self.layers[:0:-1]:
            dout = layer.backward(dout)
        self.layers[0].param_gradients(dout)

    def output_shape(self, input_shape):
        for layer in self.layers:
            input_shape = layer.output_shape(input_shape)
        return input_shape

    # -- training ---------------------------------------------------------
    def compile(self, loss="mse", optimizer="sgd", metrics=()):
        """Choose the loss, the optimizer and the metrics; returns self.

        ``metrics`` may contain ``"accuracy"``.
        """
        self.loss = get_loss(loss)
        self.optimizer = get_optimizer(optimizer)
        metrics = tuple(metrics)
        for m in metrics:
            if m != "accuracy":
                raise ValueError("expected metrics from ('accuracy',), "
                                 f"received: {m!r}")
        self.metrics = metrics
        return self

    def _check_compiled(self):
        if self.loss is None:
            raise RuntimeError("call compile(loss=..., optimizer=...) "
                               "before training or evaluating the model")

    def _check_X(self, X):
        first = self.layers[0]
        if isinstance(first, Dense):
            X = as_float_array(X, "X", self.dtype, ndim=2)
            if X.shape[1] != first.n_in:
                raise ValueError(
                    f"expected X with {first.n_in} features, received "
                    f"shape {X.shape}")
        elif isinstance(first, Conv2D):
            X = as_float_array(X, "X", self.dtype, ndim=4)
        else:
            X = as_float_array(X, "X", self.dtype)
        return X

    def _check_y(self, y, n):
        if isinstance(self.loss, SparseCategoricalCrossentropy):
            n_out = self.output_shape(self._input_shape)[-1]
            y = check_labels(y, n_out)
        else:
            y = as_float_array(y, "y", self.dtype, ndim=(1, 2))
        if len(y) != n:
            raise ValueError(
                "expected X and y to have the same number of samples, "
                f"received X with {n} and y with {len(y)}")
        return y

    def _targets(self, y):
        """The loss's dense target for the checked labels ``y``, built once
        per ``fit`` (one-hot rows for sparse labels)."""
        out = self.output_shape(self._input_shape)
        if len(out) != 1:
            raise ValueError(
                "expected a model whose output has shape (n_samples, n_out)"
                f" for the loss {self.loss!r}, received output shape "
                f"{(None,) + tuple(out)}; add a Flatten or Dense layer")
        return self.loss._targets(y, (len(y),) + tuple(out), self.dtype)

    def _prepare(self, X, y):
        X = self._check_X(X)
        self._input_shape = X.shape[1:]
        return X, self._check_y(y, len(X))

    def train_step(self, X, y):
        """One step of training on a batch; returns the batch loss.

        forward -> loss -> backward -> update, exactly as in chapter 3.
        """
        self._check_compiled()
        y_hat = self.forward(X, training=True)                # 1. forward
        loss, dout = self.loss.value_and_gradient(            # 2. loss
            y_hat, y, check_finite=False)
        self.backward(dout)                                   # 3. backward
        self.optimizer.step(self.params, self.grads)          # 4. update
        return loss

    def _fit_step(self, X, Y):
        """``train_step`` on data ``fit`` has already checked: ``Y`` is
        the loss's dense target (``loss._targets``), so the loss skips its
        checks, and the data's own gradient is not computed."""
        y_hat = self.forward(X, training=True)
        loss, dout = self.loss._value_and_gradient(y_hat, Y)
        self._param_gradients(dout)
        self.optimizer.step(self.params, self.grads)
        return loss, y_hat

    def fit(self, X, y, epochs=1, batch_size=32, validation_data=None,
            shuffle=True, rng=None, verbose=False):
        """Train with minibatches; returns ``self`` (see ``history_``).

        As in Keras, an epoch's training ``loss`` and ``accuracy`` are
        averages over its batches, each measured before that batch's
        update; validation scores are computed after the epoch.

        Raises ``FloatingPointError`` naming the epoch and step if the loss
        becomes NaN or infinite (the usual cause: a learning rate too
        large).  ``verbose=True`` shows a tqdm progress bar.
        """
        self._check_compiled()
        X, y = self._prepare(X, y)
        Y = self._targets(y)
        epochs = check_int(epochs, "epochs")
        batch_size = check_int(batch_size, "batch_size")
        if validation_data is not None:
            X_val, y_val = validation_data
            X_val, y_val = self._prepare(X_val, y_val)
        rng = as_rng(rng)
        n = len(X)
        history = {"loss": []}
        track_acc = "accuracy" in self.metrics
        if track_acc:
            history["accuracy"] = []
        if validation_data is not None:
            history["val_loss"] = []
            if track_acc:
                history["val_accuracy"] = []
        epoch_iter = range(epochs)
        if verbose:
            from tqdm.auto import tqdm
            epoch_iter = tqdm(epoch_iter, desc="epochs")
        step = 0
        for epoch in epoch_iter:
            total = correct = 0.0
            for Xb, Yb in minibatches(X, Y, batch_size, shuffle=shuffle,
                                      rng=rng):
                loss, y_hat = self._fit_step(Xb, Yb)
                step += 1
                if not math.isfinite(loss):
                    raise FloatingPointError(
                        f"the loss became {loss} at epoch {epoch + 1}, step "
                        f"{step}: training diverged; try a smaller learning"
                        f" rate (lr={self.optimizer.lr})")
                size = len(y_hat)
                total += loss * size
                if track_acc:
                    correct += self._accuracy(y_hat, Yb) * size
            history["loss"].append(total / n)
            if track_acc:
                history["accuracy"].append(correct / n)
            if validation_data is not None:
                scores = self._evaluate(X_val, y_val)
                history["val_loss"].append(scores["loss"])
                if track_acc:
                    history["val_accuracy"].append(scores["accuracy"])
            if verbose:
                epoch_iter.set_postfix(loss=f"{history['loss'][-1]:.4f}")
        self.history_ = history
        return self

    def predict(self, X, batch_size=None):
        """The model's output for ``X`` (inference mode)."""
        X = self._check_X(X)
        if batch_size is None:
            return self.forward(X)
        batch_size = check_int(batch_size, "batch_size")
        return np.concatenate([self.forward(X[i:i + batch_size])
                               for i in range(0, len(X), batch_size)])

    def evaluate(self, X, y):
        """``{"loss": ..., "accuracy": ...}`` on ``(X, y)``."""
        self._check_compiled()
        X, y = self._prepare(X, y)
        return self._evaluate(X, y)

    def _evaluate(self, X, y):
        y_hat = self.forward(X)
        scores = {"loss": self.loss(y_hat, y)}
        if "accuracy" in self.metrics:
            scores["accuracy"] = self._accuracy(y_hat, y)
        return scores

    def _accuracy(self, y_hat, y):
        """Fraction of correct predictions for the compiled loss's task."""
        if y_hat.shape[1] == 1:        # binary: threshold the one output
            cut = 0.0 if getattr(self.loss, "from_logits", False) else 0.5
            return float(np.mean((y_hat[:, 0] > cut) == (
                np.reshape(y, -1) > 0.5)))
        labels = y if y.ndim == 1 else np.argmax(y, axis=1)
        return float(np.mean(np.argmax(y_hat, axis=1) == labels))

    # -- description ------------------------------------------------------
    @property
    def n_params(self):
        return int(sum(la.n_params for la in self.layers))

    def summary(self, input_shape):
        """A table of each layer's output shape and parameter count."""
        rows = [("Layer", "Output shape", "Params")]
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.output_shape(shape)
            rows.append((repr(layer), str((None,) + shape),
                         str(layer.n_params)))
        rows.append(("Total", "", str(self.n_params)))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths))
                 for r in rows]
        lines.insert(1, "-" * len(lines[0]))
        lines.insert(-1, "-" * len(lines[0]))
        return "\n".join(lines)

    def __repr__(self):
        inner = ", ".join(repr(la) for la in self.layers)
        return f"Sequential([{inner}])"


def _cast(layer, dtype):
    """Cast a layer's parameters to ``dtype`` in place, descending into
    containers (``Residual``, a nested ``Sequential``), whose ``params``
    are views built from the layers they hold."""
    inner = getattr(layer, "layers", None)
    if inner is not None:
        for la in inner:
            _cast(la, dtype)
        return
    for key, value in layer.params.items():
        layer.params[key] = value.astype(dtype, copy=False)
