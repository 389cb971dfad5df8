"""Tests for linml.linalg.solve: every lstsq method vs NumPy, ridge identities, GD, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge

from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg import (
    LSTSQ_METHODS,
    LstsqResult,
    lstsq,
    lstsq_refined,
    ridge_path_svd,
    ridge_solve,
    svd,
)

RTOL = {np.float64: 1e-8, np.float32: 2e-3}
SHAPES = {"tall": (60, 6), "wide": (6, 40)}


def _problem(shape, dtype, seed, k=None):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(shape)
    y = rng.standard_normal(shape[0] if k is None else (shape[0], k))
    return X.astype(dtype), y.astype(dtype)


def _rel(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


# ---------------------------------------------------------------------------- oracle: numpy
@pytest.mark.parametrize("method", LSTSQ_METHODS)
@pytest.mark.parametrize("shape", ["tall", "wide"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", [0, 1])
def test_lstsq_matches_numpy_well_conditioned(method, shape, dtype, seed):
    """Every method gives NumPy's (minimum-norm) least-squares solution on well-conditioned data."""
    X, y = _problem(SHAPES[shape], dtype, seed)
    ref = np.linalg.lstsq(X.astype(np.float64), y.astype(np.float64), rcond=None)[0]
    res = lstsq(X, y, method=method)
    assert isinstance(res, LstsqResult)
    assert res.coef.shape == ref.shape
    assert res.coef.dtype == dtype
    assert _rel(res.coef, ref) < RTOL[dtype]
    assert res.method == method
    assert res.rank == min(X.shape)
    r_ref = np.linalg.norm(X.astype(np.float64) @ ref - y)
    assert res.residual_norm == pytest.approx(
        r_ref, rel=RTOL[dtype], abs=RTOL[dtype] * float(np.linalg.norm(y))
    )


@pytest.mark.parametrize("method", LSTSQ_METHODS)
def test_lstsq_2d_targets_shape_and_values(method):
    """y of shape (n, k) gives coef (p, k) and per-column residual norms."""
    X, Y = _problem((50, 4), np.float64, 3, k=3)
    res = lstsq(X, Y, method=method)
    ref = np.linalg.lstsq(X, Y, rcond=None)[0]
    assert res.coef.shape == (4, 3)
    assert _rel(res.coef, ref) < 1e-8
    np.testing.assert_allclose(res.residual_norm, np.linalg.norm(X @ ref - Y, axis=0), rtol=1e-8)


@pytest.mark.parametrize("method", ["qr", "svd"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lstsq_rank_deficient_gives_minimum_norm(method, seed):
    """Rank-deficient X: qr falls back to svd with a typed warning; both match NumPy's min-norm."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 5))
    X = np.column_stack([X, X[:, 0] - 2 * X[:, 3]])  # exact collinearity
    y = rng.standard_normal(40)
    ref = np.linalg.lstsq(X, y, rcond=None)[0]
    if method == "qr":
        with pytest.warns(NumericalWarning, match=r"rank-deficient.*falling back to method='svd'"):
            res = lstsq(X, y, method=method)
    else:
        res = lstsq(X, y, method=method)
    assert res.method == "svd"
    assert res.rank == 5
    assert _rel(res.coef, ref) < 1e-8
    assert res.condition_number == pytest.approx(
        float(res.singular_values[0] / res.singular_values[-1])
    )


def test_lstsq_svd_reports_singular_values_and_condition():
    X, y = _problem((30, 4), np.float64, 0)
    res = lstsq(X, y, method="svd")
    np.testing.assert_allclose(res.singular_values, np.linalg.svd(X, compute_uv=False), rtol=1e-12)
    assert res.condition_number == pytest.approx(np.linalg.cond(X), rel=1e-10)


def test_lstsq_svd_rcond_truncates():
    """A large rcond drops small singular values (truncated SVD solution)."""
    X = np.diag([10.0, 1.0, 1e-3])
    y = np.ones(3)
    res = lstsq(X, y, method="svd", rcond=1e-2)
    assert res.rank == 2
    np.testing.assert_allclose(res.coef, [0.1, 1.0, 0.0])


def test_lstsq_cholesky_warns_on_squared_condition():
    """cond(X)² · eps > sqrt(eps): the normal equations warn (cond(X) ≈ 1e5 here)."""
    rng = np.random.default_rng(0)
    U = np.linalg.qr(rng.standard_normal((50, 3)))[0]
    X = U @ np.diag([1.0, 1e-2, 1e-5])
    y = rng.standard_normal(50)
    with pytest.warns(NumericalWarning, match=r"cond\(X\)² .*method='qr'"):
        res = lstsq(X, y, method="cholesky")
    assert res.condition_number == pytest.approx(1e5, rel=0.5)


def test_lstsq_cholesky_does_not_warn_when_well_conditioned():
    X, y = _problem((50, 3), np.float64, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lstsq(X, y, method="cholesky")


def test_lstsq_cholesky_not_positive_definite_raises_with_advice():
    X = np.ones((5, 2))
    with pytest.raises(LinmlInputError, match=r"not positive definite.*method='qr'"):
        lstsq(X, np.arange(5.0), method="cholesky")


@pytest.mark.parametrize("method", LSTSQ_METHODS)
@pytest.mark.parametrize("shape", ["tall", "wide"])
def test_lstsq_alpha_matches_sklearn_ridge(method, shape):
    """alpha > 0: every method solves (XᵀX + αI) b = Xᵀy, as sklearn's Ridge without intercept."""
    X, y = _problem(SHAPES[shape], np.float64, 5)
    ref = Ridge(alpha=2.5, fit_intercept=False, solver="svd").fit(X, y).coef_
    res = lstsq(X, y, method=method, alpha=2.5)
    assert _rel(res.coef, ref) < 1e-8


# ---------------------------------------------------------------------------- gradient descent
def test_gd_converges_and_records_iterations():
    X, y = _problem((80, 5), np.float64, 7)
    res = lstsq(X, y, method="gd", tol=1e-12)
    assert res.converged
    assert 0 < res.n_iter < 10_000
    grad = X.T @ (X @ res.coef - y)
    assert np.linalg.norm(grad) <= 1e-12 * np.linalg.norm(X.T @ y)


def test_gd_not_converged_warns_convergence():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 4)) @ np.diag([1.0, 1.0, 1.0, 1e-2])
    y = rng.standard_normal(50)
    with pytest.warns(ConvergenceWarning, match=r"did not converge in max_iter=5"):
        res = lstsq(X, y, method="gd", max_iter=5)
    assert not res.converged
    assert res.n_iter == 5


