"""Compiled SMO for the soft-margin SVM dual (numba): WSS2, an LRU cache of Q rows, shrinking.

The problem, in the code's symbols (positions ``t`` index the current permutation)::

    min_α  f(α) = ½ αᵀ Q α − Σ α,    Q[s, t] = y[s] y[t] k(x_s, x_t)
    s.t.   0 ≤ α[t] ≤ C[t],   Σ y[t] α[t] = 0

with gradient ``G = Q α − 1``. The solver follows Fan, Chen & Lin (2005), "Working set
selection using second order information for training SVM" (JMLR 6), and the shrinking
and gradient-reconstruction scheme of Chang & Lin's LIBSVM paper (2011, §4–5):

* **WSS2** — ``i = argmax_{t ∈ I_up} −y_t G_t``; ``j = argmin_{t ∈ I_low, −y_t G_t < −y_i G_i}
  −b²/a`` with ``b = −y_i G_i + y_t G_t`` and ``a = K_ii + K_tt − 2 K_it`` (``a`` replaced
  by ``TAU`` when ≤ 0, which keeps indefinite kernels terminating).
* stop when ``m(α) − M(α) = max_{I_up} −yG − min_{I_low} −yG < tol``.
* **two-variable update** — the analytic minimizer along the feasible direction, clipped
  to the box.
* **shrinking** — every ``min(n, 1000)`` iterations, bounded variables whose gradient says
  they will stay bounded leave the active prefix ``[0, active_size)``; the full gradient is
  rebuilt from ``G_bar[t] = Σ_{s: α_s = C_s} C_s Q[t, s]`` before the final check.
* **cache** — ``n_slots`` rows of ``Q`` (only the active prefix is filled), evicted
  least-recently-used. Rows/positions are permuted in place when shrinking swaps samples.

The state travels in plain tuples of arrays, grouped the way the algorithm thinks of it
(numba unpacks a tuple at no cost, and one that holds arrays costs a call what its arrays
would cost passed one by one)::

    kernel = (X, x_sq, K_full, perm, kernel_id, gamma, coef0, degree)  # k(x_s, x_t) by position
    cache  = (pool, slot_of, len_of, owner, stamp)                     # LRU rows of Q
    solver = (alpha, status, G, G_bar)                                 # the iterate, its gradients
    state  = (idx, QD, solver, cache, counts)                          # what smo_run carries

and a solve reads ``state = smo_init(kernel, y, n_slots)``, then ``smo_run(kernel, y, C, …,
state)`` until it stops pausing, then ``smo_finish(kernel, y, state)``. The Python reference
(``tests/svm/test_kernels.py``) solves the same dual densely and is the oracle for this module.
"""

from __future__ import annotations

import numba
import numpy as np

LINEAR, POLY, RBF, SIGMOID, PRECOMPUTED = 0, 1, 2, 3, 4
KERNEL_IDS = {"linear": LINEAR, "poly": POLY, "rbf": RBF, "sigmoid": SIGMOID}

TAU = 1e-12  # curvature floor for non-positive a = K_ii + K_jj − 2K_ij (LIBSVM's value)
_LOWER, _UPPER, _FREE = 0, 1, 2

# solver scalars packed in one int64 array, so that a run in chunks resumes exactly:
# [LRU clock, kernel evaluations, active size, unshrunk (0/1), iterations, to next shrink]
_CLOCK, _EVALS, _ACTIVE, _UNSHRINK, _ITER, _COUNTER = 0, 1, 2, 3, 4, 5
_N_COUNTS = 6

# work units charged per iteration on top of the active size: the fixed cost of an
# iteration, so a heavily shrunk problem still pauses every ~0.1 s
_ITER_OVERHEAD = 64

# what smo_run returns
CONVERGED, MAX_ITER, PAUSED = 0, 1, 2


@numba.njit(cache=True)
def _powi(base, exponent):
    """base ** exponent for an integer exponent ≥ 0 by repeated squaring (far cheaper than pow)."""
    result = 1.0
    square = base
    e = exponent
    while e > 0:
        if e % 2 == 1:
            result *= square
        square *= square
        e //= 2
    return result


