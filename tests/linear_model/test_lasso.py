"""Lasso: scikit-learn oracle, KKT and screening invariants, API checks, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml.exceptions import LinmlInputError
from linml.io import load, save
from linml.linear_model import Lasso, lasso_path

TIGHT = 1e-10  # scikit-learn's tol semantics: gap ≤ TIGHT·‖y_c‖²


def objective(X, y, coef, intercept, alpha, l1_ratio=1.0):
    """scikit-learn's elastic-net objective, for any solution."""
    r = y - np.asarray(X @ coef).ravel() - intercept
    return (
        0.5 * r @ r / X.shape[0]
        + alpha * l1_ratio * np.abs(coef).sum()
        + 0.5 * alpha * (1 - l1_ratio) * coef @ coef
    )


def make_problem(seed, n=80, p=150, k=5, noise=0.5, offset=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + offset
    beta = np.zeros(p)
    beta[:k] = rng.choice([-1, 1], k) * rng.uniform(1, 3, k)
    y = X @ beta + noise * rng.standard_normal(n) + 2.0
    return X, y


def alpha_max(X, y, fit_intercept=True):
    Xc = X - X.mean(axis=0) if fit_intercept else X
    yc = y - y.mean() if fit_intercept else y
    return np.abs(Xc.T @ yc).max() / X.shape[0]


@parametrize_with_checks([Lasso()])
def test_sklearn_api(estimator, check):
    check(estimator)


# ------------------------------------------------------------------------ oracle
@pytest.mark.parametrize(
    "shape", [(80, 150), (200, 30)], ids=["wide-dense", "tall-gram"]
)  # fmt: skip
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("fraction", [0.5, 0.1, 0.02])
def test_objective_and_support_match_sklearn(shape, fit_intercept, positive, fraction):
    """Same objective to 1e-7 relative and the same support as scikit-learn at gap ≤ 1e-10."""
    X, y = make_problem(0, *shape)
    alpha = fraction * alpha_max(X, y, fit_intercept)
    kw = dict(alpha=alpha, fit_intercept=fit_intercept, positive=positive, tol=TIGHT)
    ours = Lasso(**kw, max_iter=100000).fit(X, y)
    theirs = sk.Lasso(**kw, max_iter=100000).fit(X, y)
    f_ours = objective(X, y, ours.coef_, ours.intercept_, alpha)
    f_theirs = objective(X, y, theirs.coef_, theirs.intercept_, alpha)
    assert abs(f_ours - f_theirs) <= 1e-7 * abs(f_theirs)
    np.testing.assert_array_equal(np.flatnonzero(ours.coef_), np.flatnonzero(theirs.coef_))
    assert ours.dual_gap_ <= TIGHT * np.sum((y - y.mean() * fit_intercept) ** 2) / len(y)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sparse_input_matches_sklearn_and_dense(fit_intercept):
    """CSC input (implicitly centered, never densified) gives the dense solution."""
    rng = np.random.default_rng(4)
    X = sp.random(120, 300, density=0.05, random_state=4, format="csc") * 3
    beta = np.zeros(300)
    beta[:6] = rng.standard_normal(6) * 3
    y = X @ beta + 0.05 * rng.standard_normal(120) + 1.0
    alpha = 0.05 * alpha_max(X.toarray(), y, fit_intercept)
    kw = dict(alpha=alpha, fit_intercept=fit_intercept, tol=TIGHT, max_iter=100000)
    ours = Lasso(**kw).fit(X, y)
    dense = Lasso(**kw).fit(X.toarray(), y)
    theirs = sk.Lasso(**kw).fit(X, y)
    assert ours.solver_stats_["mode"] == "sparse"
    f = [objective(X, y, m.coef_, m.intercept_, alpha) for m in (ours, dense, theirs)]
    assert abs(f[0] - f[2]) <= 1e-7 * f[2]
    assert abs(f[0] - f[1]) <= 1e-7 * f[1]
    np.testing.assert_array_equal(np.flatnonzero(ours.coef_), np.flatnonzero(theirs.coef_))
    np.testing.assert_allclose(ours.coef_, dense.coef_, atol=1e-6)


def test_alpha_above_alpha_max_gives_zero_and_alpha_max_is_reported():
    X, y = make_problem(1)
    amax = alpha_max(X, y)
    model = Lasso(alpha=amax * 1.0001).fit(X, y)
    assert np.count_nonzero(model.coef_) == 0
    assert model.intercept_ == pytest.approx(y.mean())
    assert model.alpha_max_ == pytest.approx(amax, rel=1e-12)
    assert np.count_nonzero(Lasso(alpha=amax * 0.95).fit(X, y).coef_) >= 1


# ------------------------------------------------------------------------ path
@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_lasso_path_matches_sklearn(kind):
    """Same automatic grid and coefficients as scikit-learn's lasso_path."""
    X, y = make_problem(2, 60, 40, offset=0.0)
    if kind == "sparse":
        X = sp.csc_matrix(X * (np.abs(X) > 0.8))
    ours = lasso_path(X, y, alphas=30, eps=1e-2, tol=TIGHT, max_iter=100000)
    alphas, coefs, _ = sk.lasso_path(X, y, alphas=30, eps=1e-2, tol=TIGHT, max_iter=100000)
    np.testing.assert_allclose(ours.alphas, alphas, rtol=1e-12)
    np.testing.assert_allclose(ours.coefs, coefs, atol=1e-6)
    assert ours.coefs.shape == (40, 30) and ours.dual_gaps.shape == (30,)
    np.testing.assert_array_equal(ours.intercepts, 0.0)


def test_lasso_path_with_intercept_matches_separate_fits():
    X, y = make_problem(3, 50, 20)
    path = lasso_path(X, y, alphas=[0.5, 0.2, 0.05], fit_intercept=True, tol=TIGHT)
    for i, a in enumerate(path.alphas):
        model = Lasso(alpha=a, tol=TIGHT).fit(X, y)
        np.testing.assert_allclose(path.coefs[:, i], model.coef_, atol=1e-7)
        assert path.intercepts[i] == pytest.approx(model.intercept_, abs=1e-6)


# ------------------------------------------------------------------------ invariants
@given(
    seed=st.integers(0, 2**16),
    fraction=st.floats(0.01, 0.9),
    positive=st.booleans(),
    fit_intercept=st.booleans(),
)
def test_kkt_conditions_hold(seed, fraction, positive, fit_intercept):
    """|x̃_jᵀr|/n ≤ α where β_j = 0; x̃_jᵀr/n = α·sign(β_j) where β_j ≠ 0."""
    X, y = make_problem(seed, 40, 60)
    alpha = fraction * alpha_max(X, y, fit_intercept)
    model = Lasso(alpha=alpha, positive=positive, fit_intercept=fit_intercept, tol=1e-12)
    model.set_params(max_iter=100000).fit(X, y)
    r = y - X @ model.coef_ - model.intercept_
    Xc = X - X.mean(axis=0) if fit_intercept else X
    corr = Xc.T @ r / X.shape[0]
    nz = model.coef_ != 0
    slack = 1e-5 * alpha
    if positive:
        assert np.all(model.coef_ >= 0)
        assert np.all(corr[~nz] <= alpha + slack)
    else:
        assert np.all(np.abs(corr[~nz]) <= alpha + slack)
    np.testing.assert_allclose(corr[nz], alpha * np.sign(model.coef_[nz]), atol=slack)


def _screened_and_plain(seed, fraction):
    X, y = make_problem(seed, 50, 120, offset=0.0)
    alpha = fraction * alpha_max(X, y)
    kw = dict(alpha=alpha, tol=1e-12, max_iter=100000, precompute=False)
    # working sets off, so CD sweeps every live feature and screening has work to do
    screened, plain = Lasso(**kw), Lasso(**kw)
    screened._working_sets = plain._working_sets = False
    plain._screening = False
    return screened.fit(X, y), plain.fit(X, y)


@given(seed=st.integers(0, 2**16), fraction=st.floats(0.02, 0.7))
def test_screening_never_discards_a_feature_of_the_optimum(seed, fraction):
    """With gap-safe screening on, the support and solution are those found with it off."""
    screened, plain = _screened_and_plain(seed, fraction)
    assert plain.solver_stats_["n_screened"] == 0
    np.testing.assert_array_equal(np.flatnonzero(screened.coef_), np.flatnonzero(plain.coef_))
    np.testing.assert_allclose(screened.coef_, plain.coef_, atol=1e-6)


def test_screening_discards_most_zero_features():
    """The rule is not vacuous: here it proves most of the 120 − |support| zeros."""
    screened, plain = _screened_and_plain(0, 0.2)
    n_zero = int(np.sum(plain.coef_ == 0))
    assert screened.solver_stats_["n_screened"] >= 0.5 * n_zero
    assert screened.solver_stats_["n_screened"] <= n_zero


@pytest.mark.parametrize("flag", ["_screening", "_working_sets", "_anderson"])
def test_each_acceleration_can_be_switched_off_without_changing_the_answer(flag):
    X, y = make_problem(5, 60, 200)
    alpha = 0.05 * alpha_max(X, y)
    ref = Lasso(alpha=alpha, tol=TIGHT, precompute=False).fit(X, y)
    model = Lasso(alpha=alpha, tol=TIGHT, precompute=False)
    setattr(model, flag, 0 if flag == "_anderson" else False)
    model.fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-7)


