"""The contract every dlbook layer keeps, checked on every layer the
package defines (discovered, as Keras's ``run_layer_test`` covers every
layer): backward before forward is a RuntimeError, a ``dout`` of the wrong
shape is a ValueError, ``output_shape`` agrees with ``forward``, float32
stays float32, and the gradients pass a finite-difference check."""

import numpy as np
import pytest
from layer_cases import CASES, layer_classes

from dlbook.gradcheck import numerical_gradient, relative_error
from dlbook.layers import Container, Layer

NAMES = sorted(set(layer_classes()) & set(CASES))
WITH_PARAMS = [n for n in NAMES
               if n in CASES and CASES[n](np.float64).layer.params]


def test_every_layer_has_a_case():
    missing = sorted(set(layer_classes()) - set(CASES))
    assert not missing, (
        f"layers without a case in tests/layer_cases.py: {missing}; add "
        "one so that they are held to the layer contract")


def test_discovery_finds_the_layers_of_every_module():
    found = layer_classes()
    for name in ("Dense", "Conv2D", "SelfAttention", "Embedding",
                 "GraphConv", "Residual", "Sequential"):
        assert name in found


def _case(name, dtype=np.float64):
    return CASES[name](dtype)


@pytest.mark.parametrize("name", NAMES)
def test_backward_before_forward_is_a_clear_error(name):
    case = _case(name)
    out_shape = (len(case.X),) + tuple(
        case.layer.output_shape(case.X.shape[1:]))
    with pytest.raises(RuntimeError, match="before forward"):
        case.layer.backward(np.ones(out_shape))


@pytest.mark.parametrize("name", NAMES)
def test_dout_of_the_wrong_shape_is_a_clear_error(name):
    case = _case(name)
    out = case.layer.forward(case.X, training=case.training)
    for bad in (out.shape[:-1] + (out.shape[-1] + 1,),
                (out.shape[0] + 1,) + out.shape[1:],
                out.shape + (1,)):
        with pytest.raises(ValueError, match="expected dout of shape"):
            case.layer.backward(np.ones(bad))


@pytest.mark.parametrize("name", NAMES)
def test_output_shape_matches_forward(name):
    case = _case(name)
    out = case.layer.forward(case.X, training=case.training)
    assert out.shape[0] == case.X.shape[0]
    assert tuple(case.layer.output_shape(case.X.shape[1:])) == \
        out.shape[1:], name


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32(name):
    case = _case(name, np.float32)
    layer = case.layer
    for key, p in layer.params.items():
        assert p.dtype == np.float32, f"{name}: param {key} is {p.dtype}"
    out = layer.forward(case.X, training=case.training)
    assert out.dtype == np.float32, f"{name}: output is {out.dtype}"
    dX = layer.backward(np.ones_like(out))
    if not case.int_input:
        assert dX.dtype == np.float32, f"{name}: dX is {dX.dtype}"
    for key, g in layer.grads.items():
        assert g.dtype == np.float32, f"{name}: grad {key} is {g.dtype}"


@pytest.mark.parametrize("name", NAMES)
def test_cast_converts_every_parameter(name):
    case = _case(name)
    assert case.layer.cast(np.float32) is case.layer
    assert all(p.dtype == np.float32 for p in case.layer.params.values())
    X = case.X if case.int_input else case.X.astype(np.float32)
    out = case.layer.forward(X, training=case.training)
    assert out.dtype == np.float32, f"{name} after cast: {out.dtype}"


@pytest.mark.parametrize("name", NAMES)
def test_gradients_pass_the_finite_difference_check(name):
    case = _case(name)
    layer, X = case.layer, case.X
    out = layer.forward(X, training=case.training)
    R = np.random.default_rng(1).standard_normal(out.shape)

    def objective(_):
        return float(np.sum(layer.forward(X, training=case.training) * R))

    dX = layer.backward(R)
    pairs = {k: (g.copy(), numerical_gradient(objective, layer.params[k]))
             for k, g in layer.grads.items()}
    assert set(pairs) == set(layer.params), name
    if not case.int_input:
        pairs["X"] = (dX, numerical_gradient(objective, X))
    # Each error is measured against the layer's largest gradient entry,
    # so a gradient that is truly zero (attention's key bias: softmax
    # ignores a constant added to every score) is judged by how close to
    # zero it is, not by the ratio of two round-off errors.
    scale = max(np.max(np.abs(a)) + np.max(np.abs(n))
                for a, n in pairs.values())
    for key, (a, n) in pairs.items():
        assert relative_error(a, n) < 1e-6 or \
            np.max(np.abs(a - n)) < 1e-6 * scale, (
                f"{name}: d/d{key} relative error {relative_error(a, n):.1e}")


@pytest.mark.parametrize("name", WITH_PARAMS)
def test_backward_overwrites_the_gradients(name):
    case = _case(name)
    out = case.layer.forward(case.X, training=case.training)
    dout = np.random.default_rng(2).standard_normal(out.shape)
    case.layer.backward(dout)
    first = {k: g.copy() for k, g in case.layer.grads.items()}
    case.layer.forward(case.X, training=case.training)
    case.layer.backward(dout)
    for key, g in case.layer.grads.items():
        np.testing.assert_array_equal(g, first[key], err_msg=key)


def test_containers_share_one_base():
    from dlbook import Sequential
    from dlbook.residual import Residual
    assert issubclass(Sequential, Container)
    assert issubclass(Residual, Container)
    # no container keeps arrays of its own: its params are its layers'
    for name in ("Residual", "Sequential"):
        case = _case(name)
        assert not vars(case.layer).get("params")
        inner = [p for la in case.layer.layers for p in la.params.values()]
        assert [id(p) for p in case.layer.params.values()] == \
            [id(p) for p in inner]


def test_nested_containers_flatten_their_keys():
    from dlbook import Dense, Sequential, Tanh
    from dlbook.residual import Residual
    model = Sequential([Dense(2, 3, rng=0),
                        Residual([Dense(3, 3, rng=1), Tanh()]),
                        Sequential([Dense(3, 1, rng=2)])],
                       dtype=np.float32)
    assert list(model.params) == ["0.W", "0.b", "1.0.W", "1.0.b",
                                  "2.0.W", "2.0.b"]
    assert model.n_params == 6 + 3 + 9 + 3 + 3 + 1
    assert all(p.dtype == np.float32 for p in model.params.values())


def test_a_container_needs_layers():
    from dlbook import Sequential
    from dlbook.residual import Residual
    for cls in (Sequential, Residual):
        with pytest.raises(ValueError, match="non-empty list of dlbook"):
            cls([])
        with pytest.raises(ValueError, match="non-empty list of dlbook"):
            cls([np.eye(2)])


def test_layer_base_is_abstract():
    with pytest.raises(NotImplementedError):
        Layer().forward(np.ones((1, 1)))
