"""Exact top-k search over stored vectors held in a dask array: per-block top-k, one merge.

The stored vectors ``X`` (``n × d``) stay lazy, split into row blocks ``X_b`` with row
offsets ``o_b``. Each block is one task that runs the in-memory path of
:class:`~linml.neighbors.EmbeddingIndex` on that block alone (cosine normalization is done
there, per block) and returns its raw top-``k_b`` scores ``s`` and global row indices
``o_b + j`` (``k_b = min(k, n_b)``). The exact top-k of all of ``X`` is among the
``Σ k_b ≤ n_blocks · k`` candidates, because the global top-k restricted to block ``b`` is
part of that block's top-``k_b``. One merge sorts the candidates by descending ``s``, equal
scores by the lower global index — the in-memory tie rule — so the result equals
``EmbeddingIndex(metric).add(X.compute()).search(Q, k)``.

Only the small ``(nq, n_blocks · k)`` candidate arrays come back to the client; each worker
holds one block and its ``(nq, x_block)`` score tile.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from linml.exceptions import LinmlInputError
from linml.neighbors.embedding_index import (
    METRICS,
    EmbeddingIndex,
    SearchResult,
    _id_list,
    _normalize_rows,
)

__all__ = ["search_blocks"]


def _block_topk(
    block: np.ndarray,
    Q: np.ndarray,
    k: int,
    offset: int,
    metric: str,
    dtype: np.dtype,
    max_memory_mb: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Raw top-``k`` of one row block (in-memory path), indices shifted to global rows."""
    k_b = min(k, block.shape[0])
    if k_b == 0:
        return np.empty((Q.shape[0], 0), dtype=dtype), np.empty((Q.shape[0], 0), dtype=np.int64)
    index = EmbeddingIndex(metric, dtype=dtype, max_memory_mb=max_memory_mb).add(
        np.asarray(block, dtype=dtype)
    )
    top_val, top_idx = index._search_rows(Q, k_b)  # (nq, k_b) raw scores s, block rows
    return top_val, top_idx + offset


def _merge(parts: Sequence[tuple[np.ndarray, np.ndarray]], k: int) -> tuple[np.ndarray, ...]:
    """Top-``k`` of the blocks' candidates: descending score, ties by the lower global index."""
    cand_val = np.concatenate([p[0] for p in parts], axis=1)  # (nq, Σ k_b)
    cand_idx = np.concatenate([p[1] for p in parts], axis=1)
    order = np.lexsort((cand_idx, -cand_val), axis=1)[:, :k]
    return np.take_along_axis(cand_val, order, axis=1), np.take_along_axis(cand_idx, order, axis=1)