# ------------------------------------------------------------------------ behaviour
def test_warm_start_reuses_coef_and_needs_fewer_epochs():
    X, y = make_problem(6, 80, 300)
    alpha = 0.05 * alpha_max(X, y)
    cold = Lasso(alpha=alpha, tol=1e-8).fit(X, y)
    warm = Lasso(alpha=alpha, tol=1e-8, warm_start=True).fit(X, y)
    first_iters = warm.n_iter_
    warm.fit(X, y)
    assert warm.n_iter_ < first_iters
    np.testing.assert_allclose(warm.coef_, cold.coef_, atol=1e-6)


def test_max_iter_hit_warns_convergence():
    X, y = make_problem(7, 80, 300)
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        Lasso(alpha=0.01 * alpha_max(X, y), tol=1e-14, max_iter=1).fit(X, y)


def test_multi_target_equals_one_fit_per_target():
    X, y = make_problem(8, 60, 30)
    Y = np.column_stack([y, -2 * y + 1, y**2 / 10])
    multi = Lasso(alpha=0.1, tol=TIGHT).fit(X, Y)
    assert multi.coef_.shape == (3, 30) and multi.intercept_.shape == (3,)
    assert multi.predict(X).shape == (60, 3)
    for k in range(3):
        single = Lasso(alpha=0.1, tol=TIGHT).fit(X, Y[:, k])
        np.testing.assert_allclose(multi.coef_[k], single.coef_, atol=1e-8)
        assert multi.intercept_[k] == pytest.approx(single.intercept_, abs=1e-8)
    column = Lasso(alpha=0.1).fit(X, Y[:, :1])
    assert column.coef_.shape == (1, 30)  # (n, 1) targets keep their 2-D shape


