"""Compiled coordinate-descent kernels for the elastic net (numba, float64, explicit loops).

Each kernel works on the n-scaled elastic-net problem

    P(β) = ½‖y_c − X̃β‖² + l1·‖β‖₁ + (l2/2)·‖β‖²

where ``X̃`` is the (implicitly) centered design and ``y_c`` the centered target. Three
*modes* share one code path, so every kernel compiles exactly one signature:

``DENSE``  ``Xf`` holds the columns of X back to back (``X.ravel(order="F")``, a view of a
           Fortran array, length n·p), ``state`` is the residual r = y_c − X̃β. With
           ``center`` the column means ``x_mean`` are subtracted on the fly —
           ``(X[i, j] − x_mean[j])`` is exactly the number an explicit centered copy would
           hold, so nothing is lost and X is never copied.
``SPARSE`` CSC arrays ``data, indices, indptr``; ``state`` is r0 = y_c − Xβ with the
           *uncentered* columns, so an update touches only the column's nonzeros. The true
           residual is r = r0 − mean(r0) (its sum is zero when y_c is centered), hence
           x̃_jᵀr = x_jᵀr0 − x_mean[j]·Σr0, with Σr0 carried in ``ssum[0]``.
``GRAM``   ``Xf`` holds G = X̃ᵀX̃ (p×p, raveled), ``q = X̃ᵀy_c`` and ``state`` is H = Gβ, so
           x̃_jᵀr = q_j − H_j and a coordinate update costs O(p) instead of O(n).

Unused arrays are passed as empty placeholders. Kernels trust their inputs: shapes and
dtypes are fixed by :mod:`linml.linear_model._cd_solver`. A pure-NumPy twin of the epoch
and of Anderson extrapolation lives in ``tests/linear_model/test_cd_kernels.py``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

DENSE = 0
SPARSE = 1
GRAM = 2

_JIT = dict(cache=True, fastmath=False, nogil=True)
# the O(n) column reductions may be reassociated so LLVM vectorizes them (no nnan/ninf: a
# NaN must still propagate into norm2 for the caller's finiteness check)
_JIT_REDUCE = dict(cache=True, fastmath={"reassoc", "contract"}, nogil=True)


@njit(**_JIT_REDUCE)
def _col_dot(mode, center, j, Xf, n_rows, data, indices, indptr, x_mean, q, state, ssum):
    """x̃_jᵀr for the current residual (see the module docstring for each mode)."""
    if mode == DENSE:
        # plain loops: reassociation lets LLVM vectorize the sum (a hand-unrolled version
        # with four scalar accumulators ran at half the speed). The column is a slice, so
        # the index is the loop counter: ``Xf[j * n_rows + i]`` is a signed sum that numba
        # guards against wraparound, which kept LLVM from vectorizing (3.9× slower).
        col = Xf[j * n_rows : (j + 1) * n_rows]
        acc = 0.0
        if center:
            m = x_mean[j]
            for i in range(n_rows):
                acc += (col[i] - m) * state[i]
        else:
            for i in range(n_rows):
                acc += col[i] * state[i]
        return acc
    if mode == SPARSE:
        acc = 0.0
        for k in range(indptr[j], indptr[j + 1]):
            acc += data[k] * state[indices[k]]
        if center:
            acc -= x_mean[j] * ssum[0]
        return acc
    return q[j] - state[j]  # GRAM: X̃ᵀr = X̃ᵀy_c − X̃ᵀX̃β = q − H


@njit(**_JIT)
def _col_update(mode, center, j, delta, Xf, n_rows, data, indices, indptr, x_mean, state, ssum):
    """The residual (or H) after β_j += delta."""
    if mode == DENSE:
        col = Xf[j * n_rows : (j + 1) * n_rows]  # a slice: see _col_dot
        if center:
            m = x_mean[j]
            for i in range(n_rows):  # r -= delta·(x_j − μ_j)
                state[i] -= delta * (col[i] - m)
        else:
            for i in range(n_rows):  # r -= delta·x_j
                state[i] -= delta * col[i]
    elif mode == SPARSE:
        for k in range(indptr[j], indptr[j + 1]):  # r0 -= delta·x_j (nonzeros only)
            state[indices[k]] -= delta * data[k]
        if center:
            ssum[0] -= delta * x_mean[j] * state.shape[0]  # Σr0 -= delta·Σ_i x_ij = delta·n·μ_j
    else:
        col = Xf[j * n_rows : (j + 1) * n_rows]
        for i in range(n_rows):  # H += delta·G[:, j]
            state[i] += delta * col[i]


@njit(**_JIT)
def _violation(u, b, l1, positive):
    """Distance of u = x̃_jᵀr − l2·β_j to the ℓ1 subdifferential at β_j (0 iff KKT holds)."""
    if b > 0.0:
        return abs(u - l1)
    if b < 0.0:
        return abs(u + l1)
    if positive:
        return max(u - l1, 0.0)
    return max(abs(u) - l1, 0.0)


@njit(**_JIT)
def _cd_epoch(
    mode, center, Xf, n_rows, data, indices, indptr, x_mean, q, state, ssum,
    beta, ws, lips, l1, l2, positive,
):  # fmt: skip
    """One cyclic pass over the working set ``ws``: β_j ← S(x̃_jᵀr + L_jβ_j, l1)/(L_j + l2)."""
    for k in range(ws.shape[0]):
        j = ws[k]
        denom = lips[j] + l2
        if denom <= 0.0:  # an all-zero column without ℓ2: its coefficient stays 0
            continue
        old = beta[j]
        z = _col_dot(mode, center, j, Xf, n_rows, data, indices, indptr, x_mean, q, state, ssum)
        z += lips[j] * old  # x̃_jᵀ(r + x̃_j β_j): the correlation with β_j removed
        if positive:
            new = max(z - l1, 0.0) / denom
        elif z > l1:
            new = (z - l1) / denom
        elif z < -l1:
            new = (z + l1) / denom
        else:
            new = 0.0
        if new != old:
            _col_update(
                mode, center, j, new - old, Xf, n_rows, data, indices, indptr, x_mean, state, ssum
            )
            beta[j] = new


@njit(**_JIT)
def _half_rss(mode, center, state, ssum, beta, q, yy):
    """½‖r‖² for the current state (GRAM: ½(‖y_c‖² − 2qᵀβ + βᵀH), clipped at 0)."""
    if mode == GRAM:
        s = yy
        for j in range(beta.shape[0]):
            s += beta[j] * (state[j] - 2.0 * q[j])
        return 0.5 * max(s, 0.0)
    s = 0.0
    for i in range(state.shape[0]):
        s += state[i] * state[i]
    if mode == SPARSE and center:  # r = r0 − mean(r0): ‖r‖² = ‖r0‖² − (Σr0)²/n
        s -= ssum[0] * ssum[0] / state.shape[0]
    return 0.5 * s


@njit(**_JIT)
def _anderson_weights(hist, weights):
    """Anderson/RNA weights c = z / Σz with (UUᵀ) z = 1, U_k = hist[k+1] − hist[k].

    Solved by Gaussian elimination with partial pivoting on the K×K system; returns False
    when it is (numerically) singular, in which case no extrapolation is done.
    Reference: Bertrand & Massias (2021), "Anderson acceleration of coordinate descent".
    """
    K = hist.shape[0] - 1
    m = hist.shape[1]
    C = np.zeros((K, K))
    for a in range(K):
        for b in range(a, K):
            s = 0.0
            for i in range(m):
                s += (hist[a + 1, i] - hist[a, i]) * (hist[b + 1, i] - hist[b, i])
            C[a, b] = s
            C[b, a] = s
    z = np.ones(K)
    scale = 0.0
    for a in range(K):
        scale = max(scale, C[a, a])
    if scale <= 0.0:
        return False
    tiny = scale * 1e-14
    for col in range(K):
        piv = col
        for r in range(col + 1, K):
            if abs(C[r, col]) > abs(C[piv, col]):
                piv = r
        if abs(C[piv, col]) <= tiny:
            return False
        if piv != col:
            for c in range(K):
                C[col, c], C[piv, c] = C[piv, c], C[col, c]
            z[col], z[piv] = z[piv], z[col]
        for r in range(col + 1, K):
            f = C[r, col] / C[col, col]
            for c in range(col, K):
                C[r, c] -= f * C[col, c]
            z[r] -= f * z[col]
    for r in range(K - 1, -1, -1):
        s = z[r]
        for c in range(r + 1, K):
            s -= C[r, c] * z[c]
        z[r] = s / C[r, r]
    total = 0.0
    for a in range(K):
        total += z[a]
    if total == 0.0 or not np.isfinite(total):
        return False
    for a in range(K):
        weights[a] = z[a] / total
    return True


@njit(**_JIT)
def inner_solve(
    mode, center, Xf, n_rows, data, indices, indptr, x_mean, q, yy, state, ssum,
    beta, ws, lips, l1, l2, positive, max_epochs, tol_in, anderson_k,
):  # fmt: skip
    """Cyclic CD on the working set ``ws`` until its KKT violation is ≤ ``tol_in``.

    Every ``anderson_k`` epochs the last ``anderson_k + 1`` iterates (restricted to ws) are
    extrapolated (Anderson acceleration); the extrapolated point is kept only if it lowers
    the objective. The violation is checked after each such block.

    Returns
    -------
    (epochs, violation, n_accepted) : (int, float, int)
        Epochs run, the last measured max violation on ws, accepted extrapolations.
    """
    epoch, violation, accepted, _ = _inner_run(
        mode, center, Xf, n_rows, data, indices, indptr, x_mean, q, yy, state, ssum,
        beta, ws, lips, l1, l2, positive, max_epochs, tol_in, anderson_k, 0, max_epochs,
    )  # fmt: skip
    return epoch, violation, accepted


@njit(**_JIT)
def _inner_run(
    mode, center, Xf, n_rows, data, indices, indptr, x_mean, q, yy, state, ssum,
    beta, ws, lips, l1, l2, positive, max_epochs, tol_in, anderson_k, epoch0, epoch_stop,
):  # fmt: skip
    """:func:`inner_solve` from epoch ``epoch0`` up to (at most) epoch ``epoch_stop``.

    A long inner solve is run as several calls so that control returns to Python (and
    Ctrl-C works) between them. ``epoch0`` must be a multiple of ``anderson_k + 1``: the
    Anderson history is then empty at the cut, exactly as in one uninterrupted call, and
    the violation checks fall on the same epochs — the chunked run is bit-identical.

    Returns (epoch reached, violation, accepted extrapolations, finished), ``finished``
    True when the violation reached ``tol_in`` or ``max_epochs`` was used up.
    """
    m = ws.shape[0]
    K = anderson_k
    block = K if K > 0 else 5
    hist = np.empty((K + 1, m))
    weights = np.empty(max(K, 1))
    beta_acc = np.empty(m)
    tmp_state = np.empty_like(state)
    tmp_ssum = np.zeros(1)
    n_hist = 0
    accepted = 0
    violation = np.inf
    epoch = epoch0
    finished = False
    while epoch < epoch_stop:
        _cd_epoch(
            mode, center, Xf, n_rows, data, indices, indptr, x_mean, q, state, ssum,
            beta, ws, lips, l1, l2, positive,
        )  # fmt: skip
        epoch += 1
        if K > 0:
            for k in range(m):
                hist[n_hist, k] = beta[ws[k]]
            n_hist += 1
            if n_hist == K + 1:
                n_hist = 0
                if _anderson_weights(hist, weights):
                    # β_acc = Σ_k c_k β^(k+1)
                    for k in range(m):
                        s = 0.0
                        for a in range(K):
                            s += weights[a] * hist[a + 1, k]
                        beta_acc[k] = s
                    if positive:
                        for k in range(m):
                            beta_acc[k] = max(beta_acc[k], 0.0)
                    # evaluate P(β_acc) on a copy of the residual
                    tmp_state[:] = state
                    tmp_ssum[0] = ssum[0]
                    for k in range(m):
                        d = beta_acc[k] - beta[ws[k]]
                        if d != 0.0:
                            _col_update(
                                mode, center, ws[k], d, Xf, n_rows, data, indices, indptr,
                                x_mean, tmp_state, tmp_ssum,
                            )  # fmt: skip
                    pen_cur = 0.0
                    pen_acc = 0.0
                    for k in range(m):
                        b = beta[ws[k]]
                        a = beta_acc[k]
                        pen_cur += l1 * abs(b) + 0.5 * l2 * b * b
                        pen_acc += l1 * abs(a) + 0.5 * l2 * a * a
                    if mode == GRAM:  # ½rss needs the full β for qᵀβ and βᵀH
                        old = np.empty(m)
                        for k in range(m):
                            old[k] = beta[ws[k]]
                        obj_cur = _half_rss(mode, center, state, ssum, beta, q, yy) + pen_cur
                        for k in range(m):
                            beta[ws[k]] = beta_acc[k]
                        obj_acc = _half_rss(mode, center, tmp_state, tmp_ssum, beta, q, yy)
                        obj_acc += pen_acc
                        for k in range(m):
                            beta[ws[k]] = old[k]
                    else:
                        obj_cur = _half_rss(mode, center, state, ssum, beta, q, yy) + pen_cur
                        obj_acc = _half_rss(mode, center, tmp_state, tmp_ssum, beta, q, yy)
                        obj_acc += pen_acc
                    if obj_acc < obj_cur:
                        accepted += 1
                        state[:] = tmp_state
                        ssum[0] = tmp_ssum[0]
                        for k in range(m):
                            beta[ws[k]] = beta_acc[k]
        if epoch % block == 0 or epoch == max_epochs:
            violation = 0.0
            for k in range(m):
                j = ws[k]
                g = _col_dot(
                    mode, center, j, Xf, n_rows, data, indices, indptr, x_mean, q, state, ssum
                )
                violation = max(violation, _violation(g - l2 * beta[j], beta[j], l1, positive))
            if violation <= tol_in:
                finished = True
                break
    return epoch, violation, accepted, finished or epoch >= max_epochs


@njit(**_JIT)
def gradient(mode, center, Xf, n_rows, data, indices, indptr, x_mean, q, state, ssum, idx, out):
    """out[k] = x̃_jᵀr for j = idx[k] (one pass over those columns)."""
    for k in range(idx.shape[0]):
        out[k] = _col_dot(
            mode, center, idx[k], Xf, n_rows, data, indices, indptr, x_mean, q, state, ssum
        )


@njit(**_JIT)
def apply_updates(mode, center, Xf, n_rows, data, indices, indptr, x_mean, state, ssum, idx, delta):
    """The residual (or H) after β[idx[k]] += delta[k] for every k."""
    for k in range(idx.shape[0]):
        if delta[k] != 0.0:
            _col_update(
                mode, center, idx[k], delta[k], Xf, n_rows, data, indices, indptr, x_mean,
                state, ssum,
            )  # fmt: skip


@njit(**_JIT_REDUCE)
def dense_column_stats(Xf, n_rows, y, center, mean, norm2, xty):
    """Per column, in one pass over X: mean μ_j, ‖x_j − μ_j‖² and (x_j − μ_j)ᵀy.

    Each column (contiguous in ``Xf``) is read from memory once; the second loop over it
    runs from cache. The centered sums are formed from (x_ij − μ_j), not as
    ‖x_j‖² − nμ_j², which would cancel catastrophically for offset columns. A NaN or inf
    anywhere in a column makes its ``norm2`` non-finite, which the caller checks.
    """
    p = mean.shape[0]
    for j in range(p):
        col = Xf[j * n_rows : (j + 1) * n_rows]  # a slice: see _col_dot
        m = 0.0
        if center:
            for i in range(n_rows):
                m += col[i]
            m /= n_rows
        s = 0.0
        t = 0.0
        for i in range(n_rows):
            v = col[i] - m
            s += v * v
            t += v * y[i]
        mean[j] = m
        norm2[j] = s
        xty[j] = t


@njit(**_JIT)
def _true_residual(mode, center, state, ssum, out):
    """out = r (SPARSE with centering: r = r0 − mean(r0); otherwise the state itself)."""
    n = state.shape[0]
    shift = ssum[0] / n if (mode == SPARSE and center) else 0.0
    for i in range(n):
        out[i] = state[i] - shift


@njit(**_JIT)
def outer_solve(
    mode, center, Xf, n_rows, data, indices, indptr, x_mean, q, yy, y_c, state, ssum,
    beta, norm2, g_last, stamp, drift, r_snap,
    l1, l2, positive, tol_abs, max_iter, screening, working_sets, anderson_k, p0, stats,
    alive, in_ws, resume, tol_io, budget,
):  # fmt: skip
    """The outer loop: safe-bounded gradient, duality gap, gap-safe screening, working set.

    See :mod:`linml.linear_model._cd_solver` for the mathematics. ``g_last``/``stamp``/
    ``drift``/``r_snap`` carry each feature's last exact correlation x̃_jᵀr, the cumulative
    residual drift when it was computed, the current cumulative drift (``drift[0]``) and
    the residual at the last check; they persist across calls (warm-started paths).

    The solve runs in *chunks*: once about ``budget`` units of work (one unit: one entry
    of a column read in a coordinate step or a gradient pass) are done, the call returns
    and the caller calls again with the same arrays until ``resume[0]`` is 2 — so Ctrl-C
    is honoured between chunks. The state that crosses calls: ``alive`` (features not yet
    screened; all True to start), ``in_ws`` (the working set), ``resume`` (int64: status
    0 = at the top of an outer iteration, 1 = inside the inner solve, 2 = done; inner
    epochs done; the inner solve's epoch limit), ``tol_io[0]`` (the inner tolerance) and
    ``stats``. Cuts inside the inner solve fall on multiples of ``anderson_k + 1`` epochs
    (see :func:`_inner_run`), so the chunked result is bit-identical to one long call.

    ``stats`` (int64, length 7; zeros to start) holds: epochs, converged (0/1), screened,
    last working set size, outer iterations, accepted Anderson extrapolations, and the units
    of work done over all calls (the caller's measure for switching to the Gram matrix). Returns the
    n-scaled gap (inf while not done).
    """
    p = beta.shape[0]
    n = y_c.shape[0]
    exact = np.zeros(p, dtype=np.bool_)
    u = np.zeros(p)
    viol = np.zeros(p)
    r = np.empty(n)
    epochs = stats[0]
    ws_size = stats[3]
    n_outer = stats[4]
    n_anderson = stats[5]
    status = resume[0]
    inner_done = resume[1]
    inner_max = resume[2]
    tol_in = tol_io[0]
    # work per coordinate step: the column's length (its mean nonzero count if sparse)
    col_cost = n_rows if mode != SPARSE else max(data.shape[0] // max(p, 1), 1)
    cycle = anderson_k + 1  # inner chunks are whole Anderson cycles (bit-identical cuts)
    work = 0
    converged = 0
    gap = np.inf
    while True:
        if status == 1:
            status = 0  # resume the inner solve on the stored working set
        else:
            if work >= budget:  # return to Python between outer iterations
                resume[0] = 0
                stats[0] = epochs
                stats[3] = ws_size
                stats[4] = n_outer
                stats[5] = n_anderson
                stats[6] += work
                return np.inf
            n_outer += 1
            work += n + p  # the gap and bookkeeping passes below
            # 1. correlations u_j = x̃_jᵀr − l2·β_j: exact where a bound cannot settle KKT
            if mode == GRAM:
                for j in range(p):
                    exact[j] = alive[j]
                    if alive[j]:
                        u[j] = q[j] - state[j] - l2 * beta[j]
            else:
                _true_residual(mode, center, state, ssum, r)
                d2 = 0.0
                for i in range(n):
                    d2 += (r[i] - r_snap[i]) ** 2
                    r_snap[i] = r[i]
                drift[0] += np.sqrt(d2)
                cum = drift[0]
                n_stale = 0
                n_todo = 0
                for j in range(p):
                    if not alive[j]:
                        continue
                    fresh = stamp[j] == cum
                    if fresh:
                        slack = 0.0
                    elif stamp[j] == -np.inf:
                        slack = np.inf
                    else:
                        slack = np.sqrt(norm2[j]) * (cum - stamp[j])
                    bnd = (g_last[j] if positive else abs(g_last[j])) + slack
                    need = beta[j] != 0.0 or not (bnd <= l1) or l1 == 0.0
                    exact[j] = need
                    if not need:
                        u[j] = bnd  # ≤ l1: an upper bound on the (signed if positive) correlation
                    if not fresh:
                        n_stale += 1
                        if need:
                            n_todo += 1
                if n_todo > 0.5 * max(n_stale, 1):
                    # most columns must be read anyway: read every live one and refresh all
                    for j in range(p):
                        exact[j] = alive[j]
                computed = 0
                for j in range(p):
                    if exact[j] and stamp[j] != cum:
                        g_last[j] = _col_dot(
                            mode, center, j, Xf, n_rows, data, indices, indptr, x_mean, q, state,
                            ssum,
                        )  # fmt: skip
                        stamp[j] = cum
                        computed += 1
                if computed:
                    epochs += 1
                work += computed * col_cost
                for j in range(p):
                    if exact[j]:
                        u[j] = g_last[j] - l2 * beta[j]
            # 2. duality gap of the live problem
            rss = 0.0
            ry = 0.0
            if mode == GRAM:
                qb = 0.0
                bh = 0.0
                for j in range(p):
                    qb += q[j] * beta[j]
                    bh += beta[j] * state[j]
                rss = max(yy - 2.0 * qb + bh, 0.0)
                ry = yy - qb
            else:
                for i in range(n):
                    rss += r[i] * r[i]
                    ry += r[i] * y_c[i]
            b1 = 0.0
            b2 = 0.0
            dual_norm = 0.0
            u2 = 0.0
            for j in range(p):
                b1 += abs(beta[j])
                b2 += beta[j] * beta[j]
                if exact[j]:
                    dual_norm = max(dual_norm, u[j] if positive else abs(u[j]))
                    g = u[j] + l2 * beta[j]  # x̃_jᵀr: formulation B needs ‖X̃ᵀr‖²
                    u2 += g * g
            primal = 0.5 * (rss + l2 * b2) + l1 * b1
            s = 1.0
            if l1 > 0.0:
                if dual_norm > l1:
                    s = l1 / dual_norm
                gap = primal - (s * ry - 0.5 * s * s * (rss + l2 * b2))
            elif l2 > 0.0:  # ridge: Dünner et al.'s formulation, v = r always feasible
                gap = rss + 0.5 * l2 * b2 - ry + u2 / (2.0 * l2)
            else:  # least squares: first-order condition, as scikit-learn
                gap = u2
            gap = max(gap, 0.0)
            if gap <= tol_abs:
                converged = 1
                break
            if epochs >= max_iter:
                break
            # 3. gap-safe screening: |x̃_jᵀθ*| ≤ s|u_j| + ‖x̃_j‖_aug·√(2·gap) < l1 ⇒ β*_j = 0
            if screening and l1 > 0.0:
                radius = np.sqrt(2.0 * gap)
                for j in range(p):
                    if not alive[j]:
                        continue
                    corr = s * (u[j] if positive else abs(u[j]))
                    if corr + np.sqrt(norm2[j] + l2) * radius < l1:
                        alive[j] = False
                        exact[j] = False
                        if beta[j] != 0.0:
                            _col_update(
                                mode, center, j, -beta[j], Xf, n_rows, data, indices, indptr,
                                x_mean, state, ssum,
                            )  # fmt: skip
                            beta[j] = 0.0
            # 4. working set: the support plus the largest KKT violations
            max_viol = 0.0
            n_supp = 0
            n_cand = 0
            for j in range(p):
                in_ws[j] = False
                if exact[j]:
                    v = _violation(u[j], beta[j], l1, positive)
                    viol[j] = v
                    max_viol = max(max_viol, v)
                    if beta[j] != 0.0:
                        n_supp += 1
                        in_ws[j] = True
                    elif v > 0.0:
                        n_cand += 1
            if working_sets and l1 > 0.0:
                n_extra = max(p0, 2 * n_supp) - n_supp
                if n_cand <= n_extra:
                    for j in range(p):
                        if exact[j] and beta[j] == 0.0 and viol[j] > 0.0:
                            in_ws[j] = True
                elif n_extra > 0:
                    cand = np.empty(n_cand, dtype=np.int64)
                    score = np.empty(n_cand)
                    c = 0
                    for j in range(p):
                        if exact[j] and beta[j] == 0.0 and viol[j] > 0.0:
                            cand[c] = j
                            score[c] = -viol[j]
                            c += 1
                    order = np.argsort(score, kind="mergesort")  # stable: ties by index
                    for c in range(n_extra):
                        in_ws[cand[order[c]]] = True
            else:
                for j in range(p):
                    in_ws[j] = alive[j]
            m = 0
            for j in range(p):
                if in_ws[j]:
                    m += 1
            if m == 0:  # nothing violates and nothing is nonzero: use every live feature
                for j in range(p):
                    in_ws[j] = alive[j]
                    if alive[j]:
                        m += 1
                if m == 0:
                    converged = 1
                    break
            ws_size = m
            inner_done = 0
            inner_max = max(max_iter - epochs, 1)
            tol_in = 0.3 * max_viol
        # 5. inner CD on the working set, to 0.3× the violation (in chunks of whole cycles)
        m = 0
        for j in range(p):
            if in_ws[j]:
                m += 1
        ws = np.empty(m, dtype=np.int64)
        c = 0
        for j in range(p):
            if in_ws[j]:
                ws[c] = j
                c += 1
        chunk = cycle * max((budget - work) // (cycle * m * col_cost), 1)
        n_ep, _, n_acc, finished = _inner_run(
            mode, center, Xf, n_rows, data, indices, indptr, x_mean, q, yy, state, ssum,
            beta, ws, norm2, l1, l2, positive, inner_max, tol_in, anderson_k,
            inner_done, min(inner_done + chunk, inner_max),
        )  # fmt: skip
        epochs += n_ep - inner_done
        work += (n_ep - inner_done) * m * col_cost
        n_anderson += n_acc
        if not finished:  # out of budget inside the inner solve: return, resume here
            resume[0] = 1
            resume[1] = n_ep
            resume[2] = inner_max
            tol_io[0] = tol_in
            stats[0] = epochs
            stats[3] = ws_size
            stats[4] = n_outer
            stats[5] = n_anderson
            stats[6] += work
            return np.inf
        if mode == SPARSE and center:
            # re-sum Σr0 exactly: the running update accumulates round-off
            t = 0.0
            for i in range(n):
                t += state[i]
            ssum[0] = t
    n_screened = 0
    for j in range(p):
        if not alive[j]:
            n_screened += 1
    resume[0] = 2
    stats[0] = epochs
    stats[1] = converged
    stats[2] = n_screened
    stats[3] = ws_size
    stats[4] = n_outer
    stats[5] = n_anderson
    stats[6] += work
    return gap
