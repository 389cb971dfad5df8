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


@njit(cache=True, inline="always")
def _n_chunks(n_rows):  # pragma: no cover - compiled
    """How many parallel tasks of ``_CHUNK`` rows cover ``n_rows`` rows."""
    return (n_rows + _CHUNK - 1) // _CHUNK


@njit(cache=True, inline="always")
def _chunk_rows(c, n_rows):  # pragma: no cover - compiled
    """The rows [lo, hi) of parallel task ``c``: ``_CHUNK`` rows, fewer in the last task."""
    return c * _CHUNK, min(n_rows, (c + 1) * _CHUNK)


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
    indptr, indices, data, Y, row_offset, col_offset, reg_diag, row_weight, X, failed, sse
):  # pragma: no cover - compiled
    """Explicit-ALS half-step: for every row u, with t_uj = r_uj - row_offset[u] - col_offset[j],

        (sum_j y_j y_j^T + row_weight[u] * diag(reg_diag)) x_u = sum_j t_uj y_j,

    the sums over the row's stored entries j. Writes x_u into X[u]; rows whose matrix is
    not positive definite get x_u = 0 and failed[u] = True. On the way it records
    sse[u] = sum_j (t_uj - y_j^T x_u)^2 at the incoming x_u (float64): the squared error
    of the model *before* this half-step, for free (2k flops per entry beside k(k+1)).
    Cost: nnz * k(k+1) flops for the Gram matrices + n_rows * k^3 / 3 for the Cholesky.
    """
    n_rows = indptr.shape[0] - 1
    k = Y.shape[1]
    for c in prange(_n_chunks(n_rows)):
        lo, hi = _chunk_rows(c, n_rows)
        A = np.empty((k, k), dtype=Y.dtype)
        b = np.empty(k, dtype=Y.dtype)
        for u in range(lo, hi):
            A[:, :] = 0.0
            b[:] = 0.0
            xu = X[u]
            err = 0.0
            for p in range(indptr[u], indptr[u + 1]):
                j = indices[p]
                t = data[p] - row_offset[u] - col_offset[j]
                y = Y[j]
                yx = t - t  # zero of the working dtype
                for a in range(k):
                    yx += y[a] * xu[a]
                err += _sq(t - yx)
                for a in range(k):
                    ya = y[a]
                    b[a] += t * ya
                    for e in range(a + 1):  # lower triangle of y y^T
                        A[a, e] += ya * y[e]
            sse[u] = err
            w = row_weight[u]
            for a in range(k):
                A[a, a] += w * reg_diag[a]
            failed[u] = not _cholesky_solve(A, b, k)
            for a in range(k):
                X[u, a] = 0.0 if failed[u] else b[a]


@njit(cache=True, fastmath=_FAST)
def _sq(e):  # pragma: no cover - compiled
    """e² in float64 (exact for a float32 e)."""
    d = np.float64(e)
    return d * d


@njit(cache=True, fastmath=_FAST)
def _add_normal_product(Yu, n, v, t, cw, out, zero):  # pragma: no cover - compiled
    """out += Yu[:n]^T diag(cw[:n]) (t[:n] - Yu[:n] v); returns sum (t - Yu v)^2 (float64).

    Four rows at a time: four independent dot products hide the reduction latency and
    ``out`` is updated once per four rows (this product is most of an ALS sweep).
    """
    k = Yu.shape[1]
    err = 0.0
    q = 0
    while q + 4 <= n:
        e0 = zero
        e1 = zero
        e2 = zero
        e3 = zero
        for a in range(k):
            va = v[a]
            e0 += Yu[q, a] * va
            e1 += Yu[q + 1, a] * va
            e2 += Yu[q + 2, a] * va
            e3 += Yu[q + 3, a] * va
        e0 = t[q] - e0
        e1 = t[q + 1] - e1
        e2 = t[q + 2] - e2
        e3 = t[q + 3] - e3
        err += _sq(e0) + _sq(e1) + _sq(e2) + _sq(e3)
        e0 *= cw[q]
        e1 *= cw[q + 1]
        e2 *= cw[q + 2]
        e3 *= cw[q + 3]
        for a in range(k):
            out[a] += e0 * Yu[q, a] + e1 * Yu[q + 1, a] + e2 * Yu[q + 2, a] + e3 * Yu[q + 3, a]
        q += 4
    while q < n:
        e = zero
        for a in range(k):
            e += Yu[q, a] * v[a]
        e = t[q] - e
        err += _sq(e)
        e *= cw[q]
        for a in range(k):
            out[a] += e * Yu[q, a]
        q += 1
    return err


