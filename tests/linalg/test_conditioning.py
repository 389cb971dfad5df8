"""Tests for linml.linalg.conditioning: cond, ranks, null space, collinear groups."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given
from hypothesis import strategies as st

from linml.exceptions import LinmlInputError
from linml.linalg import (
    CollinearGroup,
    RankResult,
    collinear_groups,
    condition_number,
    effective_rank,
    null_space,
    numerical_rank,
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
