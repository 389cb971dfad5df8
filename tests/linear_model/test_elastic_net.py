"""ElasticNet and enet_path: scikit-learn oracle, the ridge limit, API checks, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml.exceptions import LinmlInputError
from linml.linear_model import ElasticNet, enet_path
from tests.linear_model.test_lasso import TIGHT, alpha_max, make_problem, objective


@parametrize_with_checks([ElasticNet()])
def test_sklearn_api(estimator, check):
    check(estimator)


@pytest.mark.parametrize("l1_ratio", [0.2, 0.7])
@pytest.mark.parametrize("precompute", [False, True], ids=["dense", "gram"])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("sparse_input", [False, True])
def test_objective_and_support_match_sklearn(l1_ratio, precompute, positive, sparse_input):
    """Same objective (to 1e-7 relative) and support as scikit-learn at gap ≤ 1e-10."""
    X, y = make_problem(20, 90, 60)
    if sparse_input:
        if precompute:
            pytest.skip("the Gram path is for dense X")
        X = sp.csc_matrix(X * (np.abs(X - 1) > 0.7))
    Xd = X.toarray() if sparse_input else X
    alpha = 0.05 * alpha_max(Xd, y) / l1_ratio
    kw = dict(alpha=alpha, l1_ratio=l1_ratio, positive=positive, tol=TIGHT, max_iter=100000)
    ours = ElasticNet(**kw, precompute=precompute).fit(X, y)
    theirs = sk.ElasticNet(**kw).fit(X, y)
    f_ours = objective(X, y, ours.coef_, ours.intercept_, alpha, l1_ratio)
    f_theirs = objective(X, y, theirs.coef_, theirs.intercept_, alpha, l1_ratio)
    assert abs(f_ours - f_theirs) <= 1e-7 * abs(f_theirs)
    np.testing.assert_array_equal(np.flatnonzero(ours.coef_), np.flatnonzero(theirs.coef_))
    expected_mode = "sparse" if sparse_input else ("gram" if precompute else "dense")
    assert ours.solver_stats_["mode"] == expected_mode


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("precompute", [False, True])
def test_l1_ratio_zero_is_ridge_closed_form(fit_intercept, precompute):
    """ρ = 0: (X̃ᵀX̃/n + αI)β = X̃ᵀy_c/n, solved here by numpy, not by another estimator."""
    X, y = make_problem(21, 70, 25)
    n, p = X.shape
    alpha = 0.3
    model = ElasticNet(
        alpha=alpha, l1_ratio=0.0, fit_intercept=fit_intercept, tol=1e-14, max_iter=100000,
        precompute=precompute,
    ).fit(X, y)  # fmt: skip
    Xc = X - X.mean(axis=0) if fit_intercept else X
    yc = y - y.mean() if fit_intercept else y
    beta = np.linalg.solve(Xc.T @ Xc / n + alpha * np.eye(p), Xc.T @ yc / n)
    # α-strong convexity: ½α‖β − β*‖² ≤ P(β) − P(β*) ≤ dual_gap_
    assert np.linalg.norm(model.coef_ - beta) <= np.sqrt(2 * model.dual_gap_ / alpha) + 1e-12
    np.testing.assert_allclose(model.coef_, beta, rtol=1e-6, atol=1e-6)
    if fit_intercept:
        assert model.intercept_ == pytest.approx(y.mean() - X.mean(axis=0) @ beta, abs=1e-7)
    assert np.isinf(model.alpha_max_)  # no alpha zeroes a ridge solution


def test_gram_and_dense_modes_agree():
    X, y = make_problem(22, 300, 20)
    a = ElasticNet(alpha=0.05, l1_ratio=0.6, precompute=True, tol=TIGHT).fit(X, y)
    b = ElasticNet(alpha=0.05, l1_ratio=0.6, precompute=False, tol=TIGHT).fit(X, y)
    assert (a.solver_stats_["mode"], b.solver_stats_["mode"]) == ("gram", "dense")
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)


@pytest.mark.parametrize("l1_ratio", [0.3, 0.9])
def test_enet_path_matches_sklearn(l1_ratio):
    X, y = make_problem(23, 50, 30, offset=0.0)
    ours = enet_path(X, y, l1_ratio=l1_ratio, alphas=20, eps=1e-2, tol=TIGHT, max_iter=100000)
    alphas, coefs, _ = sk.enet_path(
        X, y, l1_ratio=l1_ratio, alphas=20, eps=1e-2, tol=TIGHT, max_iter=100000
    )
    np.testing.assert_allclose(ours.alphas, alphas, rtol=1e-12)
    np.testing.assert_allclose(ours.coefs, coefs, atol=1e-6)


def test_enet_path_two_targets_and_coef_init():
    X, y = make_problem(24, 40, 10)
    Y = np.column_stack([y, 2 * y])
    path = enet_path(X, Y, alphas=[1.0, 0.1], tol=TIGHT)
    assert path.coefs.shape == (2, 10, 2) and path.dual_gaps.shape == (2, 2)
    second = enet_path(X, 2 * y, alphas=[1.0, 0.1], tol=TIGHT)
    np.testing.assert_allclose(path.coefs[1], second.coefs, atol=1e-9)
    warm = enet_path(X, y, alphas=[0.1], coef_init=path.coefs[0, :, 1], tol=TIGHT)
    assert warm.n_iters[0] <= 2
    with pytest.raises(LinmlInputError, match="coef_init has 3 features per target"):
        enet_path(X, y, alphas=[0.1], coef_init=np.zeros(3))


@pytest.mark.parametrize("l1_ratio", [-0.1, 1.5])
def test_l1_ratio_outside_unit_interval_is_rejected(l1_ratio):
    X, y = make_problem(25, 20, 6)
    with pytest.raises(LinmlInputError, match=rf"l1_ratio={l1_ratio} must be a number in \[0, 1\]"):
        ElasticNet(l1_ratio=l1_ratio).fit(X, y)
    with pytest.raises(LinmlInputError, match=r"l1_ratio="):
        enet_path(X, y, l1_ratio=l1_ratio)


def test_enet_path_bad_grids_are_rejected():
    X, y = make_problem(26, 20, 6)
    with pytest.raises(LinmlInputError, match="automatic alpha grid needs l1_ratio > 0"):
        enet_path(X, y, l1_ratio=0.0)
    with pytest.raises(LinmlInputError, match="finite numbers >= 0"):
        enet_path(X, y, alphas=[0.1, -1.0])
    with pytest.raises(LinmlInputError, match="alphas=0 must be a number of grid points"):
        enet_path(X, y, alphas=0)
    with pytest.raises(ValueError, match="y has 19 rows but X has 20"):
        enet_path(X, y[:-1])
    X[0, 0] = np.nan
    with pytest.raises(LinmlInputError, match="X contains NaN at row 0, column 0"):
        enet_path(X, y)
