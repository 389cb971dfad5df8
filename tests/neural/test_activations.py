"""Activations: gradient checks, closed-form values, and invariants."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import expit
from scipy.stats import norm

from linml.exceptions import LinmlInputError
from linml.neural import GELU, Identity, LeakyReLU, ReLU, Sigmoid, Tanh, check_layer_gradients
from linml.neural.activations import get_activation

ACTS = {
    "relu": ReLU,
    "leaky_relu": lambda: LeakyReLU(0.1),
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "gelu": GELU,
    "identity": Identity,
}


def _away_from_kink(shape, seed=0):
    """Inputs with |x| > 0.1 so central differences never straddle ReLU's kink."""
    X = np.random.default_rng(seed).standard_normal(shape)
    return X + 0.1 * np.sign(X)


@pytest.mark.parametrize("name", sorted(ACTS))
def test_gradients_match_central_differences(name):
    errors = check_layer_gradients(ACTS[name](), _away_from_kink((5, 7)))
    assert errors["X"] < 1e-6


@pytest.mark.parametrize(
    ("layer", "f"),
    [
        (ReLU(), lambda x: np.maximum(x, 0)),
        (LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
        (Tanh(), np.tanh),
        (Sigmoid(), expit),
        (GELU(), lambda x: x * norm.cdf(x)),
    ],
)
def test_forward_equals_reference_formula(layer, f):
    X = np.linspace(-6, 6, 101).reshape(1, -1)
    np.testing.assert_allclose(layer.forward(X), f(X), rtol=1e-12, atol=1e-15)


def test_sigmoid_does_not_overflow_for_huge_inputs():
    with np.errstate(over="raise"):
        Y = Sigmoid().forward(np.array([[-1000.0, 1000.0]]))
    np.testing.assert_array_equal(Y, [[0.0, 1.0]])


@given(arrays(np.float32, (3, 4), elements=st.floats(-50, 50, width=32)))
def test_activations_keep_float32(X):
    for make in ACTS.values():
        layer = make()
        assert layer.forward(X).dtype == np.float32
        assert layer.backward(np.ones_like(X)).dtype == np.float32


@given(arrays(np.float64, (4, 3), elements=st.floats(-20, 20)))
def test_monotone_activations_have_nonnegative_slope(X):
    for name in ("relu", "leaky_relu", "tanh", "sigmoid"):
        layer = ACTS[name]()
        layer.forward(X)
        assert np.all(layer.backward(np.ones_like(X)) >= 0)


def test_unknown_activation_is_named_in_the_error():
    with pytest.raises(LinmlInputError, match="activation='swish'"):
        get_activation("swish")