def test_float32_in_float32_out():
    X, y = make_problem(9, 60, 20)
    model = Lasso(alpha=0.05).fit(X.astype(np.float32), y.astype(np.float32))
    assert model.coef_.dtype == np.float32
    assert model.predict(X.astype(np.float32)).dtype == np.float32
    ref = Lasso(alpha=0.05).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-4, atol=1e-5)


def test_zero_and_constant_columns_get_zero_coefficients():
    X, y = make_problem(10, 50, 10)
    X[:, 3] = 0.0
    X[:, 5] = 7.0  # constant: zero after centering
    model = Lasso(alpha=0.01).fit(X, y)
    assert model.coef_[3] == 0 and model.coef_[5] == 0


def test_save_load_round_trip(tmp_path):
    X, y = make_problem(11, 50, 20)
    model = Lasso(alpha=0.1).fit(X, y)
    save(model, tmp_path / "lasso.npz")
    loaded = load(tmp_path / "lasso.npz")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.solver_stats_ == model.solver_stats_


def test_explain_reports_support_alpha_ratio_gap_conditioning_and_screening():
    X, y = make_problem(12, 100, 400, offset=0.0)
    model = Lasso(alpha=0.1 * alpha_max(X, y), tol=1e-10).fit(X, y)
    facts = {f.name: f.value for f in model._explain().facts}
    assert facts["support size"] == f"{np.count_nonzero(model.coef_)} of 400"
    assert facts["alpha / alpha_max"] == pytest.approx(0.1)
    assert facts["duality gap"] == model.dual_gap_
    assert 1 <= facts["active-set condition number"] < 1e3
    assert facts["screened features"].endswith("of 400")
    assert int(facts["screened features"].split()[0]) > 0


