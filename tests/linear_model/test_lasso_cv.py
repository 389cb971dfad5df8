"""LassoCV / ElasticNetCV: same choices as scikit-learn on fixed folds, API checks, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk
from sklearn.model_selection import KFold
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml.exceptions import LinmlInputError
from linml.io import load, save
from linml.linear_model import ElasticNetCV, LassoCV
from tests.linear_model.test_lasso import make_problem


@parametrize_with_checks([LassoCV(), ElasticNetCV(l1_ratio=[0.5, 1.0], alphas=10, cv=3)])
def test_sklearn_api(estimator, check):
    check(estimator)


@pytest.mark.parametrize("cv", [KFold(5), 4], ids=["KFold(5)", "int"])
@pytest.mark.parametrize("seed", [0, 1])
def test_lasso_cv_picks_sklearns_alpha(cv, seed):
    X, y = make_problem(seed, 100, 40, noise=1.0)
    ours = LassoCV(cv=cv, tol=1e-10, max_iter=100000).fit(X, y)
    theirs = sk.LassoCV(cv=cv, alphas=100, tol=1e-10, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-12)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-6)
    # the same grid point (the grids agree to rounding: α_max = ‖X̃ᵀy‖∞/n summed differently)
    assert int(np.argmin(np.abs(ours.alphas_ - ours.alpha_))) == int(
        np.argmin(np.abs(theirs.alphas_ - theirs.alpha_))
    )
    assert ours.alpha_ == pytest.approx(theirs.alpha_, rel=1e-12)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)


def test_elastic_net_cv_picks_sklearns_alpha_and_l1_ratio():
    X, y = make_problem(3, 80, 30, noise=1.0)
    rhos = [0.2, 0.6, 1.0]
    ours = ElasticNetCV(l1_ratio=rhos, alphas=30, cv=KFold(4), tol=1e-10).fit(X, y)
    theirs = sk.ElasticNetCV(l1_ratio=rhos, alphas=30, cv=KFold(4), tol=1e-10).fit(X, y)
    assert ours.mse_path_.shape == theirs.mse_path_.shape == (3, 30, 4)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-6)
    # alpha_ is computed by two code paths (last-bit differences seen); l1_ratio_ is picked from rhos
    assert ours.alpha_ == pytest.approx(theirs.alpha_, rel=1e-12)
    assert ours.l1_ratio_ == pytest.approx(theirs.l1_ratio_, rel=1e-12)  # both from rhos


def test_parallel_folds_give_the_same_result():
    X, y = make_problem(4, 80, 50)
    one = LassoCV(alphas=20, cv=4).fit(X, y)
    two = LassoCV(alphas=20, cv=4, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(one.mse_path_, two.mse_path_)
    assert one.alpha_ == two.alpha_


def test_sparse_input_matches_dense():
    X, y = make_problem(5, 90, 40)
    X = X * (np.abs(X - 1) > 0.5)
    dense = LassoCV(alphas=15, cv=3, tol=1e-10).fit(X, y)
    sparse = LassoCV(alphas=15, cv=3, tol=1e-10).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.mse_path_, dense.mse_path_, rtol=1e-6)
    assert sparse.alpha_ == pytest.approx(dense.alpha_, rel=1e-12)


def test_explicit_alphas_are_sorted_decreasing_and_save_load(tmp_path):
    X, y = make_problem(6, 60, 10)
    model = LassoCV(alphas=[0.01, 1.0, 0.1], cv=3).fit(X, y)
    np.testing.assert_array_equal(model.alphas_, [1.0, 0.1, 0.01])
    save(model, tmp_path / "cv.npz")
    np.testing.assert_array_equal(load(tmp_path / "cv.npz").predict(X), model.predict(X))
    facts = {f.name: f.value for f in model._explain().facts}
    assert facts["chosen alpha"] == model.alpha_
    assert "support size" in facts


def test_bad_input_is_rejected():
    X, y = make_problem(7, 30, 6)
    with pytest.raises(LinmlInputError, match="finite numbers >= 0"):
        LassoCV(alphas=[0.1, -0.2]).fit(X, y)
    with pytest.raises(LinmlInputError, match="every l1_ratio > 0"):
        ElasticNetCV(l1_ratio=[0.0, 0.5]).fit(X, y)
    with pytest.raises(LinmlInputError, match="every entry of l1_ratio"):
        ElasticNetCV(l1_ratio=[0.5, 2.0]).fit(X, y)
    with pytest.raises(LinmlInputError, match="eps=0"):
        LassoCV(eps=0).fit(X, y)
    with pytest.raises(ValueError, match="y has 29 rows but X has 30"):
        LassoCV().fit(X, y[1:])