def search_blocks(
    stored: Any,
    queries: Any,
    k: int = 10,
    *,
    metric: str = "cosine",
    ids: Sequence[Hashable] | None = None,
    dtype: Any = np.float32,
    max_memory_mb: float = 256,
) -> SearchResult:
    """Exact top-``k`` of each query against stored vectors in a dask array (kept lazy).

    Each row block of ``stored`` is scored in its own task by the in-memory
    :class:`~linml.neighbors.EmbeddingIndex` code (``s = q̂·x̂`` for 'cosine', ``s = q·x``
    for 'ip', ``s = 2 q·x − ‖x‖²`` for 'l2'); the ``n_blocks × k`` candidates per query are
    merged once, so the answer equals the in-memory search on the whole array.

    Parameters
    ----------
    stored : dask.array.Array or dask DataFrame of shape (n, d)
        The stored vectors, split in row blocks (any sizes).
    queries : array-like of shape (nq, d) or (d,)
        In memory.
    k : int, default=10
        Results per query, in ``[1, n]``.
    metric : {'cosine', 'l2', 'ip'}, default='cosine'
    ids : sequence of ids, optional
        One id (int or str) per stored row; default ``arange(n)``.
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
        Compute precision, as in the index.
    max_memory_mb : float, default=256
        Bound on one block's score tile, as in the index.

    Returns
    -------
    SearchResult
        ``scores`` (similarities, or L2 distances for 'l2'), ``ids`` and global row ``indices``,
        each ``(nq, k)``.

    Examples
    --------
    >>> import dask, dask.array as da, numpy as np
    >>> X = da.from_array(np.eye(4), chunks=((1, 3), 4))
    >>> with dask.config.set(scheduler="synchronous"):
    ...     hit = search_blocks(X, np.array([[0.0, 0.0, 1.0, 0.1]]), k=2, ids=list("abcd"))
    >>> hit.ids[0].tolist(), [round(float(s), 3) for s in hit.scores[0]]
    (['c', 'd'], [0.995, 0.1])
    """
    import dask

    from linml._dask import as_dask_array, is_dask_collection

    if metric not in METRICS:
        raise LinmlInputError(f"metric={metric!r} must be one of {', '.join(map(repr, METRICS))}.")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise LinmlInputError(f"dtype={dtype} must be float32 or float64.")
    if not is_dask_collection(stored):
        raise LinmlInputError(
            f"stored must be a dask array or DataFrame; got {type(stored).__name__} "
            "(for in-memory vectors use EmbeddingIndex(metric).add(vectors).search(...))."
        )
    X = as_dask_array(stored, name="stored")
    if X.ndim != 2 or any(np.isnan(c) for c in X.chunks[0]):
        raise LinmlInputError(
            f"stored must be 2-D (n, d) with known row-block sizes; got shape {X.shape}."
        )
    n, d = (int(s) for s in X.shape)
    if n == 0:
        raise LinmlInputError("stored holds no vectors; pass at least one row.")
    Q = np.asarray(queries)
    if Q.ndim == 1:
        Q = Q[None, :]
    probe = EmbeddingIndex(metric, dtype=dtype, max_memory_mb=max_memory_mb)
    Q = probe._check_vectors(Q, "queries")
    if Q.shape[1] != d:
        raise LinmlInputError(
            f"queries have dimension {Q.shape[1]} but the stored vectors are {d}-dimensional."
        )
    if isinstance(k, bool) or not (isinstance(k, int | np.integer) and 1 <= k <= n):
        raise LinmlInputError(f"k={k!r} must be an integer in [1, {n}] (stored holds {n} vectors).")
    if ids is None:
        id_array = np.arange(n, dtype=np.int64)
    else:
        keys, kind = _id_list(ids, "ids")
        if len(keys) != n:
            raise LinmlInputError(f"ids must hold one id per stored vector ({n}); got {len(keys)}.")
        if len(set(keys)) != n:
            raise LinmlInputError("ids must be unique; a repeated id would be ambiguous.")
        id_array = np.array(keys, dtype=str if kind == "str" else np.int64)
    if metric == "cosine":
        Q, _ = _normalize_rows(Q)  # q̂ once, as the in-memory search does

    Q_task = dask.delayed(Q, pure=True)  # one key, shipped once to each worker
    offsets = np.concatenate([[0], np.cumsum(X.chunks[0])]).astype(np.int64)
    blocks = X.to_delayed().ravel()  # (n_blocks,) one column chunk after as_dask_array
    parts = [
        dask.delayed(_block_topk, pure=True)(
            block, Q_task, int(k), int(offsets[b]), metric, dtype, float(max_memory_mb)
        )
        for b, block in enumerate(blocks)
    ]
    top_val, top_idx = _merge(dask.compute(*parts), int(k))
    if metric == "l2":
        # s = 2 q·x − ‖x‖² ⇒ ‖q − x‖² = ‖q‖² − s
        qn = np.einsum("ij,ij->i", Q, Q)[:, None]
        scores = np.sqrt(np.maximum(qn - top_val, 0.0))
    else:
        scores = top_val
    return SearchResult(scores, id_array[top_idx], top_idx)