@numba.njit(cache=True, inline="always")
def _exp_nonpositive(x):
    """e^x for x <= 0, as (Taylor₈(x/4096))^(2^12): branch-free arithmetic that LLVM
    vectorizes (libm's exp is a scalar call, ~6× slower here). Relative error < 3e-9 —
    far below the float32 the kernel row is stored in; 0 below −745 (where e^x underflows)."""
    if x < -745.0:
        return 0.0
    y = x * (1.0 / 4096.0)  # |y| <= 0.182: the degree-8 Taylor tail is < 7e-13
    p = 1.0 + y * (
        1.0
        + y
        * (
            0.5
            + y
            * (
                1.0 / 6.0
                + y
                * (
                    1.0 / 24.0
                    + y * (1.0 / 120.0 + y * (1.0 / 720.0 + y * (1.0 / 5040.0 + y / 40320.0)))
                )
            )
        )
    )
    for _ in range(12):  # e^x = (e^y)^4096; each squaring doubles the relative error
        p = p * p
    return p


@numba.njit(cache=True)
def _fill_row(pool, slot, i, start, stop, kernel, y, counts):
    """pool[slot, t] = Q[i, t] = y_i y_t k(x_i, x_t) for positions t in [start, stop).

    ``kernel`` is the tuple ``(X, x_sq, K_full, perm, kernel_id, gamma, coef0, degree)``;
    ``counts[_EVALS]`` grows by the entries computed.
    """
    if stop <= start:
        return
    X, x_sq, K_full, perm, kernel_id, gamma, coef0, degree = kernel
    row = pool[slot]
    if kernel_id == PRECOMPUTED:
        pi = perm[i]
        for t in range(start, stop):
            row[t] = K_full[pi, perm[t]]
    else:
        # inner products x_iᵀx_t for the whole block at once (a BLAS gemv)
        dots = np.dot(X[start:stop], X[i])
        if kernel_id == LINEAR:
            for t in range(start, stop):
                row[t] = dots[t - start]
        elif kernel_id == RBF:
            # ‖x_i − x_t‖² = ‖x_i‖² − 2 x_iᵀx_t + ‖x_t‖², clipped at 0 against round-off
            for t in range(start, stop):
                d = x_sq[i] + x_sq[t] - 2.0 * dots[t - start]
                row[t] = _exp_nonpositive(-gamma * max(d, 0.0))
        elif kernel_id == POLY:
            d_int = int(degree)
            for t in range(start, stop):
                row[t] = _powi(gamma * dots[t - start] + coef0, d_int)
        else:
            for t in range(start, stop):
                row[t] = np.tanh(gamma * dots[t - start] + coef0)
    yi = y[i]
    for t in range(start, stop):
        row[t] *= yi * y[t]
    counts[_EVALS] += stop - start


@numba.njit(cache=True)
def _get_row(i, length, cache, kernel, y, counts):
    """The slot of ``cache`` that holds Q[i, 0:length], filling what is missing.

    Parameters
    ----------
    i, length : int
        Position of the row, and how many of its leading entries must be valid.
    cache : tuple
        ``(pool, slot_of, len_of, owner, stamp)``; on a miss the least-recently-used slot
        is evicted, and the hit or the fill is stamped with ``counts[_CLOCK]``.
    kernel : tuple
        ``(X, x_sq, K_full, perm, kernel_id, gamma, coef0, degree)``.
    y : (n,) float64 of ±1
    counts : (_N_COUNTS,) int64

    Returns
    -------
    slot : int — read the row as ``pool[slot, t]``.
    """
    pool, slot_of, len_of, owner, stamp = cache
    counts[_CLOCK] += 1
    slot = slot_of[i]
    if slot < 0:
        slot = 0  # least-recently-used slot (a linear scan: a miss costs O(n p) anyway)
        for s in range(1, owner.shape[0]):
            if stamp[s] < stamp[slot]:
                slot = s
        old = owner[slot]
        if old >= 0:
            slot_of[old] = -1
            len_of[old] = 0
        owner[slot] = i
        slot_of[i] = slot
        len_of[i] = 0
    stamp[slot] = counts[_CLOCK]
    if len_of[i] < length:
        _fill_row(pool, slot, i, len_of[i], length, kernel, y, counts)
        len_of[i] = length
    return slot


