"""One small example of every dlbook layer, for the tests that every
layer must pass (the contract in ``test_layer_contract.py`` and the Keras
round trip in ``test_twins.py``).

``layer_classes()`` discovers every public ``Layer`` subclass in the
package, so a new layer without a case here fails ``test_every_layer_
has_a_case`` instead of silently skipping the contract.

A case is a function ``make(dtype)`` returning a ``Case``: a fresh layer
whose parameters are in ``dtype`` and an input ``X`` for it.
"""

import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field

import numpy as np

import dlbook
from dlbook.layers import Container, Layer

# modules that import optional packages (and hold no layers)
_SKIP_MODULES = {"dlbook.twins", "dlbook.plots", "dlbook.widgets"}


def layer_classes():
    """Every public ``Layer`` subclass defined in dlbook, by name."""
    found = {}
    for info in pkgutil.walk_packages(dlbook.__path__, "dlbook."):
        if info.name in _SKIP_MODULES or info.name.rsplit(".", 1)[-1] \
                .startswith("_"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, Layer)
                    and obj not in (Layer, Container)
                    and not name.startswith("_")
                    and obj.__module__ == module.__name__):
                found[name] = obj
    return found


@dataclass
class Case:
    layer: Layer
    X: np.ndarray
    training: bool = False        # forward mode for the checks
    int_input: bool = False       # ids, not differentiable
    notes: dict = field(default_factory=dict)


def _normal(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _ids(shape, n_ids, seed=0):
    return np.random.default_rng(seed).integers(0, n_ids, size=shape)


def _graph(n):
    from dlbook.graph import normalized_adjacency
    A = np.zeros((n, n))
    for i in range(n - 1):
        A[i, i + 1] = A[i + 1, i] = 1.0
    A[0, n - 1] = A[n - 1, 0] = 1.0
    return normalized_adjacency(A)


def _cases():
    from dlbook import (Conv2D, Dense, Dropout, Flatten,
                        GlobalAveragePooling2D, LeakyReLU, MaxPool2D, ReLU,
                        Sequential, Sigmoid, Softmax, Tanh)
    from dlbook.attention import SelfAttention
    from dlbook.embedding import Embedding, EmbeddingBag, MatrixFactorization
    from dlbook.graph import GraphConv
    from dlbook.normalization import BatchNormalization
    from dlbook.residual import Residual

    def act(cls, **kw):
        return lambda dt: Case(cls(**kw), _normal((4, 3), dt))

    return {
        "Dense": lambda dt: Case(Dense(3, 2, rng=0, dtype=dt),
                                 _normal((4, 3), dt)),
        "Sigmoid": act(Sigmoid),
        "Tanh": act(Tanh),
        "ReLU": act(ReLU),
        "LeakyReLU": act(LeakyReLU, alpha=0.1),
        "Softmax": act(Softmax),
        "Flatten": lambda dt: Case(Flatten(), _normal((2, 3, 2, 2), dt)),
        "Dropout": lambda dt: Case(
            Dropout(0.4, rng=0, fixed_mask=True), _normal((5, 3), dt),
            training=True),
        "Conv2D": lambda dt: Case(
            Conv2D(2, 3, 3, stride=1, padding="same", rng=0, dtype=dt),
            _normal((2, 5, 4, 2), dt)),
        "MaxPool2D": lambda dt: Case(MaxPool2D(2),
                                     _normal((2, 4, 6, 2), dt)),
        "GlobalAveragePooling2D": lambda dt: Case(
            GlobalAveragePooling2D(), _normal((3, 4, 5, 2), dt)),
        "SelfAttention": lambda dt: Case(
            SelfAttention(4, key_dim=3, rng=0, dtype=dt),
            _normal((2, 5, 4), dt)),
        "Embedding": lambda dt: Case(Embedding(7, 3, rng=0, dtype=dt),
                                     _ids((4, 5), 7), int_input=True),
        "EmbeddingBag": lambda dt: Case(
            EmbeddingBag(7, 3, rng=0, dtype=dt),
            np.array([[1, 2, 0, 0], [3, 3, 4, 6], [5, 0, 0, 0]]),
            int_input=True),
        "MatrixFactorization": lambda dt: Case(
            MatrixFactorization(4, 5, 3, rng=0, dtype=dt),
            np.array([[0, 1], [3, 4], [0, 4], [2, 2], [0, 1]]),
            int_input=True),
        "GraphConv": lambda dt: Case(
            GraphConv(_graph(5), 3, 2, rng=0, dtype=dt),
            _normal((5, 3), dt)),
        "Residual": lambda dt: Case(
            Residual([Dense(3, 3, rng=1, dtype=dt), Tanh()]),
            _normal((4, 3), dt)),
        "BatchNormalization": lambda dt: Case(
            BatchNormalization(3, dtype=dt),
            _normal((2, 3, 2, 3), dt), training=True),
        "Sequential": lambda dt: Case(
            Sequential([Dense(3, 4, rng=0), ReLU(), Dense(4, 2, rng=1)],
                       dtype=dt),
            _normal((4, 3), dt)),
        **_sequence_cases(),
    }


def _sequence_cases():
    """Chapter 8's sequence layers (recurrent, attention, Transformer)."""
    from dlbook.attention import MultiHeadAttention
    from dlbook.normalization import LayerNormalization
    from dlbook.recurrent import SimpleRNN
    from dlbook.transformer import (FeedForward, GlobalAveragePooling1D,
                                    PositionalEncoding, PositionEmbedding,
                                    TransformerEncoderBlock)

    def seq(make, shape=(2, 4, 3)):
        return lambda dt: Case(make(dt), _normal(shape, dt))

    return {
        "SimpleRNN": seq(lambda dt: SimpleRNN(3, 2, return_sequences=True,
                                              rng=0, dtype=dt)),
        "LayerNormalization": seq(
            lambda dt: LayerNormalization(3, dtype=dt)),
        "MultiHeadAttention": seq(
            lambda dt: MultiHeadAttention(4, 2, key_dim=3, rng=0, dtype=dt),
            (2, 5, 4)),
        "PositionalEncoding": seq(lambda dt: PositionalEncoding(3)),
        "PositionEmbedding": seq(
            lambda dt: PositionEmbedding(6, 3, rng=0, dtype=dt)),
        "FeedForward": seq(lambda dt: FeedForward(3, 5, rng=0, dtype=dt)),
        "TransformerEncoderBlock": seq(
            lambda dt: TransformerEncoderBlock(4, 2, 6, rng=0, dtype=dt),
            (2, 3, 4)),
        "GlobalAveragePooling1D": seq(lambda dt: GlobalAveragePooling1D()),
    }


CASES = _cases()