def test_gd_zero_target_returns_zero_immediately():
    X, _ = _problem((10, 3), np.float64, 0)
    res = lstsq(X, np.zeros(10), method="gd")
    assert res.n_iter == 0 and res.converged
    np.testing.assert_array_equal(res.coef, 0.0)


# ---------------------------------------------------------------------------- properties
# entries in [-10, 10], with magnitudes below 1e-6 snapped to 0 (no 1e-300-scale matrices,
# whose norms under/overflow in the test's own bound)
finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False).map(
    lambda t: 0.0 if abs(t) < 1e-6 else t
)


@given(
    X=arrays(np.float64, (12, 3), elements=finite),
    y=arrays(np.float64, (12,), elements=finite),
)
def test_residual_orthogonal_to_columns(X, y):
    """The least-squares residual is orthogonal to col(X): Xᵀ(y − X b) ≈ 0."""
    res = lstsq(X, y, method="svd")
    r = y - X @ res.coef
    # backward-stable bound: ‖Xᵀr‖ ≲ c·eps·‖X‖·(‖X‖‖b‖ + ‖y‖), whatever cond(X) is
    nX = np.linalg.norm(X)
    scale = nX * (nX * np.linalg.norm(res.coef) + np.linalg.norm(y))
    assert np.linalg.norm(X.T @ r) <= 1e-12 * scale + 1e-300


@given(
    X=arrays(np.float64, (9, 4), elements=finite),
    y=arrays(np.float64, (9,), elements=finite),
    alpha=st.floats(1e-2, 1e2),
)
def test_ridge_equals_ols_on_augmented_system(X, y, alpha):
    """ridge_solve(X, y, α) = OLS on [X; sqrt(α) I], [y; 0]."""
    Xa = np.vstack([X, np.sqrt(alpha) * np.eye(4)])
    ya = np.concatenate([y, np.zeros(4)])
    ref = np.linalg.lstsq(Xa, ya, rcond=None)[0]
    for method in ("auto", "cholesky", "svd"):
        b = ridge_solve(X, y, alpha, method=method)
        np.testing.assert_allclose(b, ref, rtol=1e-6, atol=1e-9 * (1 + np.abs(ref).max()))


# ---------------------------------------------------------------------------- ridge
@pytest.mark.parametrize("shape", ["tall", "wide"])
@pytest.mark.parametrize("method", ["auto", "cholesky", "svd"])
def test_ridge_solve_matches_sklearn(shape, method):
    """Primal (tall) and dual (wide) forms agree with sklearn's Ridge."""
    X, y = _problem(SHAPES[shape], np.float64, 2)
    ref = Ridge(alpha=0.7, fit_intercept=False, solver="svd").fit(X, y).coef_
    np.testing.assert_allclose(ridge_solve(X, y, 0.7, method=method), ref, rtol=1e-9)


