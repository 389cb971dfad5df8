"""Tests for linml.linalg.whitening: W Σ Wᵀ = I, ZCA symmetric, PCA rows on principal axes."""

from __future__ import annotations

import numpy as np
import pytest

from linml.exceptions import LinmlInputError
from linml.linalg import eigh_sorted, whitening_matrix


def _cov(seed=0, p=4):
    X = np.random.default_rng(seed).standard_normal((200, p)) @ np.random.default_rng(
        seed + 1
    ).standard_normal((p, p))
    return np.cov(X, rowvar=False)


@pytest.mark.parametrize("method", ["pca", "zca"])
def test_whitened_covariance_is_identity(method):
    cov = _cov()
    W = whitening_matrix(cov, method=method, eps=0.0)
    np.testing.assert_allclose(W @ cov @ W.T, np.eye(4), atol=1e-10)


def test_zca_is_symmetric_inverse_square_root():
    cov = _cov(1)
    W = whitening_matrix(cov, "zca", eps=0.0)
    np.testing.assert_allclose(W, W.T, atol=0)
    np.testing.assert_allclose(W @ W @ cov, np.eye(4), atol=1e-10)  # W² = Σ⁻¹


def test_pca_rows_are_scaled_principal_axes():
    cov = _cov(2)
    w, V = eigh_sorted(cov)
    W = whitening_matrix(cov, "pca", eps=0.0)
    np.testing.assert_allclose(W, V.T / np.sqrt(w)[:, None], rtol=1e-10)


def test_singular_covariance_needs_eps():
    cov = np.array([[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(LinmlInputError, match=r"cov is singular.*eps > 0"):
        whitening_matrix(cov, eps=0.0)
    W = whitening_matrix(cov, "zca", eps=1e-8)
    assert np.isfinite(W).all()


def test_whitening_bad_input():
    with pytest.raises(LinmlInputError, match=r"method='pcaa' is not supported.*'pca', 'zca'"):
        whitening_matrix(np.eye(2), "pcaa")
    with pytest.raises(LinmlInputError, match=r"eps=-1.0 must be a finite number >= 0"):
        whitening_matrix(np.eye(2), eps=-1.0)
    with pytest.raises(LinmlInputError, match=r"cov must be square"):
        whitening_matrix(np.ones((2, 3)))


def test_non_psd_covariance_rejected():
    """Issue 17: a matrix with a negative eigenvalue is no covariance; it used to be clipped."""
    with pytest.raises(LinmlInputError, match=r"cov is not positive semi-definite.*-1"):
        whitening_matrix(np.array([[1.0, 2.0], [2.0, 1.0]]), eps=0.0)


@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_whitening_is_scale_equivariant_at_float64_edges(scale):
    """Issue 17: W(s Σ) = W(Σ)/sqrt(s), computed on a rescaled Σ, for s near overflow/underflow."""
    cov = np.array([[2.0, 1.0], [1.0, 2.0]])
    W = whitening_matrix(cov * scale, "zca", eps=0.0)
    np.testing.assert_allclose(W * np.sqrt(scale), whitening_matrix(cov, "zca", eps=0.0))