@njit(cache=True)
def _longest_row(indptr, lo, hi):  # pragma: no cover - compiled
    """The most stored entries of any row in [lo, hi): the size of a chunk's scratch block."""
    longest = 1
    for u in range(lo, hi):
        longest = max(longest, indptr[u + 1] - indptr[u])
    return longest


@njit(cache=True, inline="always")
def _cg_workspace(indptr, lo, hi, Y):  # pragma: no cover - compiled
    """The CG state of one chunk of rows [lo, hi), allocated once for all of them in Y's dtype:
    the gather block ``Yu`` (longest row x k) and the iterate ``x``, residual ``r``,
    direction ``p`` and product ``Ap`` (k,)."""
    k = Y.shape[1]
    Yu = np.empty((_longest_row(indptr, lo, hi), k), dtype=Y.dtype)
    x = np.empty(k, dtype=Y.dtype)
    r = np.empty(k, dtype=Y.dtype)
    p = np.empty(k, dtype=Y.dtype)
    Ap = np.empty(k, dtype=Y.dtype)
    return Yu, x, r, p, Ap


@njit(cache=True, fastmath=_FAST)
def _cg_start(r, p):  # pragma: no cover - compiled
    """p = r (the first search direction); returns ‖r‖²."""
    rs = 0.0
    for a in range(r.shape[0]):
        p[a] = r[a]
        rs += r[a] * r[a]
    return rs


@njit(cache=True, fastmath=_FAST)
def _cg_advance(x, r, p, Ap, rs_old):  # pragma: no cover - compiled
    """One CG step given ``Ap = A p``: x += αp, r −= αAp, p ← r + βp with α = ‖r‖²/pᵀAp,
    β = ‖r_new‖²/‖r‖². Returns ‖r_new‖², or −1 (nothing changed) when pᵀAp ≤ 0."""
    k = x.shape[0]
    pAp = 0.0
    for a in range(k):
        pAp += p[a] * Ap[a]
    if not pAp > 0.0:
        return -1.0
    step = rs_old / pAp
    rs_new = 0.0
    for a in range(k):
        x[a] += step * p[a]
        r[a] -= step * Ap[a]
        rs_new += r[a] * r[a]
    beta = rs_new / rs_old
    for a in range(k):
        p[a] = r[a] + beta * p[a]
    return rs_new


