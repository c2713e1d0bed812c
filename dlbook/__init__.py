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
from . import autodiff, optim
from .gradcheck import check_gradients, numerical_gradient, relative_error
from .layers import (Conv2D, Dense, Dropout, Flatten, LeakyReLU, MaxPool2D,
                     ReLU, Sigmoid, Softmax, Tanh)
from .losses import (BinaryCrossentropy, CategoricalCrossentropy,
                     MeanSquaredError, SparseCategoricalCrossentropy)
from .model import Sequential
from .optim import SGD, Adam, Momentum
from ._citation import citation

__version__ = "0.1.0"

_LAZY = ("plots", "widgets", "twins")


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'dlbook' has no attribute {name!r}")


__all__ = [
    "Adam", "BinaryCrossentropy", "CategoricalCrossentropy", "Conv2D",
    "Dense", "Dropout", "Flatten", "LeakyReLU", "MaxPool2D",
    "MeanSquaredError", "Momentum", "ReLU", "SGD", "Sequential", "Sigmoid",
    "Softmax", "SparseCategoricalCrossentropy", "Tanh", "activations",
    "autodiff", "check_gradients", "citation", "data", "gradcheck", "init",
    "layers", "linear", "losses", "numerical_gradient", "optim",
    "relative_error",
]
