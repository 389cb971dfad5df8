"""Tests for linml.linalg.eigen: sorted eigh vs SciPy, A V = V Λ, top-k, power iteration."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.sparse.linalg import aslinearoperator

from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg import PowerIterationResult, eigh_sorted, power_iteration


def _sym(n, seed, dtype=np.float64):
    B = np.random.default_rng(seed).standard_normal((n, n))
    return ((B + B.T) / 2).astype(dtype)


@given(arrays(np.float64, (6, 6), elements=st.floats(-100, 100)))
def test_eigh_sorted_descending_and_residual_small(B):
    """Eigenvalues descend, V is orthonormal and A V = V Λ to round-off."""
    A = (B + B.T) / 2
    w, V = eigh_sorted(A)
    assert np.all(np.diff(w) <= 0)
    scale = max(1.0, np.abs(w).max())
    assert np.abs(A @ V - V * w).max() <= 1e-10 * scale
    np.testing.assert_allclose(V.T @ V, np.eye(6), atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_eigh_sorted_matches_scipy(dtype):
    A = _sym(8, 0, dtype)
    w, V = eigh_sorted(A)
    assert w.dtype == dtype and V.dtype == dtype
    ref = sla.eigvalsh(A.astype(np.float64))[::-1]
    atol = (1e-5 if dtype == np.float32 else 1e-12) * np.abs(
        ref
    ).max()  # eigenvalue error ~ eps·‖A‖
    np.testing.assert_allclose(w, ref, rtol=0, atol=atol)
    idx = np.argmax(np.abs(V), axis=0)
    assert np.all(V[idx, np.arange(8)] > 0), "largest-|.| component of each eigenvector is positive"


def test_eigh_sorted_top_k_matches_full():
    A = _sym(10, 1)
    w_all, V_all = eigh_sorted(A)
    w, V = eigh_sorted(A, k=3)
    assert w.shape == (3,) and V.shape == (10, 3)
    np.testing.assert_allclose(w, w_all[:3], rtol=1e-12)
    np.testing.assert_allclose(V, V_all[:, :3], atol=1e-10)


def test_eigh_sorted_closed_form_path_laplacian():
    """Path-graph Laplacian eigenvalues are 2 − 2 cos(π j / n), j = 0..n−1."""
    n = 7
    L = 2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)
    L[0, 0] = L[-1, -1] = 1
    w, _ = eigh_sorted(L)
    expected = np.sort(2 - 2 * np.cos(np.pi * np.arange(n) / n))[::-1]
    np.testing.assert_allclose(w, expected, atol=1e-12)


def test_eigh_sorted_warns_and_symmetrizes_asymmetric():
    A = np.array([[2.0, 1.0], [0.0, 2.0]])
    with pytest.warns(NumericalWarning, match=r"not symmetric.*symmetric part"):
        w, _ = eigh_sorted(A)
    np.testing.assert_allclose(w, [2.5, 1.5])


def test_eigh_sorted_bad_input():
    with pytest.raises(LinmlInputError, match=r"A must be square \(n, n\); got shape \(2, 3\)"):
        eigh_sorted(np.ones((2, 3)))
    with pytest.raises(LinmlInputError, match=r"k=4 must be in \[1, 3\]"):
        eigh_sorted(np.eye(3), k=4)


# ---------------------------------------------------------------------------- power iteration
@pytest.mark.parametrize("as_operator", [False, True])
def test_power_iteration_matches_top_eigenpair(as_operator):
    rng = np.random.default_rng(0)
    B = rng.standard_normal((30, 10))
    A = B.T @ B
    w, V = eigh_sorted(A, k=1)
    res = power_iteration(aslinearoperator(A) if as_operator else A, random_state=0)
    assert isinstance(res, PowerIterationResult)
    assert res.converged and res.residual <= 1e-10
    assert res.eigenvalue == pytest.approx(w[0], rel=1e-12)
    np.testing.assert_allclose(res.eigenvector, V[:, 0], atol=1e-8)


def test_power_iteration_negative_dominant_eigenvalue():
    res = power_iteration(np.diag([-5.0, 1.0, 2.0]), random_state=0)
    assert res.eigenvalue == pytest.approx(-5.0)
    np.testing.assert_allclose(res.eigenvector, [1.0, 0.0, 0.0], atol=1e-8)


def test_power_iteration_warns_when_not_converged():
    A = np.diag([1.0, 0.999, 0.5])
    with pytest.warns(NumericalWarning, match=r"did not converge in max_iter=3"):
        res = power_iteration(A, max_iter=3, random_state=0)
    assert not res.converged and res.n_iter == 3


def test_power_iteration_float32_floors_tolerance():
    A = _sym(5, 2, np.float32) + 10 * np.eye(5, dtype=np.float32)
    res = power_iteration(A, random_state=0)
    assert res.converged and res.eigenvector.dtype == np.float32


def test_power_iteration_bad_input():
    with pytest.raises(LinmlInputError, match=r"A must be square"):
        power_iteration(np.ones((2, 3)))
    with pytest.raises(LinmlInputError, match=r"tol=-1.0 must be a finite number > 0"):
        power_iteration(np.eye(2), tol=-1.0)
