"""Callbacks for ``Sequential.fit``: code that runs at the end of each
epoch and may stop training, as in Keras.

Taught in: chapter 3, "Generalization" (early stopping).
"""

import numpy as np

from ._checks import check_scalar


class Callback:
    """Base class.  ``fit`` calls ``on_train_begin(model)``, then
    ``on_epoch_end(model, epoch, logs)`` after every epoch (``logs`` holds
    that epoch's ``loss``, ``val_loss``, ...), then ``on_train_end(model)``.
    Setting ``model.stop_training = True`` ends training after the
    current epoch."""

    def on_train_begin(self, model):
        pass

    def on_epoch_end(self, model, epoch, logs):
        pass

    def on_train_end(self, model):
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    An epoch improves on the best so far when ``value < best - min_delta``
    (for a loss; ``value > best + min_delta`` for an accuracy).  With
    ``restore_best_weights=True`` the model ends with the weights of its
    best epoch, whether or not training stopped early.

    Parameters
    ----------
    monitor : str, default "val_loss"
        A key of ``history_``: ``"val_loss"``, ``"val_accuracy"``,
        ``"loss"`` or ``"accuracy"``.
    min_delta : float >= 0, default 0
    patience : int >= 0, default 0
    restore_best_weights : bool, default False

    Attributes
    ----------
    best_epoch_ : int
        Index (from 0) of the best epoch.
    stopped_epoch_ : int
        Index of the epoch after which training stopped, 0 if it ran to
        the end.

    Keras equivalent: ``keras.callbacks.EarlyStopping(monitor, min_delta,
    patience, restore_best_weights=...)``, the same rule: the twin stops
    at the same epoch.
    Taught in: chapter 3, "Generalization".
    """

    def __init__(self, monitor="val_loss", *, min_delta=0.0, patience=0,
                 restore_best_weights=False):
        if monitor not in ("val_loss", "val_accuracy", "loss", "accuracy"):
            raise ValueError(
                "expected monitor in ('val_loss', 'val_accuracy', 'loss', "
                f"'accuracy'), received: monitor={monitor!r}")
        self.monitor = monitor
        self.min_delta = check_scalar(min_delta, "min_delta", float,
                                      min_val=0)
        self.patience = check_scalar(patience, "patience", int, min_val=0)
        self.restore_best_weights = bool(restore_best_weights)

    def _improves(self, value, best):
        if best is None:
            return True
        if self.monitor.endswith("accuracy"):
            return value - self.min_delta > best
        return value + self.min_delta < best

    def on_train_begin(self, model):
        self.wait = 0
        self.best = None
        self.best_weights = None
        self.best_epoch_ = 0
        self.stopped_epoch_ = 0

    def on_epoch_end(self, model, epoch, logs):
        if self.monitor not in logs:
            raise ValueError(
                f"expected {self.monitor!r} among the epoch's scores "
                f"{sorted(logs)}; monitoring 'val_...' needs "
                "validation_data or validation_split, and 'accuracy' needs "
                "metrics=['accuracy']")
        value = logs[self.monitor]
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = model.get_weights()
        self.wait += 1
        if self._improves(value, self.best):
            self.best, self.best_epoch_, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = model.get_weights()
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch_ = epoch
            model.stop_training = True

    def on_train_end(self, model):
        if self.restore_best_weights and self.best_weights is not None:
            model.set_weights(self.best_weights)

    def __repr__(self):
        return (f"EarlyStopping(monitor={self.monitor!r}, "
                f"min_delta={self.min_delta}, patience={self.patience}, "
                f"restore_best_weights={self.restore_best_weights})")


def best_epoch(history, monitor="val_loss"):
    """Index of the best epoch of a ``history_`` dict (lowest loss or
    highest accuracy)."""
    values = np.asarray(history[monitor])
    return int(np.argmax(values) if monitor.endswith("accuracy")
               else np.argmin(values))
