"""Compiled scans of an inverted-file index (numba), each with a NumPy twin used as test oracle.

The stored vectors ``X`` (``n × d``) are permuted so that cell ``c`` owns the contiguous
slice ``X[offsets[c]:offsets[c + 1]]``. A candidate row ``r`` of query ``q`` scores
``s = q·X[r] + bias[r]`` (``bias = −‖x‖²`` and ``q`` pre-scaled by 2 for L2, else 0).

Both scans keep, per query, the ``k`` best ``(s, r)`` pairs ordered by score descending and
row ascending among equal scores. Ties are broken by the row, not by arrival order, so
the result does not depend on the order in which cells are visited — the kernels and their
twins agree exactly on the ranking (scores differ only by floating-point summation order).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "merge_parts",
    "scan_list_major",
    "scan_query_major",
    "scan_reference",
    "top_cells",
    "top_cells_reference",
]


# list-major cells with at least this many queries use the axpy form of the cell GEMM
_AXPY_MIN_QUERIES = 24


@njit(inline="always", cache=True)
def _push(top_val, top_idx, i, v, r):  # pragma: no cover - compiled
    """Insert candidate ``(v, r)`` into query ``i``'s sorted top-k if it beats the k-th best."""
    k = top_val.shape[1]
    tv, ti = top_val[i, k - 1], top_idx[i, k - 1]
    # empty slots hold (−inf, −1), so any finite score beats them
    if v > tv or (v == tv and r < ti):
        pos = k - 1
        while pos > 0:
            pv, pi = top_val[i, pos - 1], top_idx[i, pos - 1]
            if pv < v or (pv == v and pi > r):
                top_val[i, pos] = pv
                top_idx[i, pos] = pi
                pos -= 1
            else:
                break
        top_val[i, pos] = v
        top_idx[i, pos] = r


@njit(parallel=True, cache=True)
def top_cells(S, top_val, top_idx):  # pragma: no cover - compiled
    """The ``nprobe = top_val.shape[1]`` best columns (cells) of each row of ``S``, in place.

    ``S`` (``nq × nlist``) holds the centroid scores; ``top_val``/``top_idx`` start at
    −inf / −1 and end sorted by score descending, cell ascending among ties. One comparison
    per entry once the list is full — cheaper than ``argpartition`` for small ``nprobe``.
    """
    nq, nlist = S.shape
    for i in prange(nq):
        for c in range(nlist):
            _push(top_val, top_idx, i, S[i, c], c)


def top_cells_reference(S, top_val, top_idx):
    """Pure-NumPy twin of :func:`top_cells` (the test oracle)."""
    nprobe = top_val.shape[1]
    cells = np.broadcast_to(np.arange(S.shape[1]), S.shape)
    order = np.lexsort((cells, -S), axis=1)[:, :nprobe]  # score descending, cell ascending
    top_val[:] = np.take_along_axis(S, order, axis=1)
    top_idx[:] = order


# reassociation lets LLVM vectorize the dot product (a SIMD reduction); no nnan/ninf flags,
# since empty top-k slots hold −inf
@njit(parallel=True, fastmath={"reassoc", "contract"}, cache=True)
def scan_query_major(Q, X, bias, offsets, probes, top_val, top_idx):  # pragma: no cover
    """Query-major scan: for each query (in parallel), score every row of its probed cells.

    ``probes[i]`` lists the cells of query ``i``; the score ``Q[i]·X[r]`` is a dot product on
    the cell's contiguous slice (one GEMV per cell). ``top_val``/``top_idx`` (``nq × k``,
    initialised to −inf / −1) are updated in place. Best when few queries share a cell.
    """
    nq, d = Q.shape
    nprobe = probes.shape[1]
    for i in prange(nq):
        for p in range(nprobe):
            c = probes[i, p]
            for r in range(offsets[c], offsets[c + 1]):
                # accumulate in the arrays' dtype (a 0.0 start would promote float32 to
                # float64 and rank against float32-rounded stored scores inconsistently)
                s = Q[i, 0] * X[r, 0]
                for j in range(1, d):
                    s += Q[i, j] * X[r, j]
                _push(top_val, top_idx, i, s + bias[r], r)


