"""TruncatedSVD: sparse and dense oracles against scikit-learn, invariants, bad input, API checks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD as SkTruncatedSVD
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml import LinmlInputError
from linml.decomposition import TruncatedSVD
from linml.io import load, save


def _sparse_low_rank(n=400, p=120, density=0.05, seed=0):
    """A sparse matrix whose values follow a rank-4 pattern (clear gap: both solvers converge)."""
    rng = np.random.default_rng(seed)
    mask = sp.random(n, p, density=density, random_state=seed, format="csr")
    L = rng.normal(size=(n, 4)) * [8, 5, 3, 2]
    R = rng.normal(size=(4, p))
    rows, cols = mask.nonzero()
    vals = np.einsum("ij,ji->i", L[rows], R[:, cols])
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, p))


@parametrize_with_checks([TruncatedSVD(random_state=0)])
def test_sklearn_api_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("algorithm", ["randomized", "arpack"])
@pytest.mark.parametrize("fmt", ["csr", "csc", "dense"])
def test_matches_sklearn(algorithm, fmt):
    X = _sparse_low_rank()
    X = X.toarray() if fmt == "dense" else X.asformat(fmt)
    ours = TruncatedSVD(5, algorithm=algorithm, n_iter=7, random_state=0).fit(X)
    ref = SkTruncatedSVD(5, algorithm=algorithm, n_iter=7, random_state=0).fit(X)
    np.testing.assert_allclose(ours.singular_values_, ref.singular_values_, rtol=1e-6)
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-5)
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-5
    )
    signs = np.sign(np.sum(ours.components_ * ref.components_, axis=1, keepdims=True))
    np.testing.assert_allclose(ours.components_[:4], (ref.components_ * signs)[:4], atol=1e-5)
    Z = ours.transform(X)
    np.testing.assert_allclose(Z[:, :4], (ref.transform(X) * signs.T)[:, :4], atol=1e-4)


def test_exact_singular_values_and_orthonormal_components():
    X = _sparse_low_rank()
    svd = TruncatedSVD(4, algorithm="arpack", random_state=0).fit(X)
    S_exact = np.linalg.svd(X.toarray(), compute_uv=False)[:4]
    np.testing.assert_allclose(svd.singular_values_, S_exact, rtol=1e-10)
    V = svd.components_
    np.testing.assert_allclose(V @ V.T, np.eye(4), atol=1e-10)


@pytest.mark.parametrize("algorithm", ["randomized", "arpack"])
def test_fit_transform_equals_transform_for_exact_triplets(algorithm):
    """U diag(S) = X Vᵀ holds for exact singular triplets: exact rank 4 (randomized) or ARPACK."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)) @ rng.normal(size=(4, 50))
    if algorithm == "arpack":
        X = X + rng.normal(size=X.shape)
    model = TruncatedSVD(4, algorithm=algorithm, random_state=0)
    Z = model.fit_transform(X)
    np.testing.assert_allclose(Z, model.transform(X), atol=1e-8)


def test_no_centering_first_component_follows_mean():
    """On positive data the first right singular vector points along the (uncentered) mean."""
    X = np.abs(np.random.default_rng(0).normal(size=(200, 6))) + 5.0
    v1 = TruncatedSVD(2, random_state=0).fit(X).components_[0]
    mean_dir = X.mean(0) / np.linalg.norm(X.mean(0))
    assert abs(v1 @ mean_dir) > 0.99


def test_float32_preserved():
    X = _sparse_low_rank().astype(np.float32)
    model = TruncatedSVD(3, random_state=0).fit(X)
    assert model.components_.dtype == np.float32
    assert model.transform(X).dtype == np.float32


def test_too_many_components_message():
    X = np.random.default_rng(0).normal(size=(10, 4))
    with pytest.raises(
        LinmlInputError, match=r"n_components=7 must be <= min\(n_samples, n_features\)=4"
    ):
        TruncatedSVD(7).fit(X)
    with pytest.raises(LinmlInputError, match=r"n_components=4 must be < .*arpack"):
        TruncatedSVD(4, algorithm="arpack").fit(X)


def test_nan_in_sparse_is_located():
    X = sp.csr_matrix(np.array([[1.0, 0.0, 2.0], [0.0, np.nan, 1.0], [1.0, 1.0, 0.0]]))
    with pytest.raises(LinmlInputError, match="NaN at row 1, column 1"):
        TruncatedSVD(1).fit(X)


def test_save_load_and_explain(tmp_path):
    X = _sparse_low_rank()
    model = TruncatedSVD(3, random_state=0).fit(X)
    save(model, tmp_path / "svd.npz")
    again = load(tmp_path / "svd.npz")
    np.testing.assert_array_equal(again.transform(X), model.transform(X))
    assert "singular_values_" in str(model._explain())
