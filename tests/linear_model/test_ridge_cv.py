"""RidgeCV: chosen alpha and coefficients match scikit-learn; LOO/GCV against brute force."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.linear_model as sk
from sklearn.datasets import load_diabetes
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml.io import load, save
from linml.linear_model import Ridge, RidgeCV

ALPHAS = np.logspace(-4, 3, 25)


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


@parametrize_with_checks([RidgeCV(), RidgeCV(cv_mode="gcv")])
def test_sklearn_api_checks(estimator, check):
    check(estimator)


def _data(kind):
    rng = np.random.default_rng(0)
    if kind == "diabetes":
        return load_diabetes(return_X_y=True)
    if kind == "tall":
        X = rng.standard_normal((120, 6)) * [1, 2, 3, 0.5, 1, 4] + 10.0
        return X, X @ rng.standard_normal(6) + rng.standard_normal(120)
    X = rng.standard_normal((25, 60))  # wide: the dual route
    return X, X[:, :4].sum(axis=1) + 0.5 * rng.standard_normal(25)


@pytest.mark.parametrize("kind", ["diabetes", "tall", "wide"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_matches_sklearn_alpha_and_coef(kind, fit_intercept):
    X, y = _data(kind)
    ref = sk.RidgeCV(alphas=ALPHAS, fit_intercept=fit_intercept).fit(X, y)
    model = RidgeCV(alphas=ALPHAS, fit_intercept=fit_intercept).fit(X, y)
    assert model.alpha_ == ref.alpha_
    assert _rel(model.coef_, ref.coef_) < 1e-8
    assert model.best_score_ == pytest.approx(ref.best_score_, rel=1e-8)
    assert model.intercept_ == pytest.approx(ref.intercept_, rel=1e-8, abs=1e-10)


@pytest.mark.parametrize("alpha_per_target", [False, True])
@pytest.mark.parametrize("kind", ["diabetes", "wide"])
def test_multi_target_matches_sklearn(alpha_per_target, kind):
    X, y = _data(kind)
    Y = np.c_[y, 0.1 * y**2, -y + X[:, 1] * 30]
    ref = sk.RidgeCV(alphas=ALPHAS, alpha_per_target=alpha_per_target).fit(X, Y)
    model = RidgeCV(alphas=ALPHAS, alpha_per_target=alpha_per_target).fit(X, Y)
    np.testing.assert_array_equal(model.alpha_, ref.alpha_)
    assert model.coef_.shape == ref.coef_.shape
    assert _rel(model.coef_, ref.coef_) < 1e-8
    np.testing.assert_allclose(model.best_score_, ref.best_score_, rtol=1e-8)
    if alpha_per_target:
        assert model.cv_values_.shape == (ALPHAS.size, 3)
        assert model.shrinkage_factors_.shape == (3, min(X.shape))


def test_coef_equals_ridge_at_chosen_alpha():
    X, y = load_diabetes(return_X_y=True)
    model = RidgeCV(alphas=ALPHAS).fit(X, y)
    ridge = Ridge(alpha=model.alpha_).fit(X, y)
    np.testing.assert_allclose(model.coef_, ridge.coef_, rtol=1e-9)
    np.testing.assert_allclose(model.shrinkage_factors_, ridge.shrinkage_factors_, rtol=1e-9)


def _brute_force_loo(X, y, alpha):
    """Refit n times, leaving each sample out (the definition LOO shortcuts)."""
    errs = []
    for i in range(X.shape[0]):
        keep = np.arange(X.shape[0]) != i
        m = Ridge(alpha=alpha, solver="svd").fit(X[keep], y[keep])
        errs.append((y[i] - m.predict(X[i : i + 1])[0]) ** 2)
    return float(np.mean(errs))


@pytest.mark.parametrize("kind", ["tall", "wide"])
def test_loo_values_equal_n_refits(kind):
    X, y = _data(kind)
    X, y = X[:20], y[:20]
    alphas = np.array([0.05, 1.0, 30.0])
    model = RidgeCV(alphas=alphas).fit(X, y)
    brute = [_brute_force_loo(X, y, a) for a in alphas]
    np.testing.assert_allclose(model.cv_values_, brute, rtol=1e-8)


def test_gcv_values_follow_the_formula():
    X, y = _data("tall")
    alphas = np.array([0.1, 10.0, 1000.0])
    model = RidgeCV(alphas=alphas, cv_mode="gcv").fit(X, y)
    n = X.shape[0]
    Xc = X - X.mean(axis=0)
    expected = []
    for a in alphas:
        H = Xc @ np.linalg.solve(Xc.T @ Xc + a * np.eye(X.shape[1]), Xc.T) + 1.0 / n
        r = y - H @ y
        expected.append(np.mean(r**2) / (1 - np.trace(H) / n) ** 2)
    np.testing.assert_allclose(model.cv_values_, expected, rtol=1e-9)
    assert model.alpha_ == alphas[int(np.argmin(expected))]


def test_ill_conditioned_design_uses_svd_route_and_still_matches():
    t = np.linspace(0, 1, 80)
    X = np.vander(t, 9, increasing=True)[:, 1:]  # κ ≈ 1e6
    y = np.sin(6 * t)
    alphas = np.logspace(-12, -2, 11)
    model = RidgeCV(alphas=alphas).fit(X, y)
    assert model.route_ == "svd"
    ref = sk.RidgeCV(alphas=alphas, gcv_mode="svd").fit(X, y)
    assert model.alpha_ == ref.alpha_
    assert _rel(model.coef_, ref.coef_) < 1e-6


def test_float32_in_float32_out():
    X, y = load_diabetes(return_X_y=True)
    model = RidgeCV().fit(X.astype(np.float32), y.astype(np.float32))
    assert model.coef_.dtype == np.float32


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alphas": (0.1, -1.0)}, "every entry of alphas"),
        ({"alphas": (0.0, 1.0)}, "every entry of alphas"),
        ({"alphas": []}, "alphas must be|alphas is empty"),
        ({"cv_mode": "kfold"}, "cv_mode='kfold' must be one of"),
    ],
)
def test_bad_params(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RidgeCV(**kwargs).fit(np.arange(8.0).reshape(4, 2), np.arange(4.0))


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.array([[1.0, 2.0], [3.0, np.inf], [1.0, 1.0]]), np.ones(3), "inf at row 1, column 1"),
        (np.ones(3), np.ones(3), "must be 2-D"),
        (np.ones((3, 2)), np.ones(5), "y has 5 rows but X has 3"),
        (np.empty((0, 2)), np.empty(0), "0 sample"),
    ],
)
def test_bad_input(X, y, match):
    with pytest.raises(ValueError, match=match):
        RidgeCV().fit(X, y)


def test_io_round_trip_and_explain(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    model = RidgeCV(alphas=ALPHAS).fit(X, y)
    save(model, tmp_path / "rcv.npz")
    loaded = load(tmp_path / "rcv.npz")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.alpha_ == model.alpha_
    text = str(model._explain())
    assert "chosen alpha" in text and "shrinkage factors" in text and "gram" in text
