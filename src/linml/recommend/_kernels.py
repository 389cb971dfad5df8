"""Compiled half-steps of the ALS recommenders (numba, parallel over rows).

Each kernel takes plain arrays — a CSR matrix as ``(indptr, indices, data)`` and the fixed
factor matrix ``Y`` — and solves one small symmetric positive-definite system per row,
in parallel over chunks of rows (one scratch buffer per chunk, no allocation per row).
The tests hold pure-NumPy twins of every kernel as oracles.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# reassociation lets LLVM vectorize the reductions; no nnan/ninf: inputs are checked finite
# and the Cholesky failure test must see a NaN if one appears.
_FAST = {"reassoc", "contract", "nsz", "arcp"}
_CHUNK = 32  # rows per parallel task: big enough to amortize scratch, small for balance


@njit(cache=True, fastmath=_FAST)
def _cholesky_solve(A, b, k):  # pragma: no cover - compiled
    """Solve A x = b in place for SPD ``A`` (lower triangle used): A <- L, b <- x.

    A = L L^T (Cholesky–Banachiewicz, row by row), then L z = b, L^T x = z.
    Returns False (leaving garbage) when a pivot is not positive: A is not SPD.
    """
    for j in range(k):
        s = A[j, j]
        for p in range(j):
            s -= A[j, p] * A[j, p]
        if not s > 0.0:
            return False
        d = np.sqrt(s)
        A[j, j] = d
        for i in range(j + 1, k):
            s = A[i, j]
            for p in range(j):
                s -= A[i, p] * A[j, p]
            A[i, j] = s / d
    for i in range(k):  # forward: L z = b
        s = b[i]
        for p in range(i):
            s -= A[i, p] * b[p]
        b[i] = s / A[i, i]
    for i in range(k - 1, -1, -1):  # backward: L^T x = z
        s = b[i]
        for p in range(i + 1, k):
            s -= A[p, i] * b[p]
        b[i] = s / A[i, i]
    return True


@njit(cache=True, parallel=True, fastmath=_FAST)
def ridge_rows(
    indptr, indices, data, Y, row_offset, col_offset, reg_diag, row_weight, X, failed
):  # pragma: no cover - compiled
    """Explicit-ALS half-step: for every row u, with t_uj = r_uj - row_offset[u] - col_offset[j],

        (sum_j y_j y_j^T + row_weight[u] * diag(reg_diag)) x_u = sum_j t_uj y_j,

    the sums over the row's stored entries j. Writes x_u into X[u]; rows whose matrix is
    not positive definite get x_u = 0 and failed[u] = True.
    Cost: nnz * k(k+1) flops for the Gram matrices + n_rows * k^3 / 3 for the Cholesky.
    """
    n_rows = indptr.shape[0] - 1
    k = Y.shape[1]
    n_chunks = (n_rows + _CHUNK - 1) // _CHUNK
    for c in prange(n_chunks):
        A = np.empty((k, k), dtype=Y.dtype)
        b = np.empty(k, dtype=Y.dtype)
        for u in range(c * _CHUNK, min(n_rows, (c + 1) * _CHUNK)):
            A[:, :] = 0.0
            b[:] = 0.0
            for p in range(indptr[u], indptr[u + 1]):
                j = indices[p]
                t = data[p] - row_offset[u] - col_offset[j]
                y = Y[j]
                for a in range(k):
                    ya = y[a]
                    b[a] += t * ya
                    for e in range(a + 1):  # lower triangle of y y^T
                        A[a, e] += ya * y[e]
            w = row_weight[u]
            for a in range(k):
                A[a, a] += w * reg_diag[a]
            failed[u] = not _cholesky_solve(A, b, k)
            for a in range(k):
                X[u, a] = 0.0 if failed[u] else b[a]


@njit(cache=True, parallel=True, fastmath=_FAST)
def ridge_cg_rows(
    indptr, indices, data, Y, row_offset, col_offset, reg_diag, row_weight, X, cg_steps
):  # pragma: no cover - compiled
    """The system of :func:`ridge_rows` solved by ``cg_steps`` conjugate-gradient steps
    warm-started at X[u], without forming it: A v = sum_j (y_j^T v) y_j + w_u reg_diag * v
    costs 4 n_u k flops, so a step is O(n_u k) instead of O(n_u k^2 + k^3).

    Each CG step from x_0 minimizes the quadratic over a growing Krylov space containing the
    previous iterate, so the half-step never raises the ALS objective.
    """
    n_rows = indptr.shape[0] - 1
    k = Y.shape[1]
    n_chunks = (n_rows + _CHUNK - 1) // _CHUNK
    for c in prange(n_chunks):
        x = np.empty(k, dtype=Y.dtype)
        r = np.empty(k, dtype=Y.dtype)
        p = np.empty(k, dtype=Y.dtype)
        Ap = np.empty(k, dtype=Y.dtype)
        for u in range(c * _CHUNK, min(n_rows, (c + 1) * _CHUNK)):
            start, stop = indptr[u], indptr[u + 1]
            w = row_weight[u]
            # r = b - A x = sum_j (t_uj - y_j^T x) y_j - w reg * x
            for a in range(k):
                x[a] = X[u, a]
                r[a] = -w * reg_diag[a] * x[a]
            for q in range(start, stop):
                j = indices[q]
                y = Y[j]
                yx = 0.0
                for a in range(k):
                    yx += y[a] * x[a]
                coef = data[q] - row_offset[u] - col_offset[j] - yx
                for a in range(k):
                    r[a] += coef * y[a]
            rs_old = 0.0
            for a in range(k):
                p[a] = r[a]
                rs_old += r[a] * r[a]
            for _ in range(cg_steps):
                if not rs_old > 0.0:
                    break
                for a in range(k):
                    Ap[a] = w * reg_diag[a] * p[a]
                for q in range(start, stop):
                    y = Y[indices[q]]
                    yp = 0.0
                    for a in range(k):
                        yp += y[a] * p[a]
                    for a in range(k):
                        Ap[a] += yp * y[a]
                pAp = 0.0
                for a in range(k):
                    pAp += p[a] * Ap[a]
                if not pAp > 0.0:
                    break
                step = rs_old / pAp
                rs_new = 0.0
                for a in range(k):
                    x[a] += step * p[a]
                    r[a] -= step * Ap[a]
                    rs_new += r[a] * r[a]
                beta = rs_new / rs_old
                for a in range(k):
                    p[a] = r[a] + beta * p[a]
                rs_old = rs_new
            for a in range(k):
                X[u, a] = x[a]


@njit(cache=True, parallel=True, fastmath=_FAST)
def implicit_cholesky_rows(indptr, indices, conf, Y, G, X, failed):  # pragma: no cover
    """Implicit-ALS half-step by Cholesky: for every row u,

        (G + sum_j (c_uj - 1) y_j y_j^T) x_u = sum_j c_uj y_j,   G = Y^T Y + reg I,

    the Hu–Koren–Volinsky trick: Y^T C_u Y = Y^T Y + Y^T (C_u - I) Y, with Y^T Y formed once
    per half-sweep and the correction summed over the row's stored entries only.
    """
    n_rows = indptr.shape[0] - 1
    k = Y.shape[1]
    n_chunks = (n_rows + _CHUNK - 1) // _CHUNK
    for c in prange(n_chunks):
        A = np.empty((k, k), dtype=Y.dtype)
        b = np.empty(k, dtype=Y.dtype)
        for u in range(c * _CHUNK, min(n_rows, (c + 1) * _CHUNK)):
            A[:, :] = G
            b[:] = 0.0
            for p in range(indptr[u], indptr[u + 1]):
                y = Y[indices[p]]
                cu = conf[p]
                for a in range(k):
                    ya = y[a]
                    b[a] += cu * ya
                    wa = (cu - 1.0) * ya
                    for e in range(a + 1):
                        A[a, e] += wa * y[e]
            failed[u] = not _cholesky_solve(A, b, k)
            for a in range(k):
                X[u, a] = 0.0 if failed[u] else b[a]


@njit(cache=True, parallel=True, fastmath=_FAST)
def implicit_cg_rows(indptr, indices, conf, Y, G, X, cg_steps):  # pragma: no cover
    """Implicit-ALS half-step by ``cg_steps`` conjugate-gradient steps, warm-started at X[u].

    Solves the same system as :func:`implicit_cholesky_rows` without forming it: the product
    A v = G v + sum_j (c_uj - 1) (y_j^T v) y_j costs k^2 + 4 n_u k flops, so a step is
    O(k^2 + n_u k) instead of the O(n_u k^2 + k^3) of forming and factoring A_u.
    """
    n_rows = indptr.shape[0] - 1
    k = Y.shape[1]
    n_chunks = (n_rows + _CHUNK - 1) // _CHUNK
    tiny = 1e-20
    for c in prange(n_chunks):
        x = np.empty(k, dtype=Y.dtype)
        r = np.empty(k, dtype=Y.dtype)
        p = np.empty(k, dtype=Y.dtype)
        Ap = np.empty(k, dtype=Y.dtype)
        for u in range(c * _CHUNK, min(n_rows, (c + 1) * _CHUNK)):
            start, stop = indptr[u], indptr[u + 1]
            x[:] = X[u]
            # r = b - A x = sum_j (c_uj - (c_uj - 1) y_j^T x) y_j - G x
            for a in range(k):
                s = 0.0
                for e in range(k):
                    s -= G[a, e] * x[e]
                r[a] = s
            for q in range(start, stop):
                y = Y[indices[q]]
                yx = 0.0
                for a in range(k):
                    yx += y[a] * x[a]
                w = conf[q] - (conf[q] - 1.0) * yx
                for a in range(k):
                    r[a] += w * y[a]
            rs_old = 0.0
            for a in range(k):
                p[a] = r[a]
                rs_old += r[a] * r[a]
            for _ in range(cg_steps):
                if not rs_old > tiny:
                    break
                # Ap = G p + sum_j (c_uj - 1)(y_j^T p) y_j
                for a in range(k):
                    s = 0.0
                    for e in range(k):
                        s += G[a, e] * p[e]
                    Ap[a] = s
                for q in range(start, stop):
                    y = Y[indices[q]]
                    yp = 0.0
                    for a in range(k):
                        yp += y[a] * p[a]
                    w = (conf[q] - 1.0) * yp
                    for a in range(k):
                        Ap[a] += w * y[a]
                pAp = 0.0
                for a in range(k):
                    pAp += p[a] * Ap[a]
                if not pAp > 0.0:
                    break
                step = rs_old / pAp
                rs_new = 0.0
                for a in range(k):
                    x[a] += step * p[a]
                    r[a] -= step * Ap[a]
                    rs_new += r[a] * r[a]
                beta = rs_new / rs_old
                for a in range(k):
                    p[a] = r[a] + beta * p[a]
                rs_old = rs_new
            for a in range(k):
                X[u, a] = x[a]


@njit(cache=True, parallel=True, fastmath=_FAST)
def pair_dots(rows, cols, P, Q, out):  # pragma: no cover - compiled
    """out[n] = P[rows[n]] . Q[cols[n]] for every pair n (predictions on observed cells)."""
    k = P.shape[1]
    for n in prange(rows.shape[0]):
        s = 0.0
        pu = P[rows[n]]
        qi = Q[cols[n]]
        for a in range(k):
            s += pu[a] * qi[a]
        out[n] = s
