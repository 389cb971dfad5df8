"""Tests for linml.linalg.conditioning: cond, ranks, null space, collinear groups."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given
from hypothesis import strategies as st

from linml.exceptions import LinmlInputError
from linml.linalg import (
    CollinearGroup,
    ConditionIndices,
    RankResult,
    collinear_groups,
    condition_indices,
    condition_number,
    effective_rank,
    null_space,
    numerical_rank,
    variance_inflation_factors,
)


def _X(n=40, p=4, seed=0):
    return np.random.default_rng(seed).standard_normal((n, p))


# ---------------------------------------------------------------------------- cond / rank
@pytest.mark.parametrize("shape", [(30, 5), (5, 30)])
def test_condition_number_matches_numpy(shape):
    X = np.random.default_rng(0).standard_normal(shape)
    assert condition_number(X) == pytest.approx(np.linalg.cond(X), rel=1e-10)


def test_condition_number_singular_is_inf():
    assert condition_number(np.array([[1.0, 2.0], [2.0, 4.0]])) == math.inf
    assert condition_number(np.zeros((3, 2))) == math.inf


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_numerical_rank_matches_numpy(seed):
    X = _X(seed=seed) @ np.random.default_rng(seed).standard_normal((4, 7))  # rank 4, (40, 7)
    res = numerical_rank(X)
    assert isinstance(res, RankResult)
    assert res.rank == np.linalg.matrix_rank(X) == 4
    S = sla.svdvals(X)
    assert res.tol == pytest.approx(40 * np.finfo(float).eps * S[0])
    np.testing.assert_allclose(res.singular_values, S)


def test_numerical_rank_explicit_tol():
    X = np.diag([1.0, 1e-3, 1e-9])
    assert numerical_rank(X).rank == 3
    assert numerical_rank(X, tol=1e-6).rank == 2
    assert numerical_rank(X, tol=1e-6).tol == 1e-6


def test_effective_rank_closed_forms():
    assert effective_rank(np.eye(5)) == pytest.approx(5.0)
    assert effective_rank(singular_values=[2.0, 2.0, 0.0]) == pytest.approx(2.0)
    assert effective_rank(np.outer(np.arange(1.0, 4.0), np.ones(3))) == pytest.approx(1.0, abs=1e-6)
    assert effective_rank(np.zeros((2, 2))) == 0.0
    # entropy of q = (0.5, 0.25, 0.25): H = 1.5 log 2
    assert effective_rank(singular_values=[2.0, 1.0, 1.0]) == pytest.approx(2**1.5)


@given(st.lists(st.floats(1e-6, 1e3), min_size=1, max_size=10))
def test_effective_rank_between_one_and_rank(s):
    er = effective_rank(singular_values=s)
    assert 1.0 - 1e-9 <= er <= len(s) + 1e-9


def test_effective_rank_needs_exactly_one_input():
    with pytest.raises(LinmlInputError, match=r"exactly one of X or singular_values"):
        effective_rank()
    with pytest.raises(LinmlInputError, match=r"exactly one of X or singular_values"):
        effective_rank(np.eye(2), singular_values=[1.0])
    with pytest.raises(LinmlInputError, match=r"finite numbers >= 0"):
        effective_rank(singular_values=[1.0, -1.0])


@pytest.mark.parametrize("shape", [(10, 6), (3, 6)])
def test_null_space_orthonormal_and_annihilated(shape):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((shape[0], 2)) @ rng.standard_normal((2, shape[1]))  # rank 2
    N = null_space(X)
    assert N.shape == (shape[1], shape[1] - 2)
    np.testing.assert_allclose(N.T @ N, np.eye(shape[1] - 2), atol=1e-12)
    assert np.abs(X @ N).max() <= 1e-12 * np.abs(X).max()
    np.testing.assert_allclose(
        np.abs(N @ N.T), np.abs(sla.null_space(X) @ sla.null_space(X).T), atol=1e-10
    )


def test_null_space_full_rank_is_empty():
    assert null_space(np.eye(3)).shape == (3, 0)


# ---------------------------------------------------------------------------- collinear groups
def test_collinear_group_planted_exact():
    """A planted relation x4 = 0.5·x0 + 2·x2 is found, with coefficients and a tiny residual."""
    X = _X(p=4)
    X = np.column_stack([X, 0.5 * X[:, 0] + 2 * X[:, 2]])
    groups = collinear_groups(X)
    assert len(groups) == 1
    g = groups[0]
    assert isinstance(g, CollinearGroup)
    assert g.columns == (0, 2, 4) and g.dependent == 4
    assert np.abs(g.coefficients).max() == pytest.approx(1.0)
    v = g.coefficients / g.coefficients[2]  # x4 coefficient 1
    np.testing.assert_allclose(v, [-0.5, -2.0, 1.0], rtol=1e-10)
    assert g.residual < 1e-14
    assert str(g) == "x4 ≈ 0.5·x0 + 2·x2"


def test_collinear_scale_invariant_and_names():
    """Columns in wildly different units: the relation is still found and printed with names."""
    X = _X(p=3, seed=3) * np.array([1e-4, 1.0, 1e5])
    X = np.column_stack([X, 3e4 * X[:, 0] - X[:, 1]])
    (g,) = collinear_groups(X, feature_names=["a", "b", "c", "d"])
    assert g.names == ("a", "b", "d")
    assert str(g) == "d ≈ 3e+04·a - b"


def test_collinear_two_groups_and_duplicates():
    X = _X(p=4, seed=4)
    X = np.column_stack([X, X[:, 1], X[:, 0] - X[:, 3]])  # x4 = x1, x5 = x0 − x3
    groups = collinear_groups(X)
    assert [str(g) for g in groups] == ["x4 ≈ x1", "x5 ≈ x0 - x3"]


def test_collinear_near_needs_looser_tol():
    rng = np.random.default_rng(5)
    X = _X(p=3, seed=5)
    X = np.column_stack([X, X[:, 0] + X[:, 1] + 1e-5 * rng.standard_normal(40)])
    assert collinear_groups(X) == []
    (g,) = collinear_groups(X, tol=1e-3)
    assert g.columns == (0, 1, 3)
    assert 1e-7 < g.residual < 1e-4


def test_collinear_with_intercept_dummy_trap_and_constant():
    rng = np.random.default_rng(6)
    D = np.eye(3)[rng.integers(0, 3, 60)]
    X = np.column_stack([rng.standard_normal(60), D, np.full(60, 3.0)])
    names = ["z", "d0", "d1", "d2", "c"]
    with_icpt = [str(g) for g in collinear_groups(X, with_intercept=True, feature_names=names)]
    assert with_icpt == ["d2 ≈ 1 - d0 - d1", "c ≈ 3"]
    # without the intercept, the constant column is only collinear with the dummies
    assert [str(g) for g in collinear_groups(X, feature_names=names)] == ["c ≈ 3·d0 + 3·d1 + 3·d2"]


def test_collinear_zero_column_alone():
    X = np.column_stack([_X(p=2), np.zeros(40)])
    (g,) = collinear_groups(X)
    assert g.columns == (2,) and str(g) == "x2 ≈ 0"


def test_collinear_full_rank_returns_empty():
    assert collinear_groups(_X()) == []


@given(seed=st.integers(0, 10_000), a=st.floats(-5, 5).filter(lambda t: abs(t) > 0.1))
def test_collinear_planted_pair_always_found(seed, a):
    X = _X(n=20, p=3, seed=seed)
    X = np.column_stack([X, a * X[:, 1]])
    (g,) = collinear_groups(X)
    assert g.columns == (1, 3)
    assert g.residual < 1e-12


def test_collinear_bad_input():
    with pytest.raises(LinmlInputError, match=r"feature_names has 2 entries but X has 3 columns"):
        collinear_groups(np.eye(3), feature_names=["a", "b"])
    with pytest.raises(LinmlInputError, match=r"tol=2 must be a relative cutoff in \(0, 1\)"):
        collinear_groups(np.eye(3), tol=2)
    with pytest.raises(LinmlInputError, match=r"X must be 2-D"):
        collinear_groups(np.ones(3))


# ---------------------------------------------------------------------------- collinear groups: issue 12
def _dependent_outside_support_case(seed=0):
    """z0 + z1 − 0.12·z2 ≈ 0 on standardized columns: pivot z2 (|v2| ≥ 0.1·max), so the
    echelon row is ≈ (8.3, 8.4, 1) and at tol ≥ 1e-2 the support threshold sqrt(tol)·8.4
    exceeds 1 — before the fix the dependent column fell out of its own group."""
    rng = np.random.default_rng(seed)
    a, e, d, c = rng.standard_normal((4, 200))
    X = np.column_stack([a, -a + 0.12 * e, e + 1e-3 * d, c])
    return (X - X.mean(axis=0)) / X.std(axis=0)


@pytest.mark.parametrize("tol", [1 / 10, 1 / 20, 1 / 30, 1 / 50, 1e-3])
def test_collinear_dependent_is_always_in_its_group(tol):
    """Regression (issue 12, star98 `--condition-target 30` IndexError in diagnose)."""
    groups = collinear_groups(_dependent_outside_support_case(), tol=tol)
    assert len(groups) == 1
    g = groups[0]
    assert g.dependent in g.columns
    assert g.columns == (0, 1, 2)
    str(g)  # formats without error


@given(seed=st.integers(0, 10_000), tol=st.floats(1e-4, 0.5))
def test_collinear_dependent_in_columns_property(seed, tol):
    Z = _dependent_outside_support_case(seed)
    for g in collinear_groups(Z, tol=tol):
        assert g.dependent in g.columns


# ---------------------------------------------------------------------------- VIF
LONGLEY = Path(__file__).parents[1] / "data" / "nist" / "Longley.csv"  # y, x1 … x6


def _longley_X():
    return np.loadtxt(LONGLEY, delimiter=",", skiprows=1)[:, 1:]  # GNPDEFL … YEAR


def _vif_by_regression(X):
    """Oracle: VIF_j = 1/(1 − R_j²) from an explicit regression of x_j on [1, the others]."""
    n, p = X.shape
    out = []
    for j in range(p):
        A = np.column_stack([np.ones(n), np.delete(X, j, axis=1)])
        coef = np.linalg.lstsq(A, X[:, j], rcond=None)[0]
        ss_res = np.sum((X[:, j] - A @ coef) ** 2)
        ss_tot = np.sum((X[:, j] - X[:, j].mean()) ** 2)
        out.append(1.0 / (ss_res / ss_tot))  # 1/(1 − R²), R² = 1 − ss_res/ss_tot
    return np.array(out)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vif_matches_explicit_regressions(seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((60, 5)) * rng.uniform(0.1, 100, 5) + rng.uniform(-50, 50, 5)
    X[:, 4] = X[:, 0] - 0.3 * X[:, 2] + 0.05 * X[:, 4]  # some collinearity
    np.testing.assert_allclose(variance_inflation_factors(X), _vif_by_regression(X), rtol=1e-8)


def test_vif_longley_matches_published_values():
    """statsmodels' variance_inflation_factor on Longley with a constant (as widely quoted):
    GNPDEFL 135.53, GNP 1788.51, UNEMP 33.62, ARMED 3.59, POP 399.15, YEAR 758.98."""
    X = _longley_X()
    vif = variance_inflation_factors(X)
    published = [135.53, 1788.51, 33.62, 3.59, 399.15, 758.98]
    np.testing.assert_allclose(vif, published, atol=0.006)  # published to 2 decimals
    np.testing.assert_allclose(vif, _vif_by_regression(X), rtol=1e-8)


def test_vif_orthogonal_is_one_and_exact_dependence_is_inf():
    a, b, c = np.random.default_rng(1).standard_normal((3, 40))
    vif = variance_inflation_factors(np.column_stack([a, b, a + 2 * b, c]))
    assert np.isinf(vif[:3]).all() and np.isfinite(vif[3])
    # two uncorrelated columns: VIF = 1 exactly (R² = 0)
    x = np.array([1.0, -1.0, 1.0, -1.0])
    z = np.array([1.0, 1.0, -1.0, -1.0])
    np.testing.assert_allclose(variance_inflation_factors(np.column_stack([x, z])), [1.0, 1.0])


def test_vif_constant_column_is_nan_and_others_unaffected():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((30, 3))
    vif = variance_inflation_factors(np.column_stack([X, np.full(30, 7.0)]))
    assert np.isnan(vif[3])
    np.testing.assert_allclose(vif[:3], _vif_by_regression(X), rtol=1e-10)


def test_vif_uncentered_on_a_gram_stand_in_equals_centered():
    """center=False on R of the centered data (same Gram matrix) gives the centered VIF."""
    X = _longley_X()
    R = np.linalg.qr(X - X.mean(axis=0), mode="r")
    np.testing.assert_allclose(
        variance_inflation_factors(R, center=False), variance_inflation_factors(X), rtol=1e-9
    )


# ---------------------------------------------------------------------------- BKW
def _bkw_oracle(X):
    """Explicit BKW: [1, X] / column norms, η = S[0]/S, π from φ_jk = V_jk²/S_k²."""
    Xa = np.column_stack([np.ones(len(X)), X])
    Xs = Xa / np.linalg.norm(Xa, axis=0)
    _, S, Vt = np.linalg.svd(Xs, full_matrices=False)
    phi = Vt.T**2 / S**2  # (j, k)
    return S[0] / S, (phi / phi.sum(axis=1, keepdims=True)).T, Xs


def test_condition_indices_longley_against_oracle_and_bkw():
    """Largest BKW condition index of Longley with intercept: BKW report about 43,000;
    ours is 43,275 — within 1% of that and equal to an explicit SVD to 1e-8."""
    X = _longley_X()
    ci = condition_indices(X, feature_names=["GNPDEFL", "GNP", "UNEMP", "ARMED", "POP", "YEAR"])
    assert isinstance(ci, ConditionIndices)
    eta, pi, _ = _bkw_oracle(X)
    np.testing.assert_allclose(ci.indices, eta, rtol=1e-8)
    np.testing.assert_allclose(ci.proportions, pi, rtol=1e-6, atol=1e-12)
    assert ci.max_index == pytest.approx(43_000, rel=0.01)
    # Σ_k φ_jk is the diagonal of (X_sᵀ X_s)⁻¹ (variance of the scaled coefficients)
    assert ci.names[0] == "(intercept)"
    deps = ci.dependencies()
    assert [set(d.names) for d in deps] == [
        {"(intercept)", "GNP", "UNEMP", "YEAR"},
        {"GNPDEFL", "POP"},
    ]
    assert deps[0].index == pytest.approx(ci.max_index)
    assert all(p >= 0.5 for d in deps for p in d.proportions)


def test_condition_indices_proportions_sum_to_one_and_decompose_the_variance():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((40, 4)) + 3
    ci = condition_indices(X)
    np.testing.assert_allclose(ci.proportions.sum(axis=0), 1.0, rtol=1e-12)
    assert np.all(np.diff(ci.indices) >= 0) and ci.indices[0] == 1.0
    # the denominator Σ_k φ_jk is diag((X_sᵀX_s)⁻¹) — var(b_j) up to σ² — so
    # π_kj · var_j = V_jk² / S_k² (explicit inverse: fine in a test oracle)
    _, _, Xs = _bkw_oracle(X)
    var = np.diag(np.linalg.inv(Xs.T @ Xs))
    Vt = np.linalg.svd(Xs)[2]
    np.testing.assert_allclose(
        ci.proportions * var, Vt**2 / ci.singular_values[:, None] ** 2, rtol=1e-6
    )


def test_condition_indices_exact_dependence_is_inf_with_limit_proportions():
    rng = np.random.default_rng(5)
    a, b, c = rng.standard_normal((3, 30))
    ci = condition_indices(np.column_stack([a, b, a - b, c]), intercept=False)
    assert math.isinf(ci.max_index)
    np.testing.assert_allclose(ci.proportions.sum(axis=0), 1.0)
    (dep,) = ci.dependencies()
    assert set(dep.names) == {"x0", "x1", "x2"} and math.isinf(dep.index)


def test_condition_indices_orthogonal_design_has_no_dependency():
    ci = condition_indices(np.eye(4), intercept=False)
    np.testing.assert_allclose(ci.indices, 1.0)
    assert ci.dependencies() == []


def test_condition_indices_bad_names():
    with pytest.raises(LinmlInputError, match="feature_names has 1 entries but X has 2"):
        condition_indices(np.eye(2), feature_names=["a"])


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(30, 300),
    noise=st.floats(1e-4, 1e-2),
)
def test_planted_dependency_among_3_of_8_found_by_the_bkw_rule(seed, n, noise):
    """x_c = a·x_a + b·x_b + noise among 8 columns: the rule (η ≥ 30 and ≥ 2 π ≥ 0.5)
    finds exactly one dependency, on exactly those 3 columns (the intercept not involved)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 8))
    i, j, k = (int(t) for t in rng.choice(8, 3, replace=False))
    a, b = rng.uniform(0.5, 2.0, 2) * rng.choice([-1.0, 1.0], 2)
    X[:, k] = a * X[:, i] + b * X[:, j] + noise * rng.standard_normal(n)
    deps = condition_indices(X).dependencies()
    assert [set(d.columns) for d in deps] == [{i + 1, j + 1, k + 1}]  # design positions
