"""Tests for linml.linalg.svd: exact SVD vs SciPy, sign rule, randomized SVD bounds, low rank."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse.linalg import aslinearoperator

from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg import LowRankResult, low_rank_approx, randomized_svd, svd, svd_flip_signs

TOL = {np.float64: 1e-10, np.float32: 1e-4}


def _largest_entry_positive(Vt):
    idx = np.argmax(np.abs(Vt), axis=1)
    return bool(np.all(Vt[np.arange(Vt.shape[0]), idx] > 0))


def _low_rank_plus_noise(m, n, rank, noise, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, rank)) @ rng.standard_normal((rank, n))
    return (A + noise * rng.standard_normal((m, n))).astype(dtype)


# ---------------------------------------------------------------------------- exact
@pytest.mark.parametrize("shape", [(20, 7), (7, 20), (9, 9)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_svd_matches_scipy_and_reconstructs(shape, dtype):
    X = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    U, S, Vt = svd(X)
    r = min(shape)
    assert U.shape == (shape[0], r) and S.shape == (r,) and Vt.shape == (r, shape[1])
    assert U.dtype == dtype and S.dtype == dtype
    np.testing.assert_allclose(S, sla.svdvals(X), rtol=TOL[dtype])
    np.testing.assert_allclose((U * S) @ Vt, X, atol=TOL[dtype] * 10)
    assert np.all(np.diff(S) <= 0)
    assert _largest_entry_positive(Vt)


def test_svd_full_matrices_shapes_and_orthogonality():
    X = np.random.default_rng(1).standard_normal((8, 3))
    U, S, Vt = svd(X, full_matrices=True)
    assert U.shape == (8, 8) and Vt.shape == (3, 3)
    np.testing.assert_allclose(U.T @ U, np.eye(8), atol=1e-12)
    np.testing.assert_allclose(U[:, :3] * S @ Vt, X, atol=1e-12)


def test_svd_signs_deterministic_under_input_sign_flip():
    """The sign rule makes the factors independent of LAPACK's arbitrary choice."""
    X = np.random.default_rng(2).standard_normal((10, 4))
    U1, _, Vt1 = svd(X)
    U2, _, Vt2 = svd(-X)
    np.testing.assert_allclose(Vt1, Vt2, atol=1e-12)
    np.testing.assert_allclose(U1, -U2, atol=1e-12)


def test_svd_flip_signs_keeps_product():
    rng = np.random.default_rng(3)
    U, S, Vt = np.linalg.svd(rng.standard_normal((6, 4)), full_matrices=False)
    U2, Vt2 = svd_flip_signs(U, Vt)
    np.testing.assert_allclose((U2 * S) @ Vt2, (U * S) @ Vt, atol=1e-12)
    assert _largest_entry_positive(Vt2)


def test_svd_gesdd_failure_falls_back_to_gesvd_with_warning():
    X = np.random.default_rng(4).standard_normal((5, 3))
    real_svd = sla.svd

    def flaky(A, *args, lapack_driver="gesdd", **kwargs):
        if lapack_driver == "gesdd":
            raise np.linalg.LinAlgError("SVD did not converge")
        return real_svd(A, *args, lapack_driver=lapack_driver, **kwargs)

    with mock.patch("linml.linalg.svd.sla.svd", side_effect=flaky):
        with pytest.warns(NumericalWarning, match=r"gesdd.*gesvd"):
            _, S, _ = svd(X)
    np.testing.assert_allclose(S, sla.svdvals(X), rtol=1e-12)


# ---------------------------------------------------------------------------- randomized
@pytest.mark.parametrize("kind", ["dense", "sparse", "operator"])
@pytest.mark.parametrize("normalizer", ["qr", "lu", "none"])
def test_randomized_svd_matches_full_svd_on_low_rank(kind, normalizer):
    A = _low_rank_plus_noise(120, 80, 8, 1e-8, seed=0)
    X = {"dense": A, "sparse": sp.csr_matrix(A), "operator": aslinearoperator(A)}[kind]
    U, S, Vt = randomized_svd(X, 5, power_iteration_normalizer=normalizer, random_state=0)
    U0, S0, Vt0 = svd(A)
    np.testing.assert_allclose(S, S0[:5], rtol=1e-8)
    # same sign rule ⇒ same vectors, not just up to sign
    np.testing.assert_allclose(Vt, Vt0[:5], atol=1e-6)
    np.testing.assert_allclose(U, U0[:, :5], atol=1e-6)


def test_randomized_svd_float32_preserved():
    A = _low_rank_plus_noise(60, 40, 5, 1e-3, seed=1, dtype=np.float32)
    U, S, Vt = randomized_svd(A, 3, random_state=0)
    assert U.dtype == S.dtype == Vt.dtype == np.float32
    np.testing.assert_allclose(S, sla.svdvals(A.astype(np.float64))[:3], rtol=1e-4)


