"""LinearRegression: oracle vs scikit-learn, forward error vs an mpmath reference, invariants."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import sklearn.linear_model as sk
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml import NumericalWarning
from linml.exceptions import LinmlInputError
from linml.io import load, save
from linml.linear_model import LinearRegression

EPS = np.finfo(np.float64).eps
SOLVERS = ["auto", "qr", "cholesky", "svd", "gd"]
# gd needs a tighter tol than its default to agree to 1e-8 (its error is ~ κ² · tol)
GD_KW = {"tol": 1e-14, "max_iter": 200_000}


def _kw(solver):
    return GD_KW if solver == "gd" else {}


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


@parametrize_with_checks([LinearRegression(), LinearRegression(solver="qr")])
def test_sklearn_api_checks(estimator, check):
    check(estimator)


def _datasets():
    X, y = load_diabetes(return_X_y=True)
    rng = np.random.default_rng(0)
    Xg = rng.standard_normal((300, 8)) * np.linspace(0.5, 3.0, 8) + 5.0  # offsets + scales
    yg = Xg @ rng.standard_normal(8) + 0.3 * rng.standard_normal(300) + 2.0
    return {"diabetes": (X, y), "generated": (Xg, yg)}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("data", ["diabetes", "generated"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_every_solver_matches_sklearn(solver, data, fit_intercept):
    """Every solver agrees with sklearn's LinearRegression to 1e-8 relative (well-conditioned)."""
    X, y = _datasets()[data]
    ref = sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    model = LinearRegression(solver=solver, fit_intercept=fit_intercept, **_kw(solver)).fit(X, y)
    assert _rel(model.coef_, ref.coef_) < 1e-8
    assert abs(model.intercept_ - ref.intercept_) <= 1e-8 * max(1.0, abs(ref.intercept_))
    np.testing.assert_allclose(model.predict(X), ref.predict(X), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
def test_multi_target_shapes_like_sklearn(solver):
    """(n,) → coef (p,), float intercept; (n, 1) → (1, p), (1,); (n, k) → (k, p), (k,)."""
    X, y = load_diabetes(return_X_y=True)
    for Y in (y, y[:, None], np.c_[y, np.sqrt(y), -y]):
        ref = sk.LinearRegression().fit(X, Y)
        model = LinearRegression(solver=solver, **_kw(solver)).fit(X, Y)
        assert model.coef_.shape == ref.coef_.shape
        assert np.shape(model.intercept_) == np.shape(ref.intercept_)
        assert model.predict(X).shape == ref.predict(X).shape
        assert _rel(model.coef_, ref.coef_) < 1e-8


def test_auto_rule_picks_by_shape_and_conditioning():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 5))
    y = X.sum(axis=1)
    assert LinearRegression().fit(X, y).solver_ == "cholesky"  # tall, κ small
    t = np.linspace(0, 1, 200)
    V = np.vander(t, 8, increasing=True)[:, 1:]  # κ ~ 3e5: too big to square
    assert LinearRegression().fit(V, y).solver_ == "qr"
    Xd = np.c_[X, X[:, 0] + X[:, 1]]  # exactly collinear
    assert LinearRegression().fit(Xd, y).solver_ == "svd"
    assert LinearRegression().fit(X[:8], y[:8]).solver_ == "qr"  # p <= n < 2p: no Gram
    assert LinearRegression().fit(X[:5], y[:5]).solver_ == "svd"  # n < p + 1 unknowns


