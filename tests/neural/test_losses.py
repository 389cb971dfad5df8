"""Losses: gradient checks, oracles (scikit-learn, SciPy) and stability of log-sum-exp."""

import numpy as np
import pytest
import scipy.special
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import log_loss, mean_squared_error

from linml.exceptions import LinmlInputError
from linml.neural import (
    MSELoss,
    SoftmaxCrossEntropy,
    log_softmax,
    logsumexp,
    numerical_gradient,
    softmax,
)
from linml.neural.gradcheck import relative_error

rng = np.random.default_rng(0)


def _loss_gradcheck(loss, Z, target):
    loss.forward(Z, target)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss.forward(Z, target), Z)
    return relative_error(analytic, numeric)


def test_cross_entropy_gradient_labels():
    Z = rng.standard_normal((6, 4))
    assert _loss_gradcheck(SoftmaxCrossEntropy(), Z, np.array([0, 3, 1, 1, 2, 0])) < 1e-6


def test_cross_entropy_gradient_probability_targets():
    Z = rng.standard_normal((5, 3))
    P = softmax(rng.standard_normal((5, 3)))
    assert _loss_gradcheck(SoftmaxCrossEntropy(), Z, P) < 1e-6


@pytest.mark.parametrize("shape", [(6, 1), (6, 3)])
def test_mse_gradient(shape):
    assert _loss_gradcheck(MSELoss(), rng.standard_normal(shape), rng.standard_normal(shape)) < 1e-6


def test_cross_entropy_equals_sklearn_log_loss():
    Z = rng.standard_normal((50, 4)) * 3
    y = rng.integers(0, 4, 50)
    value = SoftmaxCrossEntropy().forward(Z, y)
    assert value == pytest.approx(log_loss(y, softmax(Z), labels=range(4)), rel=1e-10)


def test_mse_equals_sklearn():
    A, B = rng.standard_normal((20, 2)), rng.standard_normal((20, 2))
    assert MSELoss().forward(A, B) == pytest.approx(mean_squared_error(B, A), rel=1e-12)


def test_cross_entropy_is_finite_for_huge_logits():
    """Fused log-sum-exp: logits of 1e4 would overflow exp() if computed naively."""
    Z = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]])
    loss = SoftmaxCrossEntropy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        value = loss.forward(Z, np.array([2, 1]))
        G = loss.backward()
    assert value == pytest.approx(1e4)  # first row: −log softmax at −1e4 ≈ 2e4, second 0
    assert np.all(np.isfinite(G))


@given(arrays(np.float64, (3, 5), elements=st.floats(-700, 700)))
def test_logsumexp_matches_scipy_and_softmax_rows_sum_to_one(Z):
    atol = 1e-12 * (1 + np.abs(Z).max())  # the result may cancel to ~0: compare absolutely
    np.testing.assert_allclose(
        logsumexp(Z, axis=1), scipy.special.logsumexp(Z, axis=1), rtol=1e-12, atol=atol
    )
    np.testing.assert_allclose(softmax(Z).sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(log_softmax(Z)), softmax(Z), rtol=1e-9, atol=1e-300)


def test_bad_labels_and_shapes_are_rejected():
    with pytest.raises(LinmlInputError, match=r"integers in \[0, 3\)"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(LinmlInputError, match="must match"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(LinmlInputError, match="differs from prediction shape"):
        MSELoss().forward(np.zeros((2, 3)), np.zeros((2, 2)))