@njit(cache=True, parallel=True, fastmath=_FAST)
def ridge_cg_rows(
    indptr, indices, data, Y, row_offset, col_offset, reg_diag, row_weight, X, cg_steps, sse
):  # pragma: no cover - compiled
    """The system of :func:`ridge_rows` solved by ``cg_steps`` conjugate-gradient steps
    warm-started at X[u], without forming it: A v = sum_j (y_j^T v) y_j + w_u reg_diag * v
    costs 4 n_u k flops, so a step is O(n_u k) instead of O(n_u k^2 + k^3).

    Each CG step from x_0 minimizes the quadratic over a growing Krylov space containing the
    previous iterate, so the half-step never raises the ALS objective. The first residual
    pass gives sse[u] = sum_j (t_uj - y_j^T x_u)^2 at the incoming x_u (float64) for free.
    The row's y_j are gathered once into a contiguous scratch block ``Yu`` (n_u × k, in
    cache) that the cg_steps products then stream; accumulators stay in the working dtype
    so float32 vectorizes without conversions (about 2× float64 on AVX-512).
    """
    n_rows = indptr.shape[0] - 1
    k = Y.shape[1]
    zero = np.zeros(1, dtype=Y.dtype)[0]
    for c in prange(_n_chunks(n_rows)):
        lo, hi = _chunk_rows(c, n_rows)
        Yu, x, r, p, Ap = _cg_workspace(indptr, lo, hi, Y)
        t = np.empty(Yu.shape[0], dtype=Y.dtype)  # the row's targets t_uj
        t0 = np.zeros(Yu.shape[0], dtype=Y.dtype)
        ones = np.ones(Yu.shape[0], dtype=Y.dtype)
        neg_p = np.empty(k, dtype=Y.dtype)
        for u in range(lo, hi):
            start = indptr[u]
            n_u = indptr[u + 1] - start
            w = row_weight[u]
            for q in range(n_u):  # gather the row's y_j and targets once
                j = indices[start + q]
                t[q] = data[start + q] - row_offset[u] - col_offset[j]
                for a in range(k):
                    Yu[q, a] = Y[j, a]
            # r = b - A x = Yu^T (t - Yu x) - w reg * x
            for a in range(k):
                x[a] = X[u, a]
                r[a] = -w * reg_diag[a] * x[a]
            sse[u] = _add_normal_product(Yu, n_u, x, t, ones, r, zero)
            rs_old = _cg_start(r, p)
            for _ in range(cg_steps):
                if not rs_old > 0.0:
                    break
                for a in range(k):
                    Ap[a] = w * reg_diag[a] * p[a]
                    neg_p[a] = -p[a]
                _add_normal_product(Yu, n_u, neg_p, t0, ones, Ap, zero)  # Ap += Yu^T Yu p
                rs_old = _cg_advance(x, r, p, Ap, rs_old)
                if rs_old < 0.0:  # pᵀAp ≤ 0: breakdown, x is left as it was
                    break
            for a in range(k):
                X[u, a] = x[a]


@njit(cache=True, fastmath=_FAST)
def _sym_matvec(G, v, out):  # pragma: no cover - compiled
    """out = G v for symmetric ``G``, as a sum of rows (G v = sum_e v_e G[e]): the inner loop
    is a contiguous axpy, so it vectorizes without a horizontal sum per output entry, and
    four rows are added per pass so ``out`` is loaded and stored once per four rows."""
    k = v.shape[0]
    for a in range(k):
        out[a] = 0.0
    e = 0
    while e + 4 <= k:
        v0 = v[e]
        v1 = v[e + 1]
        v2 = v[e + 2]
        v3 = v[e + 3]
        for a in range(k):
            out[a] += v0 * G[e, a] + v1 * G[e + 1, a] + v2 * G[e + 2, a] + v3 * G[e + 3, a]
        e += 4
    while e < k:
        ve = v[e]
        for a in range(k):
            out[a] += ve * G[e, a]
        e += 1


@njit(cache=True, fastmath=_FAST)
def _add_weighted_product(Yu, n, cw, v, out, zero):  # pragma: no cover - compiled
    """out += Yu[:n]^T diag(cw[:n]) Yu[:n] v: the ``Y^T (C_u - I) Y v`` of one CG product.

    Eight rows at a time: eight independent dot products hide the reduction latency and
    ``out`` is loaded and stored once per eight rows (this product is most of a sweep).
    """
    k = Yu.shape[1]
    q = 0
    while q + 8 <= n:
        e0 = zero
        e1 = zero
        e2 = zero
        e3 = zero
        e4 = zero
        e5 = zero
        e6 = zero
        e7 = zero
        for a in range(k):
            va = v[a]
            e0 += Yu[q, a] * va
            e1 += Yu[q + 1, a] * va
            e2 += Yu[q + 2, a] * va
            e3 += Yu[q + 3, a] * va
            e4 += Yu[q + 4, a] * va
            e5 += Yu[q + 5, a] * va
            e6 += Yu[q + 6, a] * va
            e7 += Yu[q + 7, a] * va
        e0 *= cw[q]
        e1 *= cw[q + 1]
        e2 *= cw[q + 2]
        e3 *= cw[q + 3]
        e4 *= cw[q + 4]
        e5 *= cw[q + 5]
        e6 *= cw[q + 6]
        e7 *= cw[q + 7]
        for a in range(k):
            out[a] += (
                e0 * Yu[q, a]
                + e1 * Yu[q + 1, a]
                + e2 * Yu[q + 2, a]
                + e3 * Yu[q + 3, a]
                + e4 * Yu[q + 4, a]
                + e5 * Yu[q + 5, a]
                + e6 * Yu[q + 6, a]
                + e7 * Yu[q + 7, a]
            )
        q += 8
    while q < n:
        e = zero
        for a in range(k):
            e += Yu[q, a] * v[a]
        e *= cw[q]
        for a in range(k):
            out[a] += e * Yu[q, a]
        q += 1


