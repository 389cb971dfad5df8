"""PCA's covariance route (issue 19): one fused pass over row blocks, checked against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from linml.decomposition import PCA
from linml.decomposition import pca as pca_module
from linml.linalg._scaling import global_exponent

RTOL = {np.float64: 1e-12, np.float32: 1e-5}


def _data(n, p, dtype=np.float64, order="C", shift=5.0, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * np.geomspace(10, 0.1, p) + shift
    return np.asarray(X, dtype=dtype, order=order)


def _align_rows(A, B):
    return B * np.sign(np.sum(A * B, axis=1, keepdims=True))


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 256 rows, so a test matrix spans several blocks and a ragged last one."""
    monkeypatch.setattr(pca_module, "_FUSED_BLOCK_BYTES", 1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("order", ["C", "F"])
def test_fused_moments_match_numpy(small_blocks, dtype, order):
    """Σ x and G = XᵀX from blocks equal NumPy's one-shot reductions."""
    X = _data(1000, 7, dtype=dtype, order=order)
    col_sum, G = pca_module._fused_moments(X)
    X64 = X.astype(np.float64)
    np.testing.assert_allclose(col_sum, X64.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(G, X64.T @ X64, rtol=RTOL[dtype])
    assert G.dtype == dtype
    np.testing.assert_array_equal(G, G.T)


@pytest.mark.parametrize("scale", [1.0, 1e200, 1e-200, 1e150, 1e-148, 0.0])
def test_covariance_moments_exponent_as_global_exponent(small_blocks, scale):
    """The fused pass finds issue 17's exponent, and μ, M2 are those of X · 2^(−e)."""
    X = _data(600, 5) * scale
    e, mean, M2 = pca_module._covariance_moments(X)
    assert e == global_exponent(X)
    Xs = np.ldexp(X, -e)
    np.testing.assert_allclose(mean, Xs.mean(axis=0), rtol=1e-12)
    Xc = Xs - Xs.mean(axis=0)
    ref = Xc.T @ Xc
    np.testing.assert_allclose(M2, ref, rtol=1e-10, atol=1e-12 * np.abs(ref).max())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("big", [1.0, 3e150, 2e-150, 1e300, 1e-300, 1e20, 1e-20])
def test_exponent_from_gram_equals_global_exponent(dtype, big):
    """Reading e off diag(G) never disagrees with the exact max |X| pass (issue 17's rule)."""
    with np.errstate(over="ignore", under="ignore"):
        X = (_data(300, 3) / 10 * big).astype(dtype)
        G = X.T @ X
    if np.all(X == 0) or not np.all(np.isfinite(X)):
        pytest.skip("not representable in this dtype")
    assert pca_module._exponent_from_gram(X, G) == global_exponent(X)


def test_covariance_moments_large_mean_uses_centered_blocks(small_blocks):
    """Mean 1e8, spread 1: G − n μμᵀ would cancel every digit; centered blocks keep them."""
    X = _data(700, 4, shift=1e8)
    _, mean, M2 = pca_module._covariance_moments(X)
    Xc = X - X.mean(axis=0)
    np.testing.assert_allclose(mean, X.mean(axis=0), rtol=1e-15)
    np.testing.assert_allclose(M2, Xc.T @ Xc, rtol=1e-8)


@pytest.mark.parametrize("k", [None, 3])
@pytest.mark.parametrize(("n", "p"), [(2000, 12), (257, 30)])
def test_components_match_numpy_eigh_of_covariance(small_blocks, n, p, k):
    """components_ = top eigenvectors of np.cov (up to sign) to 1e-10; λ to 1e-10."""
    X = _data(n, p)
    pca = PCA(k, solver="covariance_eigh").fit(X)
    lam, V = np.linalg.eigh(np.cov(X, rowvar=False))
    lam, V = lam[::-1], V[:, ::-1]
    kk = pca.n_components_
    np.testing.assert_allclose(
        pca.components_, _align_rows(pca.components_, V[:, :kk].T), atol=1e-10
    )
    np.testing.assert_allclose(pca.explained_variance_, lam[:kk], rtol=1e-10)
    np.testing.assert_allclose(pca.mean_, X.mean(axis=0), rtol=1e-13)


def test_auto_uses_fused_route_and_wide_data_avoid_it():
    """auto: covariance for n ≥ 10 p (p ≤ 1000), randomized for wide data with small k."""
    assert pca_module._auto_solver(100_000, 500, 50) == "covariance_eigh"
    assert pca_module._auto_solver(200_000, 100, 10) == "covariance_eigh"
    assert pca_module._auto_solver(3000, 3000, 50) == "randomized"
    assert pca_module._auto_solver(500, 10_000, 10) == "randomized"
