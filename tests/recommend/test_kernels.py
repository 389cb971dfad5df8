"""The numba kernels against their pure-NumPy twins (tests/recommend/_reference.py)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from linml.recommend import _kernels
from tests.recommend._reference import cg_ref, implicit_rows_ref, ridge_rows_ref

TOL = {np.float64: 1e-10, np.float32: 2e-4}


def _problem(seed, n_rows=40, n_cols=15, k=4, density=0.3, dtype=np.float64):
    rng = np.random.default_rng(seed)
    M = sp.random(n_rows, n_cols, density=density, random_state=seed, format="csr")
    M.data = rng.normal(3.0, 1.0, M.nnz)
    Y = rng.standard_normal((n_cols, k)).astype(dtype)
    return M, Y, rng


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ridge_rows_matches_numpy_solve(seed, dtype):
    """One explicit half-step = a dense solve per row, including empty rows (x = 0)."""
    M, Y, rng = _problem(seed, dtype=dtype)
    row_off = rng.standard_normal(M.shape[0]).astype(dtype)
    col_off = rng.standard_normal(M.shape[1]).astype(dtype)
    reg = np.full(Y.shape[1], 0.3, dtype=dtype)
    w = np.maximum(np.diff(M.indptr), 1).astype(dtype)
    X = np.zeros((M.shape[0], Y.shape[1]), dtype=dtype)
    failed = np.zeros(M.shape[0], dtype=bool)
    data = M.data.astype(dtype)
    sse = np.empty(M.shape[0])
    _kernels.ridge_rows(M.indptr, M.indices, data, Y, row_off, col_off, reg, w, X, failed, sse)
    assert np.all(sse >= 0)
    expected = ridge_rows_ref(M.indptr, M.indices, data, Y, row_off, col_off, reg, w)
    assert not failed.any()
    np.testing.assert_allclose(X, expected, rtol=TOL[dtype], atol=TOL[dtype])


def test_ridge_rows_flags_singular_systems():
    """reg = 0 and fewer ratings than unknowns: not positive definite, flagged and zeroed."""
    M, Y, _ = _problem(0, n_rows=5, n_cols=10, k=6, density=0.2)
    X = np.ones((5, 6))
    failed = np.zeros(5, dtype=bool)
    _kernels.ridge_rows(
        M.indptr,
        M.indices,
        M.data,
        Y,
        np.zeros(5),
        np.zeros(10),
        np.zeros(6),
        np.ones(5),
        X,
        failed,
        np.empty(5),
    )
    assert failed.all()
    assert (X == 0).all()


@pytest.mark.parametrize("steps", [1, 2, 5])
def test_ridge_cg_rows_is_plain_cg(steps):
    """The explicit CG kernel takes exactly the steps of textbook CG from the warm start."""
    M, Y, rng = _problem(3)
    reg = np.full(4, 0.5)
    w = np.ones(M.shape[0])
    X0 = rng.standard_normal((M.shape[0], 4))
    X = X0.copy()
    sse = np.empty(M.shape[0])
    _kernels.ridge_cg_rows(
        M.indptr,
        M.indices,
        M.data,
        Y,
        np.zeros(M.shape[0]),
        np.zeros(M.shape[1]),
        reg,
        w,
        X,
        steps,
        sse,
    )
    for u in range(M.shape[0]):
        items = M.indices[M.indptr[u] : M.indptr[u + 1]]
        A = Y[items].T @ Y[items] + 0.5 * np.eye(4)
        b = Y[items].T @ M.data[M.indptr[u] : M.indptr[u + 1]]
        np.testing.assert_allclose(X[u], cg_ref(A, b, X0[u], steps), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("solver", ["cholesky", "cg"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_half_steps_report_squared_error_of_incoming_factors(solver, dtype):
    """sse[u] = sum_j (r_uj - row_off[u] - col_off[j] - y_j^T x_u)^2 at x_u before the solve."""
    M, Y, rng = _problem(6, dtype=dtype)
    row_off = rng.standard_normal(M.shape[0]).astype(dtype)
    col_off = rng.standard_normal(M.shape[1]).astype(dtype)
    X0 = rng.standard_normal((M.shape[0], Y.shape[1])).astype(dtype)
    X = X0.copy()
    sse = np.full(M.shape[0], -1.0)
    data = M.data.astype(dtype)
    args = (M.indptr, M.indices, data, Y, row_off, col_off)
    rest = (np.full(Y.shape[1], 0.3, dtype=dtype), np.ones(M.shape[0], dtype=dtype), X)
    if solver == "cg":
        _kernels.ridge_cg_rows(*args, *rest, 2, sse)
    else:
        _kernels.ridge_rows(*args, *rest, np.zeros(M.shape[0], dtype=bool), sse)
    rows = np.repeat(np.arange(M.shape[0]), np.diff(M.indptr))
    X64, Y64 = X0.astype(np.float64), Y.astype(np.float64)
    e = data - row_off[rows] - col_off[M.indices] - np.sum(X64[rows] * Y64[M.indices], axis=1)
    expected = np.bincount(rows, weights=e**2, minlength=M.shape[0])
    np.testing.assert_allclose(sse, expected, rtol=TOL[dtype] * 10, atol=TOL[dtype] * 10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_implicit_cholesky_matches_dense_confidence_solve(dtype):
    """The Y^T Y + Y^T (C_u - I) Y trick equals the solve with the full dense C_u."""
    M, Y, _ = _problem(4, dtype=dtype)
    conf = (1.0 + 2.0 * np.abs(M.data)).astype(dtype)
    G = (Y.T.astype(np.float64) @ Y + 0.1 * np.eye(4)).astype(dtype)
    X = np.zeros((M.shape[0], 4), dtype=dtype)
    failed = np.zeros(M.shape[0], dtype=bool)
    _kernels.implicit_cholesky_rows(M.indptr, M.indices, conf, Y, G, X, failed, np.empty(40))
    expected = implicit_rows_ref(M.indptr, M.indices, conf, Y, 0.1)
    np.testing.assert_allclose(X, expected, rtol=TOL[dtype] * 10, atol=TOL[dtype] * 10)


def test_implicit_cg_converges_to_cholesky():
    """With k steps CG is exact (k unknowns, exact arithmetic): it matches the Cholesky solve."""
    M, Y, rng = _problem(5)
    conf = 1.0 + 3.0 * np.abs(M.data)
    G = Y.T @ Y + 0.1 * np.eye(4)
    X_chol = np.zeros((M.shape[0], 4))
    _kernels.implicit_cholesky_rows(
        M.indptr, M.indices, conf, Y, G, X_chol, np.zeros(M.shape[0], dtype=bool), np.empty(40)
    )
    X_cg = rng.standard_normal((M.shape[0], 4))
    _kernels.implicit_cg_rows(M.indptr, M.indices, conf, Y, G, X_cg, 12, -1, np.empty(40))
    np.testing.assert_allclose(X_cg, X_chol, rtol=1e-8, atol=1e-9)


def _implicit_system(M, conf, Y, reg, u):
    """A_u = Y^T C_u Y + reg I, b_u = Y^T C_u p_u and sum_j c_uj with the dense C_u (float64)."""
    Y64 = Y.astype(np.float64)
    c = np.ones(Y.shape[0])
    p = np.zeros(Y.shape[0])
    sl = slice(M.indptr[u], M.indptr[u + 1])
    c[M.indices[sl]] = conf[sl]
    p[M.indices[sl]] = 1.0
    A = Y64.T @ (c[:, None] * Y64) + reg * np.eye(Y.shape[1])
    return A, Y64.T @ (c * p), float(conf[sl].astype(np.float64).sum())


def _implicit_problem(seed, dtype, k=7, n_cols=23):
    """A long-tail row pattern: empty rows, short rows, and rows longer than 8 (the unroll)."""
    M, Y, rng = _problem(seed, n_rows=40, n_cols=n_cols, k=k, density=0.35, dtype=dtype)
    M = M.tolil()
    M[0, :] = 0  # an empty row
    M[1, :] = 3.0  # a full row
    M = M.tocsr()
    M.eliminate_zeros()
    conf = (1.0 + 2.0 * np.abs(M.data)).astype(dtype)
    G = (Y.T.astype(np.float64) @ Y + 0.3 * np.eye(k)).astype(dtype)
    X0 = (0.5 * rng.standard_normal((M.shape[0], k))).astype(dtype)
    return M, conf, Y, G, X0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("steps", [1, 2, 5])
def test_implicit_cg_rows_is_plain_cg_on_the_dense_system(steps, dtype):
    """The fused implicit CG kernel takes exactly textbook CG's steps on A_u x = b_u (the
    dense-confidence system), from the warm start, for every row; k = 7 is not a multiple
    of the 4-row unroll of G v, and rows of 0, < 8 and > 8 entries hit every branch."""
    M, conf, Y, G, X0 = _implicit_problem(steps, dtype)
    X = X0.copy()
    loss = np.full(M.shape[0], np.nan)
    _kernels.implicit_cg_rows(M.indptr, M.indices, conf, Y, G, X, steps, -1, loss)
    for u in range(M.shape[0]):
        A, b, _ = _implicit_system(M, conf, Y, 0.3, u)
        expected = cg_ref(A, b, X0[u], steps)
        np.testing.assert_allclose(X[u], expected, rtol=TOL[dtype] * 10, atol=TOL[dtype] * 10)


@pytest.mark.parametrize("solver", ["cg", "cholesky"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_implicit_row_loss_is_the_rows_share_of_the_objective(solver, dtype):
    """loss[u] = sum_i c_ui (p_ui - x_u^T y_i)^2 + reg |x_u|^2 over ALL cells of row u, at the
    outgoing x_u (float64), although the kernel only visits the row's stored entries."""
    M, conf, Y, G, X0 = _implicit_problem(11, dtype)
    X = X0.copy()
    loss = np.full(M.shape[0], np.nan)
    if solver == "cg":
        _kernels.implicit_cg_rows(M.indptr, M.indices, conf, Y, G, X, 2, -1, loss)
    else:
        failed = np.zeros(M.shape[0], dtype=bool)
        _kernels.implicit_cholesky_rows(M.indptr, M.indices, conf, Y, G, X, failed, loss)
        assert not failed.any()
    P = (M.toarray() != 0).astype(np.float64)  # preference: 1 on stored cells
    C = np.where(P > 0, sp.csr_matrix((conf, M.indices, M.indptr), shape=M.shape).toarray(), 1.0)
    X64, Y64 = X.astype(np.float64), Y.astype(np.float64)
    expected = (C * (P - X64 @ Y64.T) ** 2).sum(1) + 0.3 * (X64**2).sum(1)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(loss, expected, rtol=TOL[dtype] * 10, atol=TOL[dtype] * scale)