@njit(cache=True, fastmath=_FAST)
def _row_loss(c_sum, b, r, x):  # pragma: no cover - compiled
    """x^T A x - 2 b^T x + sum_j c_uj = sum_j c_uj - (b + r)^T x with r = b - A x (float64):
    row u's share of the implicit loss, from vectors the solver already holds."""
    s = 0.0
    for a in range(x.shape[0]):
        s += (np.float64(b[a]) + np.float64(r[a])) * np.float64(x[a])
    return c_sum - s


@njit(cache=True, parallel=True, fastmath=_FAST)
def implicit_cholesky_rows(indptr, indices, conf, Y, G, X, failed, loss):  # pragma: no cover
    """Implicit-ALS half-step by Cholesky: for every row u,

        (G + sum_j (c_uj - 1) y_j y_j^T) x_u = sum_j c_uj y_j,   G = Y^T Y + reg I,

    the Hu–Koren–Volinsky trick: Y^T C_u Y = Y^T Y + Y^T (C_u - I) Y, with Y^T Y formed once
    per half-sweep and the correction summed over the row's stored entries only.
    Also writes loss[u] = x_u^T A_u x_u - 2 b_u^T x_u + sum_j c_uj = sum_j c_uj - b_u^T x_u
    (float64) at the new x_u: row u's share of the loss (see :func:`implicit_cg_rows`).
    """
    n_rows = indptr.shape[0] - 1
    k = Y.shape[1]
    for c in prange(_n_chunks(n_rows)):
        lo, hi = _chunk_rows(c, n_rows)
        A = np.empty((k, k), dtype=Y.dtype)
        b = np.empty(k, dtype=Y.dtype)
        rhs = np.empty(k, dtype=Y.dtype)
        zeros = np.zeros(k, dtype=Y.dtype)
        for u in range(lo, hi):
            A[:, :] = G
            b[:] = 0.0
            c_sum = 0.0
            for p in range(indptr[u], indptr[u + 1]):
                y = Y[indices[p]]
                cu = conf[p]
                c_sum += np.float64(cu)
                for a in range(k):
                    ya = y[a]
                    b[a] += cu * ya
                    wa = (cu - 1.0) * ya
                    for e in range(a + 1):
                        A[a, e] += wa * y[e]
            rhs[:] = b
            failed[u] = not _cholesky_solve(A, b, k)
            if failed[u]:
                b[:] = 0.0
            for a in range(k):
                X[u, a] = b[a]
            loss[u] = _row_loss(c_sum, rhs, zeros, b)  # r = 0 at the exact solve (or x = 0)


