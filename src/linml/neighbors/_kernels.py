"""Compiled top-k selection for blocked exact search (numba); NumPy twin in the tests."""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(inline="always")
def _merge_row(S, r, bias, col_offset, top_val, top_idx, i):  # pragma: no cover - compiled
    """Merge score row ``S[r]`` (+ ``bias``) into the sorted top-k list ``top_val[i]``."""
    k = top_val.shape[1]
    thresh = top_val[i, k - 1]
    for j in range(S.shape[1]):
        v = S[r, j] + bias[j]
        if v > thresh:
            pos = k - 1
            while pos > 0 and top_val[i, pos - 1] < v:
                top_val[i, pos] = top_val[i, pos - 1]
                top_idx[i, pos] = top_idx[i, pos - 1]
                pos -= 1
            top_val[i, pos] = v
            top_idx[i, pos] = col_offset + j
            thresh = top_val[i, k - 1]


@njit(parallel=True, cache=True)
def topk_merge(S, bias, col_offset, top_val, top_idx):  # pragma: no cover - compiled
    """Merge a block of scores into running top-k lists, in place.

    For each query row ``i`` and block column ``j`` the candidate score is
    ``S[i, j] + bias[j]`` with database index ``col_offset + j``. ``top_val[i]`` is kept
    sorted descending (initialised to −inf); a candidate enters only if it beats the current
    k-th best, so after the first block nearly every entry costs one comparison. Equal scores
    keep the lower index first (strict ``>``), which makes results deterministic.
    """
    for i in prange(S.shape[0]):
        _merge_row(S, i, bias, col_offset, top_val, top_idx, i)


@njit(nogil=True, cache=True)
def topk_merge_rows(S, bias, col_offset, row_offset, top_val, top_idx):  # pragma: no cover
    """:func:`topk_merge` on one thread, without the GIL, for score rows ``row_offset + r``.

    Row ``r`` of ``S`` (query ``row_offset + r``) is merged into ``top_val[row_offset + r]``
    with the same rule (``S[r, j] + bias[j]``, index ``col_offset + j``, ties keep the lower
    index). Several Python threads call it at once, each on its own ``top_val``/``top_idx``.
    """
    for r in range(S.shape[0]):
        _merge_row(S, r, bias, col_offset, top_val, top_idx, row_offset + r)


def topk_merge_reference(S, bias, col_offset, top_val, top_idx):
    """Pure-NumPy twin of :func:`topk_merge` (the test oracle), same semantics."""
    k = top_val.shape[1]
    cand_val = np.concatenate([top_val, S + bias[None, :]], axis=1)
    cand_idx = np.concatenate(
        [top_idx, np.broadcast_to(col_offset + np.arange(S.shape[1]), S.shape)], axis=1
    )
    # descending by value, ascending by index among ties
    order = np.lexsort((cand_idx, -cand_val), axis=1)[:, :k]
    top_val[:] = np.take_along_axis(cand_val, order, axis=1)
    top_idx[:] = np.take_along_axis(cand_idx, order, axis=1)