def test_wide_and_rank_deficient_give_minimum_norm_solution():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((6, 10))
    y = rng.standard_normal(6)
    model = LinearRegression(fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(model.coef_, np.linalg.pinv(X) @ y, rtol=1e-10, atol=1e-12)
    assert model.rank_ == 6 and math.isinf(model.condition_number_) is False
    Xd = np.c_[X.T, X.T[:, 0]]  # (10, 7) with a repeated column
    yd = rng.standard_normal(10)
    m = LinearRegression(fit_intercept=False, solver="svd").fit(Xd, yd)
    np.testing.assert_allclose(m.coef_, np.linalg.pinv(Xd) @ yd, rtol=1e-9, atol=1e-12)
    assert m.rank_ == 6 and math.isinf(m.condition_number_)


@given(
    n=st.integers(12, 40),
    p=st.integers(1, 5),
    seed=st.integers(0, 2**31 - 1),
    solver=st.sampled_from(["auto", "qr", "svd", "cholesky"]),
)
def test_residual_orthogonal_to_columns(n, p, seed, solver):
    """Invariant: r = y − ŷ ⟂ every column of X and (with intercept) Σ r = 0."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.standard_normal(p)
    y = rng.standard_normal(n)
    model = LinearRegression(solver=solver).fit(X, y)
    r = y - model.predict(X)
    scale = np.linalg.norm(X, 2) * max(np.linalg.norm(r), 1e-300) + 1e-300
    assert np.max(np.abs((X - X.mean(axis=0)).T @ r)) / scale < 1e-10
    assert abs(r.sum()) <= 1e-10 * np.sqrt(n) * max(np.linalg.norm(y), 1.0)


# ---------------------------------------------------------------------- forward error vs mpmath
def _mp_lstsq(X, y):
    """Exact-to-50-digits least squares solution of the float data (normal equations in mp)."""
    mpmath.mp.dps = 50
    A = mpmath.matrix(X.tolist())
    b = mpmath.matrix(y.tolist())
    AtA = A.T * A
    Atb = A.T * b
    sol = mpmath.lu_solve(AtA, Atb)
    return np.array([float(v) for v in sol])


def _ill_designs():
    t = np.linspace(0, 1, 30)
    i = np.arange(30)[:, None]
    return {
        "vandermonde-deg10": np.vander(t, 11, increasing=True),  # κ ≈ 2e7
        "vandermonde-deg6": np.vander(t, 7, increasing=True),  # κ ≈ 2e4
        "hilbert-like-6": 1.0 / (i + np.arange(6)[None, :] + 1.0),  # κ ≈ 5e5
    }


@pytest.mark.parametrize("name", list(_ill_designs()))
def test_forward_error_near_backward_stable_bound(name):
    """QR/SVD: ‖Δβ‖/‖β‖ ≲ c·κ·eps; Cholesky visibly worse, ~κ²·eps, and it warns."""
    X = _ill_designs()[name]
    rng = np.random.default_rng(3)
    beta = rng.standard_normal(X.shape[1])
    y = X @ beta  # consistent system: the κ²·‖r‖ term of the LS bound vanishes
    ref = _mp_lstsq(X, y)
    kappa = np.linalg.cond(X)

    def err(model):
        return np.linalg.norm(model.coef_ - ref) / np.linalg.norm(ref)

    e_qr = err(LinearRegression(solver="qr", fit_intercept=False).fit(X, y))
    e_svd = err(LinearRegression(solver="svd", fit_intercept=False).fit(X, y))
    assert e_qr <= 50 * kappa * EPS
    assert e_svd <= 50 * kappa * EPS
    with pytest.warns(NumericalWarning, match="square"):
        chol = LinearRegression(solver="cholesky", fit_intercept=False).fit(X, y)
    e_chol = err(chol)
    assert e_chol <= 50 * kappa**2 * EPS
    assert e_chol > 20 * max(e_qr, e_svd)  # visibly worse than the stable solvers
    assert e_chol > 1e-3 * kappa**2 * EPS  # and of the κ²·eps order, not accidentally small


def test_cholesky_raises_when_normal_equations_are_singular():
    t = np.linspace(0, 1, 30)
    X = np.vander(t, 14, increasing=True)  # κ ≈ 1e10: κ² · eps > 1
    with pytest.raises(ValueError, match=r"singular to working precision.*solver='svd'"):
        LinearRegression(solver="cholesky", fit_intercept=False).fit(X, t)


def test_gd_warns_when_not_converged():
    X, y = load_diabetes(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = LinearRegression(solver="gd", max_iter=5).fit(X, y)
    assert model.n_iter_ == 5


# ---------------------------------------------------------------------- dtypes
def test_float32_preserved_when_well_conditioned():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((100, 3)).astype(np.float32)
    y = (X @ np.array([1.0, 2.0, 3.0], dtype=np.float32)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericalWarning)
        model = LinearRegression().fit(X, y)
    assert model.coef_.dtype == np.float32 and not model.upcast_
    np.testing.assert_allclose(model.coef_, [1.0, 2.0, 3.0], rtol=1e-4)


def test_float32_ill_conditioned_warns_and_upcasts():
    t = np.linspace(0, 1, 60)
    X = np.vander(t, 7, increasing=True)[:, 1:]  # κ ≈ 1e4 > 1/sqrt(eps32)
    y = X @ np.ones(6)
    with pytest.warns(NumericalWarning, match="float32"):
        model = LinearRegression().fit(X.astype(np.float32), y.astype(np.float32))
    assert model.upcast_ and model.coef_.dtype == np.float32
    ref = LinearRegression().fit(X, y).coef_
    np.testing.assert_allclose(model.coef_, ref, rtol=1e-4)


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.array([[1.0, np.nan], [2.0, 3.0], [3.0, 1.0]]), np.ones(3), "NaN at row 0, column 1"),
        (np.array([[1.0, 2.0], [2.0, np.inf], [3.0, 1.0]]), np.ones(3), "inf at row 1, column 1"),
        (np.arange(5.0), np.ones(5), "must be 2-D"),
        (np.ones((4, 2)), np.ones(3), "y has 3 rows but X has 4"),
        (np.empty((0, 3)), np.empty(0), "0 sample"),
        (np.ones((3, 2)), np.array([1.0, np.nan, 2.0]), "y contains NaN"),
    ],
)
def test_bad_input_messages(X, y, match):
    with pytest.raises(ValueError, match=match):
        LinearRegression().fit(X, y)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"solver": "lu"}, "solver='lu' must be one of"),
        ({"tol": -1.0}, "tol=-1.0 must be"),
        ({"rcond": -0.1}, "rcond=-0.1 must be"),
    ],
)
def test_bad_params(params, match):
    with pytest.raises(ValueError, match=match):
        LinearRegression(**params).fit(np.ones((3, 1)), np.ones(3))


def test_predict_checks_feature_count():
    model = LinearRegression().fit(np.random.default_rng(0).standard_normal((10, 3)), np.ones(10))
    with pytest.raises(ValueError, match="3 features"):
        model.predict(np.ones((2, 4)))


# ---------------------------------------------------------------------- io and explain
@pytest.mark.parametrize("solver", SOLVERS)
def test_io_round_trip(tmp_path, solver):
    X, y = load_diabetes(return_X_y=True)
    model = LinearRegression(solver=solver, **_kw(solver)).fit(X, y)
    path = tmp_path / "ols.npz"
    save(model, path)
    loaded = load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.solver_ == model.solver_ and loaded.get_params() == model.get_params()


def test_explain_reports_solver_rank_condition_and_suggestions():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((100, 3)) * np.array([1.0, 1e3, 1e-2])
    model = LinearRegression().fit(X, X @ np.ones(3))
    text = str(model._explain())
    # κ(X) ≈ 1e5 is only units: equilibrated κ ≈ 1, so the cheap route is safe and says why
    assert "solver: cholesky" in text and "3 of 3 features" in text
    assert "log10 κ" in text and "standardize" in text and "columns' units" in text
    assert model.scaled_condition_number_ < 2 < 1e4 < model.condition_number_
    V = np.vander(np.linspace(0, 1, 100), 6, increasing=True)[:, 1:]  # truly ill-conditioned
    text = str(LinearRegression().fit(V, V @ np.ones(5))._explain())
    assert "ill-conditioned" in text and "Ridge(alpha" in text and "refinement" in text
    Xd = np.c_[X, X[:, 0]]
    text = str(LinearRegression().fit(Xd, X @ np.ones(3))._explain())
    assert "rank-deficient" in text and "minimum-norm" in text


def test_rank_deficient_warns_naming_the_dependent_columns():
    """Issue 12: a truly rank-deficient design gets the minimum-norm answer and a warning."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(21)
    X = pd.DataFrame(rng.standard_normal((40, 3)), columns=["height", "weight", "age"])
    X["bmi_like"] = 1e4 * (X["height"] - 3 * X["age"])  # scale must not hide the dependency
    y = rng.standard_normal(40)
    with pytest.warns(NumericalWarning, match=r"rank 3 of 4 .*'(height|age|bmi_like)'"):
        model = LinearRegression().fit(X, y)
    assert model.solver_ == "svd" and model.rank_ == 3
    np.testing.assert_allclose(
        model.coef_,
        np.linalg.pinv(X.to_numpy() - X.to_numpy().mean(0)) @ (y - y.mean()),
        rtol=1e-8,
        atol=1e-12,
    )


# ---------------------------------------------------------------------- extreme but finite scales
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("x_scale", "y_scale"),
    [(1e307, 1.0), (1e307, 1e300), (1e-200, 1e-200), (1e-310, 1e-300), (1.0, 1e-310)],
)
def test_extreme_scales_are_solved_exactly_rescaled(solver, x_scale, y_scale):
    """Issue 17: X·1e307 raised LinAlgError, X·1e-310 returned NaN/inf; least squares is
    scale-invariant, so rescaling by powers of two gives the answer (subnormal inputs keep
    fewer digits: 1e-12 relative)."""
    rng = np.random.default_rng(31)
    X = rng.standard_normal((50, 6))
    y = X @ np.arange(1.0, 7.0) + 0.1 * rng.standard_normal(50) + 2.0
    ref = LinearRegression(solver=solver).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from overflow, no silent NaN
        model = LinearRegression(solver=solver).fit(X * x_scale, y * y_scale)
    rtol = 1e-6 if solver == "gd" else 1e-10  # gd stops at tol: scaling moves its stop
    # left to right: each partial product stays representable for every case here
    np.testing.assert_allclose(model.coef_ * x_scale / y_scale, ref.coef_, rtol=rtol)
    assert model.intercept_ / y_scale == pytest.approx(ref.intercept_, rel=100 * rtol)


def test_unrepresentable_coefficients_raise_a_clear_error():
    rng = np.random.default_rng(32)
    X = rng.standard_normal((30, 3)) * 1e-310  # β ≈ 1e310 > float64's max
    with pytest.raises(LinmlInputError, match=r"too large to represent.*rescale X or y"):
        LinearRegression().fit(X, X[:, 0] * 1e300 * 1e10 + 1.0)  # y = 1e310·x₀ + 1


@pytest.mark.parametrize("cls", ["Ridge", "RidgeCV"])
def test_penalized_models_refuse_overflowing_squares(cls):
    """Issue 17: Ridge() on X·1e307 returned an all-zero coef_ silently."""
    import linml.linear_model as lm

    X = np.random.default_rng(33).standard_normal((20, 3)) * 1e307
    with pytest.raises(LinmlInputError, match=rf"{cls}: X has entries up to .*squares overflow"):
        getattr(lm, cls)().fit(X, np.ones(20))
