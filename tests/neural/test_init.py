"""Initializations: variances, the orthogonal spectrum, and He's variance preservation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linml.exceptions import LinmlInputError
from linml.neural import Linear, ReLU, Sequential
from linml.neural.init import fans, initialize, orthogonal


@given(st.integers(1, 40), st.integers(1, 40), st.integers(0, 10_000))
def test_orthogonal_has_all_singular_values_one(rows, cols, seed):
    W = initialize("orthogonal", (rows, cols), random_state=seed)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 1.0, atol=1e-12)


def test_orthogonal_gain_and_conv_shape():
    W = orthogonal((4, 2, 3, 3), random_state=0, gain=2.0)
    assert W.shape == (4, 2, 3, 3)
    np.testing.assert_allclose(np.linalg.svd(W.reshape(4, -1), compute_uv=False), 2.0)


@pytest.mark.parametrize(
    ("name", "variance"),
    [
        ("xavier_normal", 2 / (300 + 200)),
        ("xavier_uniform", 2 / (300 + 200)),
        ("he_normal", 2 / 300),
        ("he_uniform", 2 / 300),
        ("lecun_normal", 1 / 300),
        ("lecun_uniform", 1 / 300),
        ("normal", 1.0),
    ],
)
def test_variances_follow_the_fan_formulas(name, variance):
    W = initialize(name, (200, 300), random_state=0)
    assert W.mean() == pytest.approx(0, abs=0.02 * np.sqrt(variance))
    assert W.var() == pytest.approx(variance, rel=0.03)


@settings(max_examples=10)
@given(st.integers(256, 512), st.integers(0, 10_000))
def test_he_init_keeps_relu_activation_variance_through_depth(width, seed):
    """E[h²] is preserved layer to layer (He: Var(W) = 2/fan_in undoes ReLU's halving).

    Per layer r = ‖h'‖²/‖h‖² = (2/n) Σ relu(g_i)² has mean 1 and variance 5/n, so after L
    layers log r has standard deviation ≈ √(5L/n); we allow 4 of them. Xavier, by
    contrast, ends at log r ≈ L log ½ = −6.9 for L = 10, far outside.
    """
    depth = 10
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((32, width))
    net = Sequential(
        *[
            m
            for _ in range(depth)
            for m in (Linear(width, width, init="he_normal", random_state=rng), ReLU())
        ]
    )
    ratio = np.mean(net.forward(X) ** 2) / np.mean(X**2)
    assert abs(np.log(ratio)) < 4 * np.sqrt(5 * depth / width)


def test_xavier_with_relu_loses_half_the_variance_per_layer():
    """The contrast: without He's factor 2 the second moment halves at each ReLU layer."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 200))
    net = Sequential(
        *[
            m
            for i in range(8)
            for m in (Linear(200, 200, init="xavier_normal", random_state=rng), ReLU())
        ]
    )
    ratio = np.mean(net.forward(X) ** 2) / np.mean(X**2)
    assert ratio == pytest.approx(0.5**8, rel=0.5)


def test_fans_of_conv_weights():
    assert fans((8, 3, 5, 5)) == (75, 200)


def test_bad_init_requests_are_rejected():
    with pytest.raises(LinmlInputError, match="init='xavier'"):
        initialize("xavier", (2, 2))
    with pytest.raises(LinmlInputError, match="expected"):
        initialize(lambda shape, rs, dt: np.zeros(3), (2, 2))
    with pytest.raises(LinmlInputError, match="at least 2 axes"):
        fans((3,))
