"""dlbook: the code of "Deep Learning: Principles and Code".

Deep-learning pieces written from scratch in NumPy, each with its forward
and backward side by side, and (in ``dlbook.twins``) their Keras twins.
``import dlbook`` imports NumPy only; ``dlbook.plots``, ``dlbook.widgets``
and ``dlbook.twins`` load matplotlib, ipywidgets and TensorFlow on first
use, so the NumPy chapters start instantly and also run in a browser
(Pyodide) kernel.
"""

import importlib

from . import activations, data, gradcheck, init, layers, linear, losses
from . import autodiff, callbacks, normalization, optim, regularizers
from .gradcheck import check_gradients, numerical_gradient, relative_error
from .layers import (Conv2D, Dense, Dropout, Flatten, GlobalAveragePooling2D,
                     LeakyReLU, MaxPool2D, ReLU, Sigmoid, Softmax, Tanh)
from .losses import (BinaryCrossentropy, CategoricalCrossentropy,
                     MeanSquaredError, SparseCategoricalCrossentropy)
from .model import Sequential
from .normalization import BatchNormalization, LayerNormalization
from .optim import SGD, Adam, AdamW, Momentum
from ._citation import citation

__version__ = "0.1.0"

_LAZY = ("plots", "widgets", "twins", "check", "quiz")


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'dlbook' has no attribute {name!r}")


__all__ = [
    "Adam", "AdamW", "BatchNormalization", "BinaryCrossentropy",
    "CategoricalCrossentropy", "Conv2D", "Dense", "Dropout", "Flatten",
    "GlobalAveragePooling2D", "LayerNormalization", "LeakyReLU",
    "MaxPool2D", "MeanSquaredError", "Momentum", "ReLU", "SGD",
    "Sequential", "Sigmoid", "Softmax", "SparseCategoricalCrossentropy",
    "Tanh", "activations", "autodiff",
    "callbacks", "check_gradients", "citation", "data", "gradcheck", "init",
    "layers", "linear", "losses", "normalization", "numerical_gradient",
    "optim", "regularizers", "relative_error",
]
