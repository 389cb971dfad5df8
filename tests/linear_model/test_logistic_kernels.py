"""The compiled log-loss kernels against their NumPy twin, and the fused loss + gradient.

The twin below is the readable definition (scipy's logsumexp / expit, one array op per
formula); the kernels must agree with it to 1e-12 relative on the loss, the residual
``R = s ∘ (P − Y)``, its column sums and ``η``, including margins large enough that a naive
``exp`` would overflow.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, logsumexp

from linml.linear_model._logistic import (
    LogisticProblem,
    _fused_block_rows,
    gradient,
    linear_predictor,
    loss_and_gradient,
    loss_and_probabilities,
    objective,
)
from linml.linear_model._logistic_kernels import binary_loss_residual, softmax_loss_residual

RTOL = 1e-12


def _twin(E, b, y, s):
    """NumPy oracle: ``(Σ s ℓ, R = s ∘ (P − Y), Σ_i R_i, η)`` for one block."""
    eta = E + b  # (c, K')
    if eta.shape[1] == 1:
        e = eta[:, 0]
        loss = np.logaddexp(0.0, e) - (y == 1) * e  # log(1 + e^η) − yη
        R = (s * (expit(e) - (y == 1)))[:, None]
    else:
        rows = np.arange(eta.shape[0])
        lse = logsumexp(eta, axis=1)
        loss = lse - eta[rows, y]  # logsumexp(η) − η_y
        P = np.exp(eta - lse[:, None])  # softmax
        R = s[:, None] * (P - np.eye(eta.shape[1])[y])
    return float(s @ loss), R, R.sum(axis=0), eta


def _block(n, K, seed, scale):
    rng = np.random.default_rng(seed)
    E = scale * rng.standard_normal((n, K))
    b = rng.standard_normal(K)
    y = rng.integers(0, 2 if K == 1 else K, n).astype(np.intp)
    s = rng.uniform(0.0, 3.0, n)
    s[::7] = 0.0  # zero weights contribute nothing
    return E, b, y, s


def _close(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=RTOL * max(float(np.max(np.abs(b))), 1.0))


@pytest.mark.parametrize("K", [1, 3, 10])
@pytest.mark.parametrize("scale", [0.1, 3.0, 800.0])  # 800: e^η overflows without the shift
@pytest.mark.parametrize("seed", [0, 1])
def test_kernel_matches_numpy_twin(K, scale, seed):
    E, b, y, s = _block(257, K, seed, scale)
    loss_ref, R_ref, colsum_ref, eta_ref = _twin(E, b, y, s)
    kernel = binary_loss_residual if K == 1 else softmax_loss_residual
    R = E.copy()
    colsum = np.full(K, 0.5)  # the kernel adds to it
    eta = np.empty((E.shape[0], K))
    loss = kernel(R, b, y, s, colsum, eta)
    assert np.isfinite(loss)
    _close(loss, loss_ref)
    _close(R, R_ref)
    _close(colsum - 0.5, colsum_ref)
    np.testing.assert_array_equal(eta, eta_ref)  # η = E + b exactly


@pytest.mark.parametrize("K", [1, 4])
def test_kernel_without_eta_output_leaves_result_unchanged(K):
    E, b, y, s = _block(50, K, 3, 2.0)
    kernel = binary_loss_residual if K == 1 else softmax_loss_residual
    R1, R2 = E.copy(), E.copy()
    l1 = kernel(R1, b, y, s, np.zeros(K), np.empty((0, K)))
    l2 = kernel(R2, b, y, s, np.zeros(K), np.empty((50, K)))
    assert l1 == l2
    np.testing.assert_array_equal(R1, R2)


def _problem(n, p, n_classes, seed, fit_intercept=True, lam=0.7):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = rng.integers(0, n_classes, n).astype(np.intp)
    s = rng.uniform(0.1, 2.0, n)
    prob = LogisticProblem(X, y, s, n_classes, lam, fit_intercept)
    Theta = rng.standard_normal((prob.n_outputs, prob.m1))
    return prob, Theta


@pytest.mark.parametrize("n_classes", [2, 5])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("lam", [0.0, 0.7])
def test_fused_loss_and_gradient_matches_unfused(n_classes, fit_intercept, lam):
    """Several row blocks (n > block rows): same f, ∇f and η as the NumPy pieces."""
    prob, Theta = _problem(5000, 60, n_classes, 0, fit_intercept, lam)
    assert _fused_block_rows(60, prob.n_outputs) < 5000  # really several blocks
    eta_ref = linear_predictor(prob, Theta)
    loss_ref, P = loss_and_probabilities(prob, eta_ref)
    f, G, eta = loss_and_gradient(prob, Theta, keep_eta=True)
    _close(f, objective(prob, Theta, loss_ref))
    _close(G, gradient(prob, Theta, P))
    np.testing.assert_allclose(eta, eta_ref, rtol=1e-13, atol=1e-13)
    f2, G2, none = loss_and_gradient(prob, Theta)
    assert none is None and f2 == f
    np.testing.assert_array_equal(G2, G)


def test_fused_gradient_matches_central_differences():
    prob, Theta = _problem(400, 6, 3, 1)
    _, G, _ = loss_and_gradient(prob, Theta)
    h = 1e-6
    num = np.empty_like(Theta)
    for idx in np.ndindex(*Theta.shape):
        up, down = Theta.copy(), Theta.copy()
        up[idx] += h
        down[idx] -= h
        num[idx] = (loss_and_gradient(prob, up)[0] - loss_and_gradient(prob, down)[0]) / (2 * h)
    np.testing.assert_allclose(G, num, rtol=1e-6, atol=1e-6 * np.abs(G).max())
