"""Ridge: oracle vs scikit-learn (incl. multi-target, per-target alpha), augmented-OLS identity."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.linear_model as sk
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml import NumericalWarning
from linml.io import load, save
from linml.linear_model import LinearRegression, Ridge


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


@parametrize_with_checks([Ridge(), Ridge(solver="svd")])
def test_sklearn_api_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("solver", ["auto", "cholesky", "svd"])
@pytest.mark.parametrize("alpha", [0.0, 1e-3, 1.0, 100.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_matches_sklearn_on_diabetes(solver, alpha, fit_intercept):
    X, y = load_diabetes(return_X_y=True)
    ref = sk.Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
    model = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver=solver).fit(X, y)
    assert _rel(model.coef_, ref.coef_) < 1e-8
    assert abs(model.intercept_ - ref.intercept_) < 1e-8 * max(1.0, abs(ref.intercept_))


@pytest.mark.parametrize("solver", ["auto", "svd"])
@pytest.mark.parametrize("shape", [(40, 5), (15, 40)])  # tall (primal) and wide (dual)
def test_multi_target_and_per_target_alpha_match_sklearn(solver, shape):
    rng = np.random.default_rng(0)
    X = rng.standard_normal(shape) + 3.0
    Y = rng.standard_normal((shape[0], 3))
    for alpha in (2.0, [0.1, 1.0, 10.0], np.array([5.0, 5.0, 0.5])):
        ref = sk.Ridge(alpha=alpha).fit(X, Y)
        model = Ridge(alpha=alpha, solver=solver).fit(X, Y)
        assert model.coef_.shape == ref.coef_.shape == (3, shape[1])
        assert _rel(model.coef_, ref.coef_) < 1e-8
        np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-8, atol=1e-10)
    model = Ridge(alpha=[0.1, 1.0, 10.0], solver=solver).fit(X, Y)
    r = min(shape)
    assert model.shrinkage_factors_.shape == (3, r)
    assert model.effective_dof_.shape == (3,)
    assert np.all(np.diff(model.effective_dof_) < 0)  # more penalty, fewer dof


@given(
    n=st.integers(5, 30),
    p=st.integers(1, 8),
    alpha=st.floats(1e-3, 1e3),
    seed=st.integers(0, 2**31 - 1),
    solver=st.sampled_from(["auto", "cholesky", "svd"]),
)
def test_ridge_is_ols_on_augmented_system(n, p, alpha, seed, solver):
    """Ridge(α) without intercept = OLS on [X; √α I], [y; 0]."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = rng.standard_normal(n)
    ridge = Ridge(alpha=alpha, fit_intercept=False, solver=solver).fit(X, y)
    Xa = np.vstack([X, np.sqrt(alpha) * np.eye(p)])
    ya = np.concatenate([y, np.zeros(p)])
    ols = LinearRegression(fit_intercept=False, solver="qr").fit(Xa, ya)
    np.testing.assert_allclose(ridge.coef_, ols.coef_, rtol=1e-7, atol=1e-9)


def test_spectral_attributes_follow_the_definitions():
    X, y = load_diabetes(return_X_y=True)
    alpha = 0.05
    model = Ridge(alpha=alpha).fit(X, y)
    S = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    np.testing.assert_allclose(model.singular_values_, S, rtol=1e-10)
    np.testing.assert_allclose(model.shrinkage_factors_, S**2 / (S**2 + alpha), rtol=1e-10)
    assert model.effective_dof_ == pytest.approx(np.sum(S**2 / (S**2 + alpha)), rel=1e-10)
    assert model.condition_number_ == pytest.approx(S[0] / S[-1], rel=1e-10)
    k_ridge = np.sqrt((S[0] ** 2 + alpha) / (S[-1] ** 2 + alpha))
    assert model.condition_number_ridge_ == pytest.approx(k_ridge, rel=1e-10)
    # the augmented design [Xc; √α I] has exactly this condition number
    Xa = np.vstack([X - X.mean(axis=0), np.sqrt(alpha) * np.eye(X.shape[1])])
    assert np.linalg.cond(Xa) == pytest.approx(k_ridge, rel=1e-8)


def test_spectrum_skipped_when_it_would_dominate_the_cost():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((600, 600))
    model = Ridge(alpha=1.0).fit(X, rng.standard_normal(600))
    assert model.shrinkage_factors_ is None and model.singular_values_ is None
    assert "not computed" in str(model._explain())
    assert (
        Ridge(alpha=1.0, solver="svd").fit(X[:100, :80], X[:100, 0]).shrinkage_factors_ is not None
    )


def test_rank_deficient_alpha_zero_falls_back_or_raises():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((20, 3))
    X = np.c_[X, X[:, 0] - X[:, 1]]
    y = rng.standard_normal(20)
    with pytest.warns(NumericalWarning, match="falling back to the SVD"):
        model = Ridge(alpha=0.0).fit(X, y)
    assert model.solver_ == "svd"
    ols = LinearRegression(solver="svd").fit(X, y)
    np.testing.assert_allclose(model.coef_, ols.coef_, rtol=1e-8, atol=1e-10)
    with pytest.raises(ValueError, match="not positive definite"):
        Ridge(alpha=0.0, solver="cholesky").fit(X, y)


def test_float32_kept():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((50, 4)).astype(np.float32)
    y = X.sum(axis=1)
    model = Ridge(alpha=0.5).fit(X, y)
    assert model.coef_.dtype == np.float32 and not model.upcast_
    ref = Ridge(alpha=0.5).fit(X.astype(np.float64), y.astype(np.float64))
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "y", "match"),
    [
        ({"alpha": -1.0}, np.ones(4), "alpha=-1.0 must be a number in"),
        ({"alpha": [1.0, -2.0]}, np.ones((4, 2)), "every entry of alpha"),
        ({"alpha": [1.0, 2.0, 3.0]}, np.ones((4, 2)), "alpha has shape \\(3,\\)"),
        ({"solver": "qr"}, np.ones(4), "solver='qr' must be one of"),
    ],
)
def test_bad_params(kwargs, y, match):
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match=match):
        Ridge(**kwargs).fit(X, y)


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.array([[1.0, 2.0], [np.nan, 1.0]]), np.ones(2), "NaN at row 1, column 0"),
        (np.ones(3), np.ones(3), "must be 2-D"),
        (np.ones((3, 2)), np.ones(2), "y has 2 rows but X has 3"),
        (np.empty((0, 2)), np.empty(0), "0 sample"),
    ],
)
def test_bad_input(X, y, match):
    with pytest.raises(ValueError, match=match):
        Ridge().fit(X, y)


def test_io_round_trip(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    for model in (Ridge(alpha=0.3).fit(X, y), Ridge(alpha=[0.1, 2.0]).fit(X, np.c_[y, -y])):
        save(model, tmp_path / "ridge.npz")
        loaded = load(tmp_path / "ridge.npz")
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        np.testing.assert_array_equal(loaded.shrinkage_factors_, model.shrinkage_factors_)


def test_explain_mentions_shrinkage_dof_and_condition():
    X, y = load_diabetes(return_X_y=True)
    text = str(Ridge(alpha=0.1).fit(X, y)._explain())
    for word in ("shrinkage factors", "effective degrees of freedom", "after the shift", "log10"):
        assert word in text