@numba.njit(cache=True)
def _add_row(v, scale, i, cache, kernel, y, counts):
    """v += scale · Q[i, :] over all n positions; keeps ``G_bar`` up to date when α_i
    enters (``scale = C_i``) or leaves (``scale = −C_i``) its upper bound.

    The row comes through :func:`_get_row` (``cache``, ``kernel``, ``y``, ``counts`` as there).
    """
    s = _get_row(i, y.shape[0], cache, kernel, y, counts)
    pool = cache[0]
    for t in range(y.shape[0]):
        v[t] += scale * pool[s, t]


@numba.njit(cache=True)
def _status(a, c):
    if a >= c:
        return _UPPER
    if a <= 0.0:
        return _LOWER
    return _FREE


@numba.njit(cache=True)
def _swap_positions(i, j, kernel, y, C, idx, QD, solver, cache):
    """Exchange samples at positions i < j in every per-sample array and in the cached rows.

    The per-sample arrays are ``X``, ``x_sq`` and ``perm`` of ``kernel``, ``y``, ``C``,
    ``idx``, ``QD`` and the four of ``solver = (alpha, status, G, G_bar)``; the cached rows
    are those of ``cache = (pool, slot_of, len_of, owner, stamp)``.
    """
    X, x_sq, perm = kernel[0], kernel[1], kernel[3]
    alpha, status, G, G_bar = solver
    pool, slot_of, len_of, owner, _ = cache
    for f in range(X.shape[1]):
        tmp = X[i, f]
        X[i, f] = X[j, f]
        X[j, f] = tmp
    x_sq[i], x_sq[j] = x_sq[j], x_sq[i]
    perm[i], perm[j] = perm[j], perm[i]
    idx[i], idx[j] = idx[j], idx[i]
    y[i], y[j] = y[j], y[i]
    C[i], C[j] = C[j], C[i]
    alpha[i], alpha[j] = alpha[j], alpha[i]
    status[i], status[j] = status[j], status[i]
    G[i], G[j] = G[j], G[i]
    G_bar[i], G_bar[j] = G_bar[j], G_bar[i]
    QD[i], QD[j] = QD[j], QD[i]
    # the rows owned by i and j move with them
    si, sj = slot_of[i], slot_of[j]
    slot_of[i], slot_of[j] = sj, si
    len_of[i], len_of[j] = len_of[j], len_of[i]
    if sj >= 0:
        owner[sj] = i
    if si >= 0:
        owner[si] = j
    # columns i and j inside every cached row: swap if both are filled, else truncate at i
    for s in range(owner.shape[0]):
        h = owner[s]
        if h < 0:
            continue
        if len_of[h] > j:
            tmp = pool[s, i]
            pool[s, i] = pool[s, j]
            pool[s, j] = tmp
        elif len_of[h] > i:
            len_of[h] = i


@numba.njit(cache=True)
def _reconstruct_gradient(active_size, solver, cache, kernel, y, counts):
    """Rebuild G on the shrunk positions: G_t = G_bar_t − 1 + Σ_{s free} α_s Q[t, s].

    ``solver = (alpha, status, G, G_bar)``: G is written in place at positions
    ``[active_size, n)``; rows of Q come through :func:`_get_row`.
    """
    alpha, status, G, G_bar = solver
    pool = cache[0]
    n = y.shape[0]
    if active_size == n:
        return
    for t in range(active_size, n):
        G[t] = G_bar[t] - 1.0
    n_free = 0
    for t in range(active_size):
        if status[t] == _FREE:
            n_free += 1
    # pick the cheaper way round: rows of the shrunk samples, or rows of the free ones
    if n_free * n > 2 * active_size * (n - active_size):
        for t in range(active_size, n):
            s = _get_row(t, active_size, cache, kernel, y, counts)
            acc = 0.0
            for u in range(active_size):
                if status[u] == _FREE:
                    acc += alpha[u] * pool[s, u]
            G[t] += acc
    else:
        for u in range(active_size):
            if status[u] == _FREE:
                s = _get_row(u, n, cache, kernel, y, counts)
                a = alpha[u]
                for t in range(active_size, n):
                    G[t] += a * pool[s, t]


