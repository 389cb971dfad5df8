"""NMF's compiled kernels against their pure-NumPy twins (the readable reference updates)."""

from __future__ import annotations

import numpy as np
import pytest

from linml.decomposition._nmf_kernels import hals_sweeps, hals_sweeps_resumable, mu_updates

MU_EPS = float(np.finfo(np.float32).eps)
TOL = {np.float64: 1e-10, np.float32: 1e-4}


# ---------------------------------------------------------------------------- NumPy twins
def hals_sweeps_reference(A, G, C, max_sweeps, delta):
    """HALS, one component (row of A) at a time: A[t] ← max(0, A[t] − (G[t] A − C[t]) / G[t, t])."""
    A = A.copy()
    first = 0.0
    sweeps = 0
    for sweep in range(max_sweeps):
        change = 0.0
        for t in range(A.shape[0]):
            if G[t, t] <= 0:
                continue
            new = np.maximum(A[t] - (G[t] @ A - C[t]) / G[t, t], 0.0)
            change += float(np.sum((new - A[t]) ** 2))
            A[t] = new
        sweeps += 1
        if sweep == 0:
            first = change
        if change <= delta**2 * first:
            break
    return A, sweeps


def mu_updates_reference(A, G, C, l1, l2, max_updates, delta, eps):
    """Lee–Seung: A ← A ∘ C / (G A + l1 + l2 A), a zero denominator replaced by eps."""
    A = A.copy()
    first = 0.0
    done = 0
    for update in range(max_updates):
        denominator = G @ A + l1 + l2 * A
        denominator[denominator == 0] = eps
        new = A * (C / denominator)
        change = float(np.sum((new - A) ** 2))
        A = new
        done += 1
        if update == 0:
            first = change
        if change <= delta**2 * first:
            break
    return A, done


def _problem(k, m, dtype, seed, l1=0.0, l2=0.0, zero_component=False):
    """A = Wᵀ of a random non-negative factorization; G = HHᵀ (+ l2 I), C = HXᵀ (− l1)."""
    rng = np.random.default_rng(seed)
    H = rng.random((k, 30))
    if zero_component:
        H[0] = 0.0  # G[0, 0] = 0: the kernel must skip that component
    X = rng.random((m, k)) @ H + 0.1 * rng.random((m, 30))
    G = H @ H.T + l2 * np.eye(k)
    C = H @ X.T - l1
    A = rng.random((k, m))
    return A.astype(dtype), G.astype(dtype), np.ascontiguousarray(C, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("k", "m"), [(1, 5), (4, 37), (9, 200)])
@pytest.mark.parametrize(("max_sweeps", "delta"), [(1, 0.1), (5, 0.0), (30, 0.1)])
@pytest.mark.parametrize("l1", [0.0, 2.0])
def test_hals_sweeps_matches_numpy_twin(dtype, k, m, max_sweeps, delta, l1):
    A, G, C = _problem(k, m, dtype, seed=k * m, l1=l1, l2=0.5)
    expected, expected_sweeps = hals_sweeps_reference(A, G, C, max_sweeps, delta)
    sweeps = hals_sweeps(A, G, C, max_sweeps, delta)
    if delta > 0:  # with delta = 0 the stop hinges on an exactly-zero step: rounding decides
        assert sweeps == expected_sweeps
    np.testing.assert_allclose(
        A, expected, rtol=TOL[dtype], atol=TOL[dtype] * np.abs(expected).max()
    )
    assert (A >= 0).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("chunk", [1, 3, 7])
def test_hals_sweeps_in_chunks_equal_one_call(dtype, chunk):
    """Issue 17: the W-solve runs its sweeps in chunks (returning to Python for Ctrl-C);
    ``first`` carries the δ rule's reference, so the chunks do exactly one call's sweeps."""
    A, G, C = _problem(6, 50, dtype, seed=2, l2=0.5)
    whole = A.copy()
    n_whole = hals_sweeps(whole, G, C, 40, 0.01)
    assert 3 < n_whole < 40  # stopped by the δ rule, after several chunks of 3
    first, done, stopped = np.full(1, -1.0), 0, False
    while done < 40 and not stopped:
        n, stopped = hals_sweeps_resumable(A, G, C, min(chunk, 40 - done), 0.01, first)
        done += n
    assert stopped and done == n_whole
    np.testing.assert_array_equal(A, whole)


def test_hals_sweeps_skips_a_zero_component():
    A, G, C = _problem(4, 20, np.float64, seed=1, zero_component=True)
    before = A[0].copy()
    expected, _ = hals_sweeps_reference(A, G, C, 3, 0.0)
    hals_sweeps(A, G, C, 3, 0.0)
    np.testing.assert_array_equal(A[0], before)
    np.testing.assert_allclose(A, expected, rtol=1e-12)


def test_hals_sweeps_converge_to_the_nnls_solution():
    """Many sweeps solve each column's non-negative least squares exactly (scipy's nnls)."""
    from scipy.optimize import nnls

    rng = np.random.default_rng(3)
    H = rng.random((5, 40))
    X = rng.random((8, 40))
    A = np.zeros((5, 8))
    hals_sweeps(A, H @ H.T, np.ascontiguousarray(H @ X.T), 5000, 0.0)
    for j in range(8):
        w, _ = nnls(H.T, X[j])
        np.testing.assert_allclose(A[:, j], w, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("k", "m"), [(1, 5), (4, 37), (9, 200)])
@pytest.mark.parametrize(("max_updates", "delta"), [(1, 0.1), (6, 0.0), (40, 0.1)])
@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.0), (1.5, 0.3)])
def test_mu_updates_matches_numpy_twin(dtype, k, m, max_updates, delta, l1, l2):
    A, G, C = _problem(k, m, dtype, seed=k + m)
    expected, expected_done = mu_updates_reference(A, G, C, l1, l2, max_updates, delta, MU_EPS)
    done = mu_updates(A, G, C, l1, l2, max_updates, delta, MU_EPS)
    if delta > 0:
        assert done == expected_done
    np.testing.assert_allclose(A, expected, rtol=TOL[dtype] * 10, atol=0)
    assert (A >= 0).all()


def test_mu_updates_zero_denominator_uses_eps():
    """A zero column with a zero Gram row gives 0 / eps = 0, not NaN."""
    A = np.array([[0.0, 1.0], [0.0, 2.0]])
    G = np.array([[1.0, 0.0], [0.0, 1.0]])
    C = np.array([[0.0, 1.0], [0.0, 1.0]])
    mu_updates(A, G, C, 0.0, 0.0, 1, 0.0, MU_EPS)
    assert np.isfinite(A).all()
    np.testing.assert_array_equal(A[:, 0], [0.0, 0.0])