@settings(max_examples=30, deadline=None)
@given(k=st.integers(1, 13), n=st.integers(0, 21), seed=st.integers(0, 2**16))
def test_product_helpers_match_numpy(k, n, seed):
    """The unrolled helpers of the implicit CG product against NumPy, for every remainder
    of their 4- and 8-way unrolls: G v (symmetric G) and out + Yu^T diag(cw) Yu v."""
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((k, k))
    G = B + B.T
    v = rng.standard_normal(k)
    out = np.full(k, np.nan)
    _kernels._sym_matvec(G, v, out)
    np.testing.assert_allclose(out, G @ v, rtol=1e-12, atol=1e-12)
    Yu = rng.standard_normal((n + 3, k))  # scratch longer than the row, as in the kernel
    cw = rng.uniform(0.0, 4.0, n + 3)
    out0 = rng.standard_normal(k)
    out = out0.copy()
    _kernels._add_weighted_product(Yu, n, cw, v, out, 0.0)
    Yn = Yu[:n]
    np.testing.assert_allclose(out, out0 + Yn.T @ (cw[:n] * (Yn @ v)), rtol=1e-12, atol=1e-12)


def test_pair_dots():
    rng = np.random.default_rng(0)
    P, Q = rng.standard_normal((6, 3)), rng.standard_normal((5, 3))
    rows, cols = np.array([0, 5, 2]), np.array([4, 0, 2])
    out = np.empty(3)
    _kernels.pair_dots(rows, cols, P, Q, out)
    np.testing.assert_allclose(out, (P[rows] * Q[cols]).sum(1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_weighted_sq_norm_matches_numpy(dtype):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((30, 5)).astype(dtype)
    w = rng.uniform(0.5, 3.0, 30).astype(dtype)
    expected = float((w.astype(np.float64) * (X.astype(np.float64) ** 2).sum(1)).sum())
    assert _kernels.weighted_sq_norm(X, w) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", [0, 1])
def test_implicit_short_rows_is_the_exact_solve_and_skips_long_rows(seed, dtype):
    """Woodbury on rows with <= n_short entries = the dense solve with the full C_u (twin:
    implicit_rows_ref), loss = sum c - bᵀx; longer rows are left as they were; the CG kernel
    with skip_upto = n_short touches exactly the other rows."""
    M, Y, _rng = _problem(seed, n_rows=60, density=0.25, dtype=dtype)
    conf = (1.0 + 2.0 * np.abs(M.data)).astype(dtype)
    reg = 0.3
    G = (Y.astype(np.float64).T @ Y + reg * np.eye(Y.shape[1])).astype(dtype)
    Z = np.ascontiguousarray(np.linalg.solve(G.astype(np.float64), Y.T.astype(np.float64)).T)
    Z = Z.astype(dtype)
    n_short = 3
    counts = np.diff(M.indptr)
    assert (counts <= n_short).any() and (counts > n_short).any()
    X = np.full((M.shape[0], Y.shape[1]), 5.0, dtype=dtype)
    loss = np.full(M.shape[0], np.nan)
    _kernels.implicit_short_rows(M.indptr, M.indices, conf, Y, Z, X, n_short, loss)
    exact = implicit_rows_ref(M.indptr, M.indices, conf, Y, reg)
    short = counts <= n_short
    np.testing.assert_allclose(X[short], exact[short], rtol=TOL[dtype], atol=TOL[dtype])
    assert np.all(X[~short] == 5.0) and np.all(np.isnan(loss[~short]))
    for u in np.flatnonzero(short):
        sl = slice(M.indptr[u], M.indptr[u + 1])
        b = Y[M.indices[sl]].astype(np.float64).T @ conf[sl]
        want = conf[sl].astype(np.float64).sum() - b @ exact[u]
        assert loss[u] == pytest.approx(want, rel=10 * TOL[dtype], abs=10 * TOL[dtype])
    before = X.copy()
    _kernels.implicit_cg_rows(M.indptr, M.indices, conf, Y, G, X, 3, n_short, loss)
    np.testing.assert_array_equal(X[short], before[short])
    assert not np.any(X[~short] == 5.0)