@numba.njit(cache=True)
def _be_shrunk(st, yt, Gt, g_max1, g_max2):
    """Whether a variable at a bound (status ``st``) would stay there: it may leave the active set."""
    if st == _UPPER:
        return -Gt > g_max1 if yt > 0 else -Gt > g_max2
    if st == _LOWER:
        return Gt > g_max2 if yt > 0 else Gt > g_max1
    return False


@numba.njit(cache=True)
def smo_init(kernel, y, n_slots):
    """The solver state at α = 0, as plain arrays that :func:`smo_run` advances in place.

    Returns ``state = (idx, QD, solver, cache, counts)`` with ``solver = (alpha, status, G,
    G_bar)`` and ``cache = (pool, slot_of, len_of, owner, stamp)`` (``n_slots`` rows);
    ``counts`` packs the scalars ``[clock, kernel evaluations, active size, unshrunk flag,
    iterations, iterations to the next shrinking]``. Keeping every scalar in ``counts`` is
    what makes a run in chunks take exactly the steps of an unbroken one.

    ``kernel = (X, x_sq, K_full, perm, kernel_id, gamma, coef0, degree)`` and ``y`` are as
    in :func:`smo_solve`; the solver permutes their per-sample arrays in place.
    """
    X, x_sq, K_full, perm, kernel_id, gamma, coef0, degree = kernel
    n = y.shape[0]
    idx = np.arange(n)  # caller's index of the sample now at each position
    alpha = np.zeros(n)
    status = np.zeros(n, dtype=np.int8)  # all at the lower bound α = 0
    G = -np.ones(n)  # G = Qα − 1 = −1 at α = 0
    G_bar = np.zeros(n)
    counts = np.zeros(_N_COUNTS, dtype=np.int64)
    QD = np.empty(n)  # Q_tt = k(x_t, x_t)
    for t in range(n):
        if kernel_id == PRECOMPUTED:
            QD[t] = K_full[perm[t], perm[t]]
        else:
            d = x_sq[t] if kernel_id == RBF else np.dot(X[t], X[t])
            if kernel_id == LINEAR:
                QD[t] = d
            elif kernel_id == RBF:
                QD[t] = 1.0
            elif kernel_id == POLY:
                QD[t] = _powi(gamma * d + coef0, int(degree))
            else:
                QD[t] = np.tanh(gamma * d + coef0)
    counts[_EVALS] = n
    counts[_ACTIVE] = n
    counts[_COUNTER] = min(n, 1000) + 1
    pool = np.empty((n_slots, n), dtype=np.float32)  # Q rows in float32, as LIBSVM's Qfloat
    slot_of = -np.ones(n, dtype=np.int64)
    len_of = np.zeros(n, dtype=np.int64)
    owner = -np.ones(n_slots, dtype=np.int64)
    stamp = np.zeros(n_slots, dtype=np.int64)
    solver = (alpha, status, G, G_bar)
    cache = (pool, slot_of, len_of, owner, stamp)
    return idx, QD, solver, cache, counts


