"""Tests for linml.linalg.projections: projections vs lstsq, Gram–Schmidt properties."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg import (
    ProjectionResult,
    gram_schmidt,
    project_onto_columns,
    project_onto_vector,
)

# entries in [-10, 10], with magnitudes below 1e-6 snapped to 0 (no 1e-300-scale matrices,
# whose norms under/overflow in the test's own bound)
finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False).map(
    lambda t: 0.0 if abs(t) < 1e-6 else t
)


def test_project_onto_vector_closed_form_and_orthogonal():
    y = np.array([3.0, 1.0, 2.0])
    v = np.array([1.0, 1.0, 0.0])
    p, r = project_onto_vector(y, v)
    np.testing.assert_allclose(p, [2.0, 2.0, 0.0])
    assert abs(r @ v) < 1e-14
    P, _ = project_onto_vector(np.column_stack([y, 2 * y]), v)
    np.testing.assert_allclose(P[:, 1], 2 * p)


def test_project_onto_vector_zero_vector_rejected():
    with pytest.raises(LinmlInputError, match=r"v is the zero vector"):
        project_onto_vector(np.ones(2), np.zeros(2))


@pytest.mark.parametrize("k", [None, 2])
def test_project_onto_columns_matches_lstsq(k):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((20, 4))
    y = rng.standard_normal(20 if k is None else (20, k))
    res = project_onto_columns(y, A)
    assert isinstance(res, ProjectionResult) and res.rank == 4
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(res.coef, coef, rtol=1e-10)
    np.testing.assert_allclose(res.projection, A @ coef, atol=1e-12)
    np.testing.assert_allclose(res.projection + res.residual, y, atol=1e-14)


@given(
    A=arrays(np.float64, (10, 3), elements=finite),
    y=arrays(np.float64, (10,), elements=finite),
)
def test_projection_residual_orthogonal_to_columns(A, y):
    res = project_onto_columns(y, A) if np.linalg.matrix_rank(A) == 3 else None
    if res is None:
        return
    assert np.abs(A.T @ res.residual).max() <= 1e-9 * (1 + np.abs(A).max()) * (1 + np.abs(y).max())


def test_project_onto_columns_rank_deficient_warns_min_norm():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((15, 2))
    A = np.column_stack([A, A[:, 0] + A[:, 1]])
    y = rng.standard_normal(15)
    with pytest.warns(NumericalWarning, match=r"rank 2 < 3 columns.*minimum-norm"):
        res = project_onto_columns(y, A)
    np.testing.assert_allclose(res.coef, np.linalg.lstsq(A, y, rcond=None)[0], rtol=1e-10)
    np.testing.assert_allclose(res.projection, A @ res.coef, atol=1e-12)


@given(A=arrays(np.float64, (8, 4), elements=finite))
def test_gram_schmidt_orthonormal_and_spans_col_A(A):
    """Q is orthonormal and projecting A onto col(Q) leaves A unchanged (col(Q) ⊇ col(A)).

    col(Q) ⊆ col(A) holds by construction (each q is a combination of A's columns); the
    rank itself is judged per column, relative to ‖a_j‖, so it is tested deterministically
    in test_gram_schmidt_drops_dependent_columns_with_warning.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        Q = gram_schmidt(A)
    r = Q.shape[1]
    np.testing.assert_allclose(Q.T @ Q, np.eye(r), atol=1e-10)
    scale = 1 + np.abs(A).max()
    assert np.abs(Q @ (Q.T @ A) - A).max() <= 1e-8 * scale
    assert r <= 4


def test_gram_schmidt_matches_qr_up_to_sign():
    A = np.random.default_rng(2).standard_normal((10, 4))
    Q = gram_schmidt(A)
    Qr = np.linalg.qr(A)[0]
    np.testing.assert_allclose(np.abs(Q), np.abs(Qr), atol=1e-12)


def test_gram_schmidt_reorthogonalization_fixes_loss_of_orthogonality():
    """Nearly dependent columns (a Hilbert-like matrix): one MGS pass loses orthogonality, two don't."""
    n = 12
    A = 1.0 / (np.arange(n)[:, None] + np.arange(n)[None, :] + 1.0)
    Q1 = gram_schmidt(A[:, :8], reorthogonalize=False)
    Q2 = gram_schmidt(A[:, :8], reorthogonalize=True)
    err1 = np.abs(Q1.T @ Q1 - np.eye(Q1.shape[1])).max()
    err2 = np.abs(Q2.T @ Q2 - np.eye(Q2.shape[1])).max()
    assert err2 < 1e-14
    assert err1 > 100 * err2


def test_gram_schmidt_drops_dependent_columns_with_warning():
    A = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 1.0], [1.0, 2.0, 0.0]])
    with pytest.warns(NumericalWarning, match=r"column\(s\) \[1\] of A are linearly dependent"):
        Q = gram_schmidt(A)
    assert Q.shape == (3, 2)


def test_gram_schmidt_float32():
    A = np.random.default_rng(3).standard_normal((6, 3)).astype(np.float32)
    Q = gram_schmidt(A)
    assert Q.dtype == np.float32
    np.testing.assert_allclose(Q.T @ Q, np.eye(3), atol=1e-6)