@pytest.mark.parametrize("method", ["auto", "cholesky", "svd"])
def test_ridge_solve_alpha_per_target(method):
    X, Y = _problem((30, 4), np.float64, 1, k=3)
    alphas = np.array([0.1, 1.0, 10.0])
    b = ridge_solve(X, Y, alphas, method=method)
    for j, a in enumerate(alphas):
        ref = Ridge(alpha=a, fit_intercept=False).fit(X, Y[:, j]).coef_
        np.testing.assert_allclose(b[:, j], ref, rtol=1e-9)


def test_ridge_solve_float32_preserved():
    X, y = _problem((30, 4), np.float32, 0)
    b = ridge_solve(X, y, 1.0)
    assert b.dtype == np.float32
    ref = ridge_solve(X.astype(np.float64), y.astype(np.float64), 1.0)
    np.testing.assert_allclose(b, ref, rtol=1e-4)


def test_ridge_auto_falls_back_to_svd_for_singular_gram():
    X = np.column_stack([np.arange(5.0), np.arange(5.0)])
    y = np.arange(5.0)
    with pytest.warns(NumericalWarning, match=r"falling back to the SVD"):
        b = ridge_solve(X, y, 0.0)
    np.testing.assert_allclose(b, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-10)
    with pytest.raises(LinmlInputError, match=r"Increase alpha or use method='svd'"):
        ridge_solve(X, y, 0.0, method="cholesky")


@pytest.mark.parametrize("k", [None, 2])
def test_ridge_path_svd_matches_individual_solves(k):
    """One SVD serves every alpha; X or its SVD (U, S, Vt) are both accepted."""
    X, y = _problem((25, 5), np.float64, 4, k=k)
    alphas = [0.0, 0.1, 3.0, 100.0]
    path = ridge_path_svd(X, y, alphas)
    path_from_svd = ridge_path_svd(svd(X), y, alphas)
    expected_shape = (4, 5) if k is None else (4, 5, k)
    assert path.shape == expected_shape
    np.testing.assert_allclose(path, path_from_svd, rtol=1e-12)
    for i, a in enumerate(alphas):
        np.testing.assert_allclose(path[i], ridge_solve(X, y, a, method="svd"), rtol=1e-10)


def test_ridge_path_svd_zero_singular_value_and_zero_alpha_is_min_norm():
    X = np.column_stack([np.arange(6.0), np.arange(6.0)])
    y = np.arange(6.0)
    U, S, Vt = svd(X)
    S[-1] = 0.0  # exactly singular
    path = ridge_path_svd((U, S, Vt), y, [0.0])
    assert np.isfinite(path).all()
    np.testing.assert_allclose(path[0], [0.5, 0.5], rtol=1e-10)


# ---------------------------------------------------------------------------- bad input
def test_lstsq_1d_X_rejected():
    with pytest.raises(LinmlInputError, match=r"X must be 2-D.*reshape\(-1, 1\)"):
        lstsq(np.arange(3.0), np.arange(3.0))


def test_lstsq_nan_reports_row_and_column():
    X = np.ones((4, 2))
    X[2, 1] = np.nan
    with pytest.raises(LinmlInputError, match=r"X contains NaN at row 2, column 1"):
        lstsq(X, np.ones(4))


def test_lstsq_nan_in_y_reported():
    y = np.ones(4)
    y[3] = np.nan
    with pytest.raises(LinmlInputError, match=r"y contains NaN at position 3"):
        lstsq(np.eye(4), y)


def test_lstsq_length_mismatch():
    with pytest.raises(LinmlInputError, match=r"y has 3 rows but X has 4"):
        lstsq(np.ones((4, 2)), np.ones(3))


def test_lstsq_unknown_method_lists_valid():
    with pytest.raises(LinmlInputError, match=r"method='lu'.*'cholesky', 'qr', 'svd', 'gd'"):
        lstsq(np.eye(2), np.ones(2), method="lu")


@pytest.mark.parametrize(
    "fn", [lambda X, y: lstsq(X, y, alpha=-1.0), lambda X, y: ridge_solve(X, y, -1.0)]
)
def test_negative_alpha_rejected(fn):
    with pytest.raises(LinmlInputError, match=r"alpha=-1.0 must be"):
        fn(np.eye(3), np.ones(3))


def test_ridge_alpha_count_mismatch():
    with pytest.raises(LinmlInputError, match=r"alpha has 2 entries but y has 3 target columns"):
        ridge_solve(np.eye(3), np.ones((3, 3)), [1.0, 2.0])


def test_ridge_path_bad_svd_tuple():
    with pytest.raises(LinmlInputError, match=r"must be \(U, S, Vt\)"):
        ridge_path_svd((np.eye(2), np.ones(2)), np.ones(2), [1.0])