@numba.njit(cache=True)
def smo_run(kernel, y, C, tol, shrinking, max_iter, max_work, state):
    """Advance SMO from the state of :func:`smo_init` until it converges, reaches
    ``max_iter`` iterations in total (≤ 0: no limit), or has done ``max_work`` units of
    work in this call (≤ 0: no limit) — per iteration one unit per active variable plus
    ``_ITER_OVERHEAD``, and ``p`` per kernel entry computed, so a call lasts roughly
    ``max_work`` flops whatever ``n`` and ``p`` are. Everything the loop carries lives in
    the arrays, so resuming after :data:`PAUSED` continues the very same sequence of steps.

    ``kernel``, ``y``, ``C``, ``tol``, ``shrinking`` and ``max_iter`` are as in
    :func:`smo_solve`; ``state`` is what :func:`smo_init` returned, advanced in place.

    Returns :data:`CONVERGED`, :data:`MAX_ITER` or :data:`PAUSED`.
    """
    idx, QD, solver, cache, counts = state
    alpha, status, G, G_bar = solver
    pool, slot_of, len_of, _, stamp = cache
    n = y.shape[0]
    row_cost = max(kernel[0].shape[1], 1)  # p: work per kernel entry computed
    active_size = counts[_ACTIVE]
    unshrink = counts[_UNSHRINK] != 0
    n_iter = counts[_ITER]
    counter = counts[_COUNTER]
    evals_start = counts[_EVALS]
    work = 0
    code = PAUSED
    while True:
        if max_iter > 0 and n_iter >= max_iter:
            code = MAX_ITER
            break
        if max_work > 0 and work + (counts[_EVALS] - evals_start) * row_cost >= max_work:
            break  # hand control back to Python (Ctrl-C, progress); state is all in arrays
        counter -= 1
        if counter == 0:
            counter = min(n, 1000)
            if shrinking:
                # m(α) and −M(α) over the active set
                g_max1 = -np.inf
                g_max2 = -np.inf
                for t in range(active_size):
                    if y[t] > 0:
                        if status[t] != _UPPER and -G[t] >= g_max1:
                            g_max1 = -G[t]
                        if status[t] != _LOWER and G[t] >= g_max2:
                            g_max2 = G[t]
                    else:
                        if status[t] != _UPPER and -G[t] >= g_max2:
                            g_max2 = -G[t]
                        if status[t] != _LOWER and G[t] >= g_max1:
                            g_max1 = G[t]
                if not unshrink and g_max1 + g_max2 <= tol * 10.0:
                    # near the end: unshrink once, so the final answer uses every sample
                    unshrink = True
                    _reconstruct_gradient(active_size, solver, cache, kernel, y, counts)
                    active_size = n
                t = 0
                while t < active_size:
                    if _be_shrunk(status[t], y[t], G[t], g_max1, g_max2):
                        active_size -= 1
                        while active_size > t:
                            last = active_size
                            if not _be_shrunk(status[last], y[last], G[last], g_max1, g_max2):
                                _swap_positions(
                                    t, active_size, kernel, y, C, idx, QD, solver, cache
                                )
                                break
                            active_size -= 1
                    t += 1
        # WSS2 (Fan, Chen & Lin 2005), written out here rather than called: a numba call
        # that takes arrays pays two atomic reference-count updates per array argument,
        # which cost more than the O(active) scans themselves on small problems
        reselected = False
        while True:
            g_max = -np.inf  # max_{t ∈ I_up} −y_t G_t
            g_max2 = -np.inf  # max_{t ∈ I_low} y_t G_t  (= −min −yG)
            i = -1
            for t in range(active_size):
                if y[t] > 0:
                    if status[t] != _UPPER and -G[t] >= g_max:
                        g_max = -G[t]
                        i = t
                elif status[t] != _LOWER and G[t] >= g_max:
                    g_max = G[t]
                    i = t
            j = -1
            if i >= 0:
                si = slot_of[i]
                if si >= 0 and len_of[i] >= active_size:  # cache hit, the common case
                    counts[_CLOCK] += 1
                    stamp[si] = counts[_CLOCK]
                else:
                    si = _get_row(i, active_size, cache, kernel, y, counts)
                obj_min = np.inf
                for t in range(active_size):
                    if y[t] > 0:
                        if status[t] != _LOWER:
                            b = g_max + G[t]
                            if G[t] >= g_max2:
                                g_max2 = G[t]
                            if b > 0.0:
                                a = QD[i] + QD[t] - 2.0 * y[i] * pool[si, t]
                                obj = -(b * b) / (a if a > 0.0 else TAU)
                                if obj <= obj_min:
                                    j = t
                                    obj_min = obj
                    elif status[t] != _UPPER:
                        b = g_max - G[t]
                        if -G[t] >= g_max2:
                            g_max2 = -G[t]
                        if b > 0.0:
                            a = QD[i] + QD[t] + 2.0 * y[i] * pool[si, t]
                            obj = -(b * b) / (a if a > 0.0 else TAU)
                            if obj <= obj_min:
                                j = t
                                obj_min = obj
            if g_max + g_max2 < tol or j == -1:
                i, j = -1, -1  # m(α) − M(α) < tol on the active set
            if j >= 0 or reselected:
                break
            # optimal on the active set: rebuild the full gradient and check all samples
            _reconstruct_gradient(active_size, solver, cache, kernel, y, counts)
            active_size = n
            reselected = True
        if j < 0:
            code = CONVERGED
            break
        if reselected:
            counter = 1  # shrink again at the next iteration
        n_iter += 1
        work += active_size + _ITER_OVERHEAD

        # rows i and j of Q (i's was just used), read as pool[s, t]: a row view would
        # cost two atomic reference-count updates per use, which dominated the loop
        sj = slot_of[j]
        if sj >= 0 and len_of[j] >= active_size:
            counts[_CLOCK] += 1
            stamp[si] = counts[_CLOCK]
            counts[_CLOCK] += 1
            stamp[sj] = counts[_CLOCK]
        else:
            si = _get_row(i, active_size, cache, kernel, y, counts)
            sj = _get_row(j, active_size, cache, kernel, y, counts)
        Ci, Cj = C[i], C[j]
        old_ai, old_aj = alpha[i], alpha[j]
        if y[i] != y[j]:
            # direction (+1, +1): α_i − α_j is conserved
            a = QD[i] + QD[j] + 2.0 * pool[si, j]
            delta = (-G[i] - G[j]) / (a if a > 0.0 else TAU)
            diff = alpha[i] - alpha[j]
            alpha[i] += delta
            alpha[j] += delta
            if diff > 0.0:
                if alpha[j] < 0.0:
                    alpha[j] = 0.0
                    alpha[i] = diff
            elif alpha[i] < 0.0:
                alpha[i] = 0.0
                alpha[j] = -diff
            if diff > Ci - Cj:
                if alpha[i] > Ci:
                    alpha[i] = Ci
                    alpha[j] = Ci - diff
            elif alpha[j] > Cj:
                alpha[j] = Cj
                alpha[i] = Cj + diff
        else:
            # direction (−1, +1): α_i + α_j is conserved
            a = QD[i] + QD[j] - 2.0 * pool[si, j]
            delta = (G[i] - G[j]) / (a if a > 0.0 else TAU)
            total = alpha[i] + alpha[j]
            alpha[i] -= delta
            alpha[j] += delta
            if total > Ci:
                if alpha[i] > Ci:
                    alpha[i] = Ci
                    alpha[j] = total - Ci
            elif alpha[j] < 0.0:
                alpha[j] = 0.0
                alpha[i] = total
            if total > Cj:
                if alpha[j] > Cj:
                    alpha[j] = Cj
                    alpha[i] = total - Cj
            elif alpha[i] < 0.0:
                alpha[i] = 0.0
                alpha[j] = total
        d_ai = alpha[i] - old_ai
        d_aj = alpha[j] - old_aj
        # G ← G + Q[:, i] Δα_i + Q[:, j] Δα_j   (Q symmetric: rows = columns)
        for t in range(active_size):
            G[t] += pool[si, t] * d_ai + pool[sj, t] * d_aj
        # keep G_bar = Σ_{α_s = C_s} C_s Q[:, s] up to date when i or j enter/leave the bound
        was_upper_i = status[i] == _UPPER
        was_upper_j = status[j] == _UPPER
        status[i] = _status(alpha[i], Ci)
        status[j] = _status(alpha[j], Cj)
        if was_upper_i != (status[i] == _UPPER):
            _add_row(G_bar, -Ci if was_upper_i else Ci, i, cache, kernel, y, counts)
        if was_upper_j != (status[j] == _UPPER):
            _add_row(G_bar, -Cj if was_upper_j else Cj, j, cache, kernel, y, counts)
    counts[_ACTIVE] = active_size
    counts[_UNSHRINK] = 1 if unshrink else 0
    counts[_ITER] = n_iter
    counts[_COUNTER] = counter
    return code