def test_randomized_svd_reproducible_with_seed():
    A = _low_rank_plus_noise(50, 30, 10, 0.1, seed=2)
    r1 = randomized_svd(A, 4, random_state=7)
    r2 = randomized_svd(A, 4, random_state=7)
    for a, b in zip(r1, r2, strict=True):
        np.testing.assert_array_equal(a, b)


@given(
    seed=st.integers(0, 10_000),
    rank=st.integers(1, 6),
    k=st.integers(1, 6),
    noise=st.sampled_from([1e-3, 1e-1, 1.0]),
)
def test_randomized_svd_meets_practical_error_bound(seed, rank, k, noise):
    """Halko et al.: ‖A − U S Vt‖₂ is within a small factor of the optimum σ_{k+1}.

    The paper's expected bound is (1 + 9·sqrt(k+p)·sqrt(min(m,n)))·σ_{k+1} without power
    iterations; with q = 4 the practical bound ‖A − A_k‖ <= 10·σ_{k+1} holds comfortably.
    """
    A = _low_rank_plus_noise(40, 30, rank, noise, seed)
    U, S, Vt = randomized_svd(A, k, random_state=seed)
    S_full = sla.svdvals(A)
    err = sla.svdvals(A - (U * S) @ Vt)[0]
    assert err <= 10 * S_full[k] + 1e-10 * S_full[0]


def test_randomized_svd_bad_n_components():
    with pytest.raises(LinmlInputError, match=r"n_components=5 must be in \[1, 4\]"):
        randomized_svd(np.ones((4, 6)), 5)


def test_randomized_svd_bad_normalizer_lists_valid():
    with pytest.raises(
        LinmlInputError, match=r"power_iteration_normalizer='svd'.*'qr', 'lu', 'none'"
    ):
        randomized_svd(np.eye(4), 2, power_iteration_normalizer="svd")


# ---------------------------------------------------------------------------- low rank
@pytest.mark.parametrize("k", [0, 1, 3, 5])
def test_low_rank_approx_eckart_young_errors(k):
    X = np.random.default_rng(5).standard_normal((9, 5))
    res = low_rank_approx(X, k)
    assert isinstance(res, LowRankResult) and res.rank == k
    S = sla.svdvals(X)
    diff = X - res.X_k
    assert res.spectral_error == pytest.approx(S[k] if k < 5 else 0.0, abs=1e-12)
    assert res.spectral_error == pytest.approx(sla.norm(diff, 2), abs=1e-10)
    assert res.frobenius_error == pytest.approx(np.linalg.norm(diff), abs=1e-10)
    assert np.linalg.matrix_rank(res.X_k) == k


def test_low_rank_approx_bad_k():
    with pytest.raises(LinmlInputError, match=r"k=4 must be in \[0, 3\]"):
        low_rank_approx(np.ones((3, 5)), 4)


def test_svd_rejects_1d_and_nan():
    with pytest.raises(LinmlInputError, match=r"X must be 2-D"):
        svd(np.ones(3))
    X = np.ones((3, 3))
    X[1, 2] = np.inf
    with pytest.raises(LinmlInputError, match=r"X contains inf at row 1, column 2"):
        svd(X)


def test_randomized_svd_of_wide_sparse_factors_its_transpose():
    """A wide sparse X is factored as Xᵀ (CSR): the same triplets, swapped, and accurate."""
    from linml.linalg import randomized_svd

    # rank 8 exactly and sparse: the product of two sparse factors, 60 × 900
    A = sp.random(60, 8, density=0.5, random_state=1, format="csr")
    B = sp.random(8, 900, density=0.1, random_state=2, format="csr")
    X = sp.csr_matrix(A @ B)
    U, S, Vt = randomized_svd(X, 5, n_iter=6, random_state=0)
    V2, S2, Ut2 = randomized_svd(sp.csr_matrix(X.T), 5, n_iter=6, random_state=0)
    np.testing.assert_array_equal(S, S2)
    np.testing.assert_allclose(np.abs(U), np.abs(Ut2.T), atol=1e-12)
    np.testing.assert_allclose(np.abs(Vt), np.abs(V2.T), atol=1e-12)
    S_exact = np.linalg.svd(X.toarray(), compute_uv=False)[:5]
    np.testing.assert_allclose(S, S_exact, rtol=1e-6)
    np.testing.assert_allclose(U.T @ U, np.eye(5), atol=1e-10)
    np.testing.assert_allclose((U * S) @ Vt, U @ (U.T @ X.toarray()), atol=1e-8)