@njit(cache=True, parallel=True, fastmath=_FAST)
def implicit_cg_rows(indptr, indices, conf, Y, G, X, cg_steps, skip_upto, loss):  # pragma: no cover
    """Implicit-ALS half-step by ``cg_steps`` conjugate-gradient steps, warm-started at X[u].

    Solves the same system as :func:`implicit_cholesky_rows`,
    A_u x_u = b_u with A_u = G + Y_u^T (C_u - I) Y_u and b_u = Y_u^T c_u, without forming
    it: the product A v = G v + sum_j (c_uj - 1) (y_j^T v) y_j costs 2k^2 + 4 n_u k flops,
    so a step is O(k^2 + n_u k) instead of the O(n_u k^2 + k^3) of forming and factoring A_u.
    The row's y_j are gathered once into a contiguous block ``Yu`` that the products then
    stream. Cost per row: 2 n_u k (gather, b_u) + (cg_steps + 1)(4 n_u k + 2 k^2) flops.

    The loss comes for free: row u's terms of L (all its cells plus reg |x_u|^2) are
    x^T A x - 2 b^T x + sum_j c_uj, and with the residual r = b - A x that CG carries this is
    loss[u] = sum_j c_uj - (b + r)^T x (float64), written at the outgoing x_u.

    Rows with at most ``skip_upto`` stored entries are left untouched (-1: none is):
    :func:`implicit_short_rows` solves them exactly, for less.
    """
    n_rows = indptr.shape[0] - 1
    k = Y.shape[1]
    zero = np.zeros(1, dtype=Y.dtype)[0]
    tiny = 1e-20
    for c in prange(_n_chunks(n_rows)):
        lo, hi = _chunk_rows(c, n_rows)
        Yu, x, r, p, Ap = _cg_workspace(indptr, lo, hi, Y)
        cw = np.empty(Yu.shape[0], dtype=Y.dtype)  # the row's c_uj - 1
        neg = np.empty(k, dtype=Y.dtype)
        b = np.empty(k, dtype=Y.dtype)
        for u in range(lo, hi):
            start = indptr[u]
            n_u = indptr[u + 1] - start
            if n_u <= skip_upto:
                continue
            for a in range(k):
                x[a] = X[u, a]
                neg[a] = -x[a]
                b[a] = zero
            c_sum = 0.0
            for q in range(n_u):  # gather y_j once; b = sum_j c_uj y_j
                j = indices[start + q]
                cq = conf[start + q]
                c_sum += np.float64(cq)
                cw[q] = cq - 1
                for a in range(k):
                    ya = Y[j, a]
                    Yu[q, a] = ya
                    b[a] += cq * ya
            # r = b - A x = b - G x - Yu^T (C - I) Yu x
            _sym_matvec(G, neg, r)
            for a in range(k):
                r[a] += b[a]
            _add_weighted_product(Yu, n_u, cw, neg, r, zero)
            rs_old = _cg_start(r, p)
            for _ in range(cg_steps):
                if not rs_old > tiny:
                    break
                _sym_matvec(G, p, Ap)  # Ap = G p + Yu^T (C_u - I) Yu p
                _add_weighted_product(Yu, n_u, cw, p, Ap, zero)
                rs_old = _cg_advance(x, r, p, Ap, rs_old)
                if rs_old < 0.0:  # pᵀAp ≤ 0: breakdown, x is left as it was
                    break
            for a in range(k):
                X[u, a] = x[a]
            loss[u] = _row_loss(c_sum, b, r, x)