@njit(parallel=True, fastmath={"reassoc", "contract"}, cache=True)
def scan_list_major(
    Q, X, bias, offsets, cell_ptr, cell_queries, part_val, part_idx
):  # pragma: no cover - compiled
    """List-major scan: for each cell, the block of queries probing it × the cell's slice.

    The probe table is grouped by cell in CSR form: ``cell_queries[cell_ptr[c]:cell_ptr[c + 1]]``
    are the queries that probe cell ``c``. Their rows ``Qc`` (``m × d``) are multiplied by the
    cell's slice, ``S = Qc X[a:b]ᵀ`` — a GEMM computed stored row by stored row, so each row is
    read once, from cache, for all ``m`` queries (dot products, four stored rows per pass, for
    ``m < 24``; from 24 on, axpys over a gathered ``Qcᵀ``). The cells are split into ``P = part_val.shape[0]``
    contiguous ranges run in parallel; range ``p`` keeps its own running top-k of every query
    in ``part_val[p]``/``part_idx[p]`` (``P × nq × k``, −inf / −1 at start), so there are no
    races and thresholds tighten from cell to cell; :func:`merge_parts` merges the ``P`` lists.
    """
    nlist = offsets.shape[0] - 1
    d = Q.shape[1]
    n_parts, _, k = part_val.shape
    for part in prange(n_parts):
        pv, pi = part_val[part], part_idx[part]  # (nq, k) running top-k of this range of cells
        for c in range(part * nlist // n_parts, (part + 1) * nlist // n_parts):
            q0, q1 = cell_ptr[c], cell_ptr[c + 1]
            a, b = offsets[c], offsets[c + 1]
            m = q1 - q0
            if m == 0 or b == a:
                continue
            if m < _AXPY_MIN_QUERIES:
                for t in range(m):
                    i = cell_queries[q0 + t]
                    thr = pv[i, k - 1]
                    r = a
                    while r + 4 <= b:  # four dot products per pass share the loads of Q[i]
                        s0 = Q[i, 0] * X[r, 0]  # S[t, r − a] = Q[i]·X[r] (in the arrays' dtype)
                        s1 = Q[i, 0] * X[r + 1, 0]
                        s2 = Q[i, 0] * X[r + 2, 0]
                        s3 = Q[i, 0] * X[r + 3, 0]
                        for j in range(1, d):
                            qj = Q[i, j]
                            s0 += qj * X[r, j]
                            s1 += qj * X[r + 1, j]
                            s2 += qj * X[r + 2, j]
                            s3 += qj * X[r + 3, j]
                        for u, s in ((0, s0), (1, s1), (2, s2), (3, s3)):
                            v = s + bias[r + u]
                            if v >= thr:
                                _push(pv, pi, i, v, r + u)
                                thr = pv[i, k - 1]
                        r += 4
                    while r < b:
                        s = Q[i, 0] * X[r, 0]
                        for j in range(1, d):
                            s += Q[i, j] * X[r, j]
                        v = s + bias[r]
                        if v >= thr:
                            _push(pv, pi, i, v, r)
                            thr = pv[i, k - 1]
                        r += 1
                continue
            # many queries: columns of S = Qc X[a:b]ᵀ as axpys over the contiguous query axis
            # (vectorizes across queries, no horizontal sums), four stored rows at a time so
            # each load of Qct (= Qcᵀ, (d, m)) serves four rows
            Qct = np.empty((d, m), dtype=Q.dtype)
            thr = np.empty(m, dtype=Q.dtype)  # (m,) k-th best score of each query, cached
            for t in range(m):
                i = cell_queries[q0 + t]
                thr[t] = pv[i, k - 1]
                for j in range(d):
                    Qct[j, t] = Q[i, j]
            acc = np.empty((4, m), dtype=Q.dtype)  # (4, m) four columns of S
            for r0 in range(a, b, 4):
                rb = min(4, b - r0)
                if rb == 4:
                    acc[:] = 0
                    for j in range(d):
                        x0, x1, x2, x3 = X[r0, j], X[r0 + 1, j], X[r0 + 2, j], X[r0 + 3, j]
                        for t in range(m):
                            q = Qct[j, t]
                            acc[0, t] += x0 * q
                            acc[1, t] += x1 * q
                            acc[2, t] += x2 * q
                            acc[3, t] += x3 * q
                else:
                    for u in range(rb):
                        for t in range(m):
                            acc[u, t] = 0
                        for j in range(d):
                            xr = X[r0 + u, j]
                            for t in range(m):
                                acc[u, t] += xr * Qct[j, t]
                for u in range(rb):
                    r = r0 + u
                    br = bias[r]
                    for t in range(m):
                        v = acc[u, t] + br
                        if v >= thr[t]:  # rare once the list is full: one cached comparison
                            i = cell_queries[q0 + t]
                            _push(pv, pi, i, v, r)
                            thr[t] = pv[i, k - 1]


@njit(parallel=True, cache=True)
def merge_parts(part_val, part_idx, top_val, top_idx):  # pragma: no cover - compiled
    """Merge each query's ``P`` partial top-k lists (``part_val[:, i]``) into ``top_val[i]``."""
    n_parts, nq, k = part_val.shape
    for i in prange(nq):
        for p in range(n_parts):
            for j in range(k):
                if part_idx[p, i, j] < 0:
                    break
                _push(top_val, top_idx, i, part_val[p, i, j], part_idx[p, i, j])


def scan_reference(Q, X, bias, offsets, probes, top_val, top_idx):
    """Pure-NumPy twin of both scans (the test oracle): same candidates, same ranking rule."""
    k = top_val.shape[1]
    for i in range(Q.shape[0]):
        rows = np.concatenate(
            [np.arange(offsets[c], offsets[c + 1], dtype=np.int64) for c in probes[i]]
        )
        s = X[rows] @ Q[i] + bias[rows]  # (candidates,) = one GEMV per probed cell
        held = top_idx[i] >= 0
        cand_val = np.concatenate([top_val[i, held], s])
        cand_idx = np.concatenate([top_idx[i, held], rows])
        order = np.lexsort((cand_idx, -cand_val))[:k]  # score descending, row ascending
        top_val[i, :] = -np.inf
        top_idx[i, :] = -1
        top_val[i, : order.size] = cand_val[order]
        top_idx[i, : order.size] = cand_idx[order]