@numba.njit(cache=True)
def smo_finish(kernel, y, state):
    """(α in the caller's order of the samples, ρ, iterations, kernel evaluations) from the
    state :func:`smo_run` left."""
    idx, _, solver, cache, counts = state
    alpha, status, G, _ = solver
    n = y.shape[0]
    if counts[_ACTIVE] < n:
        _reconstruct_gradient(counts[_ACTIVE], solver, cache, kernel, y, counts)
        counts[_ACTIVE] = n
    # rho: mean of y_t G_t over free α (they sit on the margin, where y_t f(x_t) = 1);
    # with none free, the middle of the feasible interval [lb, ub]
    ub = np.inf
    lb = -np.inf
    n_free = 0
    sum_free = 0.0
    for t in range(n):
        yG = y[t] * G[t]
        if status[t] == _UPPER:
            if y[t] < 0:
                ub = min(ub, yG)
            else:
                lb = max(lb, yG)
        elif status[t] == _LOWER:
            if y[t] > 0:
                ub = min(ub, yG)
            else:
                lb = max(lb, yG)
        else:
            n_free += 1
            sum_free += yG
    rho = sum_free / n_free if n_free > 0 else (ub + lb) / 2.0
    alpha_out = np.empty(n)
    for t in range(n):
        alpha_out[idx[t]] = alpha[t]
    return alpha_out, rho, counts[_ITER], counts[_EVALS]