@njit(cache=True, parallel=True, fastmath=_FAST)
def implicit_short_rows(indptr, indices, conf, Y, Z, X, n_short, loss):  # pragma: no cover
    """Exact implicit-ALS solves of the rows with at most ``n_short`` stored entries, by the
    Woodbury identity; rows with more are left untouched (the CG kernel takes them).

    With ``G = Y^T Y + reg I``, ``Z = Y G^{-1}`` (rows ``z_j = G^{-1} y_j``), the row's
    ``n = n_u`` items ``Y_u`` and ``D = diag(c_uj - 1)``::

        A_u = G + Y_u^T D Y_u,  b_u = Y_u^T c_u,  w = G^{-1} b_u = sum_j c_uj z_j,
        S = I + D^{1/2} Y_u Z_u^T D^{1/2}   (n x n, SPD, eigenvalues >= 1),
        x_u = A_u^{-1} b_u = w - Z_u^T D^{1/2} S^{-1} D^{1/2} Y_u w.

    Cost per row about ``n^2 k + 8 n k`` flops against ``2 (s+1) k^2 + (4 s + 6) n k`` for
    ``s`` CG steps: fewer flops for ``n`` below ``(2s-1) + sqrt((2s-1)^2 + 2 (s+1) k)`` (28
    at k = 64, s = 3), but the timed break-even is about half that (14; the caller's
    ``_short_row_cutoff``), and exact. ``S`` is factored in float64. Writes
    ``loss[u] = sum_j c_uj - b_u^T x_u`` (float64; the residual is zero), with
    ``b_u^T x_u = b_u^T w - t^T S^{-1} t`` and ``b_u^T w = sum_j c_uj y_j^T w`` from the
    ``t = D^{1/2} Y_u w`` the solve needs anyway (``b_u`` itself is never formed).
    """
    n_rows = indptr.shape[0] - 1
    k = Y.shape[1]
    zero = np.zeros(1, dtype=Y.dtype)[0]
    for c in prange(_n_chunks(n_rows)):
        lo, hi = _chunk_rows(c, n_rows)
        Yu = np.empty((n_short, k), dtype=Y.dtype)  # the row's y_j and z_j, gathered
        Zu = np.empty((n_short, k), dtype=Y.dtype)
        S = np.empty((n_short, n_short))
        t = np.empty(n_short)
        t_copy = np.empty(n_short)
        d = np.empty(n_short, dtype=Y.dtype)
        w = np.empty(k, dtype=Y.dtype)
        for u in range(lo, hi):
            start = indptr[u]
            n = indptr[u + 1] - start
            if n > n_short:
                continue
            for a in range(k):
                w[a] = zero
            c_sum = 0.0
            for q in range(n):  # gather; w = G^{-1} b_u = sum_j c_uj z_j
                j = indices[start + q]
                cq = conf[start + q]
                c_sum += np.float64(cq)
                d[q] = np.sqrt(max(cq - 1, zero))
                for a in range(k):
                    za = Z[j, a]
                    Yu[q, a] = Y[j, a]
                    Zu[q, a] = za
                    w[a] += cq * za
            bw = 0.0  # b_uᵀ w = sum_j c_uj y_jᵀ w
            for p in range(n):  # S = I + D^½ Y_u Z_uᵀ D^½ (lower triangle), t = D^½ Y_u w
                tp = zero
                for a in range(k):
                    tp += Yu[p, a] * w[a]
                bw += np.float64(conf[start + p]) * np.float64(tp)
                t[p] = np.float64(d[p] * tp)
                q = 0
                while q + 4 <= p + 1:  # four dot products per pass over y_p
                    e0 = zero
                    e1 = zero
                    e2 = zero
                    e3 = zero
                    for a in range(k):
                        ya = Yu[p, a]
                        e0 += ya * Zu[q, a]
                        e1 += ya * Zu[q + 1, a]
                        e2 += ya * Zu[q + 2, a]
                        e3 += ya * Zu[q + 3, a]
                    S[p, q] = np.float64(d[p] * d[q] * e0)
                    S[p, q + 1] = np.float64(d[p] * d[q + 1] * e1)
                    S[p, q + 2] = np.float64(d[p] * d[q + 2] * e2)
                    S[p, q + 3] = np.float64(d[p] * d[q + 3] * e3)
                    q += 4
                while q <= p:
                    e0 = zero
                    for a in range(k):
                        e0 += Yu[p, a] * Zu[q, a]
                    S[p, q] = np.float64(d[p] * d[q] * e0)
                    q += 1
                S[p, p] += 1.0
            for p in range(n):
                t_copy[p] = t[p]
            _cholesky_solve(S, t, n)  # SPD with eigenvalues >= 1: cannot fail
            ts = 0.0  # b_uᵀ x_u = b_uᵀ w - tᵀ S^{-1} t
            for q in range(n):  # x = w - Z_uᵀ (D^½ s)
                ts += t_copy[q] * t[q]
                f = Y.dtype.type(d[q] * t[q])
                for a in range(k):
                    w[a] -= f * Zu[q, a]
            for a in range(k):
                X[u, a] = w[a]
            loss[u] = c_sum - (bw - ts)


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


@njit(cache=True, fastmath=_FAST)
def weighted_sq_norm(X, w):  # pragma: no cover - compiled
    """sum_u w[u] * |X[u]|^2 accumulated in float64 (the ALS penalty without temporaries)."""
    total = 0.0
    for u in range(X.shape[0]):
        s = 0.0
        for a in range(X.shape[1]):
            xa = np.float64(X[u, a])
            s += xa * xa
        total += np.float64(w[u]) * s
    return total