# ---------------------------------------------------------------------- lstsq_refined
@pytest.mark.parametrize("method", ["qr", "normal"])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_refined_matches_numpy_lstsq(method, fit_intercept):
    rng = np.random.default_rng(11)
    X = rng.standard_normal((60, 4)) + 3.0
    Y = rng.standard_normal((60, 2))
    res = lstsq_refined(X, Y, fit_intercept=fit_intercept, method=method)
    A = np.column_stack([np.ones(60), X]) if fit_intercept else X
    ref = np.linalg.lstsq(A, Y, rcond=None)[0]
    got = np.vstack([res.intercept[None, :], res.coef]) if fit_intercept else res.coef
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-13)
    assert res.method == method and res.rank == 4 and res.dependent == ()


def test_refined_recovers_digits_a_single_qr_solve_loses():
    """Large residual + κ ≈ 1e7 (scaled): one QR solve loses ~κ²·eps·‖r‖; refinement does not.

    Oracle: the 50-digit normal-equations solution of the same float data (mpmath).
    """
    import mpmath

    t = np.linspace(0.0, 1.0, 40)
    X = np.vander(t, 9, increasing=True)[:, 1:]
    y = X @ np.ones(8) + 1e3 * np.cos(37 * t)  # residual ≫ fitted part
    mpmath.mp.dps = 50
    A = mpmath.matrix(np.column_stack([np.ones(40), X]).tolist())
    exact = mpmath.lu_solve(A.T * A, A.T * mpmath.matrix(y.tolist()))
    exact = np.array([float(v) for v in exact])
    res = lstsq_refined(X, y, fit_intercept=True)
    got = np.concatenate([res.intercept, res.coef[:, 0]])
    plain = lstsq_refined(X, y, fit_intercept=True, max_refine=0)
    plain_got = np.concatenate([plain.intercept, plain.coef[:, 0]])
    err = np.max(np.abs(got - exact)) / np.max(np.abs(exact))
    plain_err = np.max(np.abs(plain_got - exact)) / np.max(np.abs(exact))
    assert res.n_refine >= 1 and plain.n_refine == 0
    assert err < 1e-9 and err < plain_err / 100


@given(
    seed=st.integers(0, 2**31 - 1), logscale=st.lists(st.integers(-8, 8), min_size=4, max_size=4)
)
def test_refined_is_scale_equivariant(seed, logscale):
    """Invariant: β(X diag(c)) = diag(c)⁻¹ β(X) — column units never change the answer."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 4))
    y = rng.standard_normal(30)
    c = 10.0 ** np.array(logscale, dtype=float)
    base = lstsq_refined(X, y, fit_intercept=True)
    scaled = lstsq_refined(X * c, y, fit_intercept=True)
    np.testing.assert_allclose(scaled.coef[:, 0] * c, base.coef[:, 0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(scaled.intercept, base.intercept, rtol=1e-10, atol=1e-12)
    assert scaled.rank == 4


def test_refined_names_dependent_columns_when_rank_deficient():
    rng = np.random.default_rng(12)
    X = rng.standard_normal((50, 3))
    X = np.column_stack([X, 1e6 * (X[:, 0] - 2 * X[:, 2])])  # col 3 in span of 0 and 2
    res = lstsq_refined(X, rng.standard_normal(50), fit_intercept=True)
    assert res.coef is None and res.rank == 3 and len(res.dependent) == 1
    assert res.dependent[0] in (0, 2, 3)


def test_refined_keeps_float32():
    rng = np.random.default_rng(13)
    X = rng.standard_normal((40, 3)).astype(np.float32)
    y = (X @ np.array([1.0, 2.0, 3.0], dtype=np.float32)).astype(np.float32)
    res = lstsq_refined(X, y)
    assert res.coef.dtype == np.float32
    np.testing.assert_allclose(res.coef[:, 0], [1.0, 2.0, 3.0], rtol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"X": np.ones((2, 3)), "y": np.ones(2)}, r"needs n_samples >= n_features.*shape \(2, 3\)"),
        ({"X": np.eye(3), "y": np.ones(3), "method": "lu"}, "method"),
        ({"X": np.eye(3), "y": np.ones(3), "method": "normal", "gram": np.eye(3)}, "together"),
        ({"X": np.eye(3), "y": np.ones(3), "max_refine": -1}, "max_refine"),
    ],
)
def test_refined_bad_input(kwargs, match):
    with pytest.raises(LinmlInputError, match=match):
        lstsq_refined(**kwargs)


def test_qr_judges_rank_on_equilibrated_columns():
    """Issue 12: Filip's raw design (column norms 1 … 1e10) looked rank 10 of 11 to QR."""
    from tests.linear_model.nist_strd import load, lre

    prob = load("Filip")
    A = np.column_stack([np.ones(len(prob.y)), prob.X])
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericalWarning)  # no SVD fallback
        res = lstsq(A, prob.y, method="qr")
    assert res.method == "qr" and res.rank == 11
    assert lre(res.coef, prob.beta) >= 6.0  # one unrefined QR solve (lstsq_refined: ≥ 7)