@numba.njit(cache=True)
def smo_solve(
    X, x_sq, K_full, perm, y, C, kernel_id, gamma, coef0, degree, tol, shrinking, max_iter, n_slots
):
    """Solve the C-SVC dual by SMO in one call; all per-sample inputs are modified in place
    (pass copies). The estimator drives :func:`smo_init` / :func:`smo_run` /
    :func:`smo_finish` in chunks instead, so Ctrl-C works; this is the unbroken reference.

    Parameters
    ----------
    X : (n, p) float64, C-contiguous
        Samples (``(n, 0)`` for a precomputed kernel).
    x_sq : (n,) float64
        Squared norms ``‖x_t‖²`` (rbf) — zeros otherwise.
    K_full : (m, m) float64
        Precomputed kernel indexed through ``perm`` (``(1, 1)`` dummy otherwise).
    perm : (n,) int64
        Row/column of ``K_full`` of each sample (``arange(n)`` for named kernels).
    y : (n,) float64 of ±1
    C : (n,) float64, > 0
        Per-sample box bound ``C · class_weight · sample_weight``.
    kernel_id : int
    gamma, coef0, degree : float
    tol : float
    shrinking : bool
    max_iter : int
        ≤ 0 for no limit.
    n_slots : int
        Cached rows of Q (≥ 2).

    Returns
    -------
    alpha : (n,) float64 in the caller's order of the samples
    rho : float — the decision function is Σ α_t y_t k(x_t, x) − rho
    n_iter : int
    n_kernel_evals : int
    status : int — 0 converged, 1 stopped at max_iter
    """
    kernel = (X, x_sq, K_full, perm, kernel_id, gamma, coef0, degree)
    state = smo_init(kernel, y, n_slots)
    code = smo_run(kernel, y, C, tol, shrinking, max_iter, 0, state)
    alpha_out, rho, n_iter, n_evals = smo_finish(kernel, y, state)
    return alpha_out, rho, n_iter, n_evals, code
