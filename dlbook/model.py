"""``Sequential``: a stack of layers with a Keras-like training loop.

Training is the four steps of chapter 3, repeated: forward pass, loss,
backward pass, update.  ``train_step`` is exactly those four lines;
``fit`` repeats it over shuffled minibatches and epochs.

Taught in: chapter 3, "Algorithm steps".
"""

import math

import numpy as np

from ._checks import as_float_array, as_rng, check_labels, check_scalar
from .data import minibatches
from .layers import Container, Conv2D, Dense
from .losses import Loss, SparseCategoricalCrossentropy, get_loss
from .optim import Optimizer, get_optimizer


class Sequential(Container):
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

    def __init__(self, layers, *, dtype=np.float64):
        super().__init__(layers)
        self.dtype = np.dtype(dtype)
        self.cast(self.dtype)
        self.loss = None
        self.optimizer = None
        self.metrics = ()

    # -- forward and backward --------------------------------------------
    def forward(self, X, training=False):
        """Run every layer's forward in order; returns ``y_pred``."""
        return self._forward_layers(X, training)

    def backward(self, dout):
        """Run every layer's backward in reverse; returns ``dL/dX``."""
        return self._backward_layers(dout)

    def _param_gradients(self, dout):
        """``backward`` without ``dL/dX`` for the data, which nobody reads
        while training (for a first ``Dense`` layer that is a third of its
        matrix products)."""
        for layer in self.layers[:0:-1]:
            dout = layer.backward(dout)
        self.layers[0].param_gradients(dout)

    # -- training ---------------------------------------------------------
    def compile(self, optimizer="sgd", loss="mse", metrics=()):
        """Choose the optimizer, the loss and the metrics; returns self.

        The arguments come in Keras's order, ``compile(optimizer, loss,
        metrics)``; passing them by name, as the book does, reads best.
        ``metrics`` may contain ``"accuracy"``.
        """
        if isinstance(optimizer, Loss) or isinstance(loss, Optimizer):
            raise ValueError(
                "expected compile(optimizer, loss) in Keras's order, "
                f"received: optimizer={optimizer!r}, loss={loss!r}; pass "
                "them by name: compile(optimizer=..., loss=...)")
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
            raise RuntimeError("call compile(optimizer=..., loss=...) "
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
            y, y_hat, check_finite=False)
        self.backward(dout)                                   # 3. backward
        if self.regularized:                 # kernel_regularizer terms
            loss += self.penalty()
            self.add_penalty_gradients()
        self.optimizer.step(self.params, self.grads)          # 4. update
        return loss

    def _fit_step(self, X, Y):
        """``train_step`` on data ``fit`` has already checked: ``Y`` is
        the loss's dense target (``loss._targets``), so the loss skips its
        checks, and the data's own gradient is not computed."""
        y_hat = self.forward(X, training=True)
        loss, dout = self.loss._value_and_gradient(Y, y_hat)
        self._param_gradients(dout)
        if self._penalized:
            loss += self.penalty()
            self.add_penalty_gradients()
        self.optimizer.step(self.params, self.grads)
        return loss, y_hat

    def fit(self, X, y, *, epochs=1, batch_size=32, validation_data=None,
            validation_split=0.0, callbacks=(), shuffle=True, rng=None,
            verbose=False):
        """Train with minibatches; returns ``self`` (see ``history_``).

        As in Keras, an epoch's training ``loss`` and ``accuracy`` are
        averages over its batches, each measured before that batch's
        update (weight penalties included); validation scores are computed
        after the epoch.  ``validation_split=0.2`` holds out the LAST 20%
        of ``X`` and ``y`` (before any shuffling, as Keras does: shuffle
        the data first if it is ordered); ``validation_data`` overrides
        it.  ``callbacks`` (e.g. ``callbacks.EarlyStopping``) run after
        each epoch and may stop training.

        Raises ``FloatingPointError`` naming the epoch and step if the loss
        becomes NaN or infinite (the usual cause: a learning rate too
        large).  ``verbose=True`` shows a tqdm progress bar.
        """
        self._check_compiled()
        X, y = self._prepare(X, y)
        epochs = check_scalar(epochs, "epochs", int, min_val=1)
        batch_size = check_scalar(batch_size, "batch_size", int, min_val=1)
        split = check_scalar(validation_split, "validation_split", float,
                             min_val=0, max_val=1, include_boundaries="left")
        if validation_data is None and split > 0:
            cut = int(math.floor(len(X) * (1 - split)))
            if cut in (0, len(X)):
                raise ValueError(
                    f"expected a validation_split that leaves samples on "
                    f"both sides, received: validation_split={split} for "
                    f"{len(X)} samples")
            validation_data = (X[cut:], y[cut:])
            X, y = X[:cut], y[:cut]
        Y = self._targets(y)
        if validation_data is not None:
            X_val, y_val = validation_data
            X_val, y_val = self._prepare(X_val, y_val)
        callbacks = list(callbacks)
        self._penalized = self.regularized
        self.stop_training = False
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
        for cb in callbacks:
            cb.on_train_begin(self)
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
                    correct += self._accuracy(Yb, y_hat) * size
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
            logs = {key: values[-1] for key, values in history.items()}
            for cb in callbacks:
                cb.on_epoch_end(self, epoch, logs)
            if self.stop_training:
                break
        for cb in callbacks:
            cb.on_train_end(self)
        self.history_ = history
        return self

    def predict(self, X, *, batch_size=None):
        """The model's output for ``X`` (inference mode)."""
        X = self._check_X(X)
        if batch_size is None:
            return self.forward(X)
        batch_size = check_scalar(batch_size, "batch_size", int, min_val=1)
        return np.concatenate([self.forward(X[i:i + batch_size])
                               for i in range(0, len(X), batch_size)])

    def evaluate(self, X, y):
        """``{"loss": ..., "accuracy": ...}`` on ``(X, y)``."""
        self._check_compiled()
        X, y = self._prepare(X, y)
        return self._evaluate(X, y)

    def _evaluate(self, X, y):
        y_hat = self.forward(X)
        scores = {"loss": self.loss(y, y_hat) + self.penalty()}
        if "accuracy" in self.metrics:
            scores["accuracy"] = self._accuracy(y, y_hat)
        return scores

    def _accuracy(self, y, y_hat):
        """Fraction of correct predictions for the compiled loss's task."""
        if y_hat.shape[1] == 1:        # binary: threshold the one output
            cut = 0.0 if getattr(self.loss, "from_logits", False) else 0.5
            return float(np.mean((y_hat[:, 0] > cut) == (
                np.reshape(y, -1) > 0.5)))
        labels = y if y.ndim == 1 else np.argmax(y, axis=1)
        return float(np.mean(np.argmax(y_hat, axis=1) == labels))

    # -- description ------------------------------------------------------
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

