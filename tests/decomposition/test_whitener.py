"""Whitener: identity covariance, ZCA optimality, agreement with linml.linalg, API checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import ortho_group
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml import LinmlInputError, NumericalWarning
from linml.decomposition import PCA, Whitener
from linml.io import load, save
from linml.linalg import whitening_matrix


def _correlated(n=400, p=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, p)) @ rng.normal(size=(p, p)) + rng.normal(size=p)


@parametrize_with_checks(
    [Whitener(), Whitener(method="zca")],
)
def test_sklearn_api_checks(estimator, check):
    check(estimator)


@given(seed=st.integers(0, 10_000), p=st.integers(1, 6), method=st.sampled_from(["pca", "zca"]))
def test_whitened_covariance_is_identity(seed, p, method):
    X = _correlated(n=10 * p + 20, p=p, seed=seed)
    Z = Whitener(method=method, eps=0.0).fit_transform(X)
    np.testing.assert_allclose(np.cov(Z, rowvar=False).reshape(p, p), np.eye(p), atol=1e-8)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-8)


@pytest.mark.parametrize("method", ["pca", "zca"])
def test_matrix_agrees_with_linalg_and_inverse_round_trips(method):
    X = _correlated()
    w = Whitener(method=method).fit(X)
    np.testing.assert_allclose(
        w.whitening_matrix_, whitening_matrix(np.cov(X, rowvar=False), method), atol=1e-10
    )
    np.testing.assert_allclose(w.whitening_matrix_ @ w.dewhitening_matrix_, np.eye(4), atol=1e-8)
    np.testing.assert_allclose(w.inverse_transform(w.transform(X)), X, atol=1e-10)


def test_pca_whitening_equals_whitened_pca_scores():
    X = _correlated()
    Z = Whitener(method="pca", eps=0.0).fit_transform(X)
    ref = PCA(whiten=True).fit_transform(X)
    np.testing.assert_allclose(Z, ref, atol=1e-8)


def test_zca_is_symmetric_inverse_root():
    X = _correlated()
    w = Whitener(method="zca", eps=0.0).fit(X)
    W = w.whitening_matrix_
    np.testing.assert_allclose(W, W.T, atol=1e-12)
    np.testing.assert_allclose(W @ W, np.linalg.inv(np.cov(X, rowvar=False)), rtol=1e-8)


@given(seed=st.integers(0, 10_000))
def test_zca_stays_closest_to_input(seed):
    """ZCA minimizes E‖x − Wx‖² over whitening matrices Q Σ^{-1/2} (Q orthogonal)."""
    X = _correlated(seed=seed)
    Xc = X - X.mean(axis=0)

    def distance(W):
        return np.mean(np.sum((Xc - Xc @ W.T) ** 2, axis=1))

    W_zca = Whitener(method="zca", eps=0.0).fit(X).whitening_matrix_
    W_pca = Whitener(method="pca", eps=0.0).fit(X).whitening_matrix_
    best = distance(W_zca)
    assert best <= distance(W_pca) + 1e-10
    for Q in ortho_group.rvs(4, size=10, random_state=seed):
        assert best <= distance(Q @ W_zca) + 1e-10


def test_rank_deficient_covariance_warns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2)) @ rng.normal(size=(2, 3))  # rank 2 in 3-D
    with pytest.warns(NumericalWarning, match="rank 2 < n_features=3"):
        Whitener().fit(X)


def test_bad_method_and_nan():
    with pytest.raises(LinmlInputError, match="method='cholesky' must be one of 'pca', 'zca'"):
        Whitener(method="cholesky").fit(np.ones((5, 2)))
    X = _correlated()
    X[7, 1] = np.nan
    with pytest.raises(LinmlInputError, match="NaN at row 7, column 1"):
        Whitener().fit(X)


def test_save_load_and_explain(tmp_path):
    X = _correlated()
    w = Whitener(method="zca").fit(X)
    save(w, tmp_path / "w.npz")
    np.testing.assert_array_equal(load(tmp_path / "w.npz").transform(X), w.transform(X))
    assert "condition number" in str(w._explain())