# ------------------------------------------------------------------------ bad input
def test_negative_alpha_is_rejected():
    X, y = make_problem(13, 20, 5)
    with pytest.raises(LinmlInputError, match=r"alpha=-0\.1 must be a number in \[0, inf\)"):
        Lasso(alpha=-0.1).fit(X, y)


def test_nan_in_X_names_its_position():
    X, y = make_problem(14, 20, 5)
    X[3, 2] = np.nan
    with pytest.raises(LinmlInputError, match="X contains NaN at row 3, column 2"):
        Lasso().fit(X, y)
    with pytest.raises(LinmlInputError, match="X contains NaN at row 3, column 2"):
        Lasso().fit(sp.csc_matrix(np.nan_to_num(X, nan=0.0) + np.where(np.isnan(X), np.nan, 0)), y)


def test_nan_in_y_is_rejected():
    X, y = make_problem(15, 20, 5)
    y[4] = np.inf
    with pytest.raises(ValueError, match=r"y contains inf"):
        Lasso().fit(X, y)


def test_y_of_another_length_is_rejected():
    X, y = make_problem(16, 20, 5)
    with pytest.raises(ValueError, match="y has 19 rows but X has 20"):
        Lasso().fit(X, y[:-1])


def test_alpha_zero_warns_to_use_least_squares():
    X, y = make_problem(17, 30, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(UserWarning, match="LinearRegression"):
            Lasso(alpha=0).fit(X, y)


# ------------------------------------------------------------------------ CLI
def test_cli_regress_lasso_prints_selected_features(tmp_path):
    """`linml regress --model lasso` names the features the Lasso kept."""
    from typer.testing import CliRunner

    from linml.cli.main import app

    rng = np.random.default_rng(30)
    X = rng.standard_normal((80, 4))
    y = 3 * X[:, 0] - 2 * X[:, 2] + 0.1 * rng.standard_normal(80)
    path = tmp_path / "data.csv"
    np.savetxt(path, np.c_[X, y], delimiter=",", header="a,b,c,d,y", comments="")
    result = CliRunner().invoke(
        app, ["regress", str(path), "--target", "y", "--model", "lasso", "--alpha", "0.3"]
    )
    assert result.exit_code == 0, result.output
    assert "selected features" in result.output
    line = next(ln for ln in result.output.splitlines() if "selected features" in ln)
    assert "a, c" in line
    bad = CliRunner().invoke(
        app, ["regress", str(path), "--target", "y", "--model", "elasticnet", "--l1-ratio", "2"]
    )
    assert bad.exit_code == 2
    assert "l1_ratio=2.0 must be a number in [0, 1]" in bad.output
