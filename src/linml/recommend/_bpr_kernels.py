"""Compiled SGD epochs of BPR (Bayesian personalized ranking; numba).

One epoch draws ``n_samples`` triples (u, i, j): a stored entry (u, i) uniformly over the
``nnz`` entries, then a negative item j not in the user's row (uniformly over items, or
proportional to item popularity; rejection against the user's sorted CSR row by binary
search). Each triple takes one stochastic gradient step on

    ln sigma(x_uij) - (reg / 2) (|p_u|^2 + |q_i|^2 + |q_j|^2 + b_i^2 + b_j^2),
    x_uij = p_u . (q_i - q_j) + b_i - b_j,

(Rendle, Freudenthaler, Gantner & Schmidt-Thieme, "BPR: Bayesian personalized ranking from
implicit feedback", UAI 2009, Fig. 4 LearnBPR) with ``z = sigma(-x_uij) = 1 / (1 + e^x)``:

    p_u += lr (z (q_i - q_j) - reg p_u)
    q_i += lr (z p_u - reg q_i)          (old p_u on the right-hand sides)
    q_j += lr (-z p_u - reg q_j)
    b_i += lr (z - reg b_i),   b_j += lr (-z - reg b_j)

Randomness is an own xorshift64* stream per chunk of samples (Vigna, "An experimental
exploration of Marsaglia's xorshift generators, scrambled", 2016), so a run depends only on
the seeds and the number of chunks — and the tests can replay it in Python.
:func:`bpr_epoch_serial` runs the chunks one after another (bit-for-bit reproducible);
:func:`bpr_epoch_parallel` runs them on numba's threads at once, Hogwild-style (Niu et al.
2011): threads update shared item rows without locks, so the result depends on the thread
interleaving and is **not** reproducible, though every thread's samples are.

The pure-NumPy twins live in ``tests/recommend/test_bpr_kernels.py``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_FAST = {"reassoc", "contract", "nsz", "arcp"}
_MAX_TRIES = 64  # rejection draws per negative before the triple is skipped
_M64 = np.uint64(0x2545F4914F6CDD1D)  # xorshift64* multiplier
_S12, _S25, _S27, _S32 = np.uint64(12), np.uint64(25), np.uint64(27), np.uint64(32)

# stats columns written per chunk
LOSS, CORRECT, DRAWN, SKIPPED = 0, 1, 2, 3


@njit(cache=True)
def next_state(x):  # pragma: no cover - compiled
    """One xorshift64* step: returns (new state, output)."""
    x ^= x >> _S12
    x ^= x << _S25
    x ^= x >> _S27
    return x, x * _M64


@njit(cache=True)
def below(x, n):  # pragma: no cover - compiled
    """(new state, an integer uniform in [0, n)) for n < 2^32: ((out >> 32) * n) >> 32."""
    x, out = next_state(x)
    return x, np.int64(((out >> _S32) * np.uint64(n)) >> _S32)


@njit(cache=True)
def row_contains(indices, start, stop, j):  # pragma: no cover - compiled
    """Whether the sorted ``indices[start:stop]`` holds ``j`` (binary search)."""
    lo, hi = start, stop
    while lo < hi:
        mid = (lo + hi) >> 1
        v = indices[mid]
        if v == j:
            return True
        if v < j:
            lo = mid + 1
        else:
            hi = mid
    return False


@njit(cache=True, fastmath=_FAST)
def sgd_step(P, Q, b, u, i, j, lr, reg, update_items, tmp):  # pragma: no cover - compiled
    """One LearnBPR step on (u, i, j) in place; returns (x_uij before the step, sigma(x_uij)).

    ``lr``, ``reg`` and the scratch ``tmp`` (1,) come in the factors' dtype: the dot product
    and the update run in that dtype (float32 SIMD for float32 factors, as numba would
    otherwise promote float32 * float64 to float64); exp and the returned values are float64.
    """
    k = P.shape[1]
    tmp[0] = b[i] - b[j]
    xt = tmp[0]  # accumulator in the factors' dtype
    for f in range(k):
        xt += P[u, f] * (Q[i, f] - Q[j, f])
    x = np.float64(xt)
    # z = sigma(-x) and sigma(x) from one exp of -|x| (never overflows)
    e = np.exp(-abs(x))
    if x >= 0.0:
        z, sig = e / (1.0 + e), 1.0 / (1.0 + e)
    else:
        z, sig = 1.0 / (1.0 + e), e / (1.0 + e)
    tmp[0] = z  # round z to the factors' dtype
    zt = tmp[0]
    if update_items:
        for f in range(k):
            pu = P[u, f]
            qi = Q[i, f]
            qj = Q[j, f]
            P[u, f] = pu + lr * (zt * (qi - qj) - reg * pu)
            Q[i, f] = qi + lr * (zt * pu - reg * qi)
            Q[j, f] = qj + lr * (-zt * pu - reg * qj)
        b[i] += lr * (zt - reg * b[i])
        b[j] += lr * (-zt - reg * b[j])
    else:
        for f in range(k):
            pu = P[u, f]
            P[u, f] = pu + lr * (zt * (Q[i, f] - Q[j, f]) - reg * pu)
    return x, sig


@njit(cache=True)
def bpr_loss_term(x):  # pragma: no cover - compiled
    """-ln sigma(x) = log1p(e^{-|x|}) + max(-x, 0), without overflow."""
    return np.log1p(np.exp(-abs(x))) + max(-x, 0.0)


@njit(cache=True, fastmath=_FAST)
def _run_chunk(
    indptr, indices, rows, P, Q, b, lr, reg, n_samples, state, popularity, verify, update_items, st
):  # pragma: no cover - compiled
    """``n_samples`` triples from one xorshift stream; adds into ``st`` (4,); returns the state."""
    nnz = indices.shape[0]
    n_items = Q.shape[0]
    tmp = np.empty(1, dtype=P.dtype)
    # sum of -ln sigma(x) as -ln of a running product, one log per ~hundreds of triples
    # instead of one per triple (sigma >= 1e-300 keeps the product from reaching 0)
    prod = 1.0
    loss = 0.0
    correct = 0
    drawn = 0
    skipped = 0  # local counters: stores to st could alias the factors and stay in the loop
    for _ in range(n_samples):
        state, e = below(state, nnz)
        u = rows[e]
        i = indices[e]
        start, stop = indptr[u], indptr[u + 1]
        if verify and stop - start >= n_items:  # the user has every item: no negative exists
            skipped += 1
            continue
        j = -1
        for _t in range(_MAX_TRIES):
            if popularity:
                state, e2 = below(state, nnz)
                cand = indices[e2]
            else:
                state, cand = below(state, n_items)
            if cand == i:
                continue
            if verify and row_contains(indices, start, stop, cand):
                continue
            j = cand
            break
        if j < 0:
            skipped += 1
            continue
        x, sig = sgd_step(P, Q, b, u, i, j, lr, reg, update_items, tmp)
        if sig > 1e-300:
            prod *= sig
            if prod < 1e-250:
                loss -= np.log(prod)
                prod = 1.0
        else:
            loss += bpr_loss_term(x)
        correct += x > 0.0
        drawn += 1
    st[LOSS] += loss - np.log(prod)
    st[CORRECT] += correct
    st[DRAWN] += drawn
    st[SKIPPED] += skipped
    return state


@njit(cache=True)
def _chunk_size(n_samples, n_chunks, c):  # pragma: no cover - compiled
    return n_samples // n_chunks + (1 if c < n_samples % n_chunks else 0)


# The serial and the Hogwild epoch are the same loop compiled twice: numba fixes
# ``parallel`` when it compiles a function, and its on-disk cache tells functions apart by
# name and argument types only (one Python function under two decorators would share one
# cache entry), so each gets a function of its own.


@njit(cache=True)
def bpr_epoch_serial(
    indptr, indices, rows, P, Q, b, lr, reg, n_samples, states, popularity, verify, update_items,
    stats,
):  # fmt: skip  # pragma: no cover - compiled
    """One epoch, chunk after chunk on one thread: reproducible bit-for-bit.

    ``states`` (n_chunks,) uint64 nonzero are advanced in place; ``stats`` (n_chunks, 4)
    receives per chunk the summed loss, #(x_uij > 0), #triples stepped, #skipped.
    """
    n_chunks = states.shape[0]
    for c in range(n_chunks):
        states[c] = _run_chunk(
            indptr, indices, rows, P, Q, b, lr, reg, _chunk_size(n_samples, n_chunks, c),
            states[c], popularity, verify, update_items, stats[c],
        )  # fmt: skip


@njit(cache=True, parallel=True)
def bpr_epoch_parallel(
    indptr, indices, rows, P, Q, b, lr, reg, n_samples, states, popularity, verify, update_items,
    stats,
):  # fmt: skip  # pragma: no cover - compiled
    """:func:`bpr_epoch_serial` with the chunks on numba's threads at once (Hogwild: racy)."""
    n_chunks = states.shape[0]
    for c in prange(n_chunks):
        states[c] = _run_chunk(
            indptr, indices, rows, P, Q, b, lr, reg, _chunk_size(n_samples, n_chunks, c),
            states[c], popularity, verify, update_items, stats[c],
        )  # fmt: skip
