"""Pairwise distances and cosine similarity, computed in row blocks of bounded memory.

For ``X`` (n, p) and ``Y`` (m, p), ``D[i, j] = d(X[i], Y[j])``:

===============  ============================================================
``euclidean``    ``sqrt(max(‖x‖² − 2 xᵀy + ‖y‖², 0))`` (one GEMM per block)
``sqeuclidean``  ``max(‖x‖² − 2 xᵀy + ‖y‖², 0)``
``manhattan``    ``sum_k |x_k − y_k|``  (broadcast over a (b_x, b_y, p) block)
``chebyshev``    ``max_k |x_k − y_k|``  (broadcast over a (b_x, b_y, p) block)
``cosine``       ``1 − x̂ᵀŷ`` with ``x̂ = x/‖x‖`` (a zero vector has similarity 0)
===============  ============================================================

The expansion ``‖x‖² − 2 xᵀy + ‖y‖²`` turns the work into a GEMM but cancels badly for
nearby points, so each block is computed in float64 (float32 output is kept), negatives
from round-off are clipped to 0, and ``D[i, i]`` is set to exactly 0 when ``Y`` is None.
Blocks are sized so that no intermediate exceeds ``max_memory_mb``; only the output of
:func:`pairwise_distances` is ``n × m`` — use :func:`pairwise_distances_chunked` to avoid
even that.

>>> import numpy as np
>>> pairwise_distances(np.array([[0.0, 0.0], [3.0, 4.0]]))
array([[0., 5.],
       [5., 0.]])
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from linml._validation import check_array
from linml.exceptions import LinmlInputError
from linml.linalg._checks import check_option
from linml.linalg._scaling import global_exponent, max_abs, row_exponents

__all__ = [
    "METRICS",
    "cosine_similarity",
    "pairwise_distances",
    "pairwise_distances_chunked",
]

#: The metrics :func:`pairwise_distances` knows.
METRICS = ("euclidean", "sqeuclidean", "manhattan", "chebyshev", "cosine")
_GEMM_METRICS = ("euclidean", "sqeuclidean", "cosine")


def _check_XY(X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray | None]:
    X = check_array(X, name="X")
    if Y is None:
        return X, None
    Y = check_array(Y, name="Y", dtype=X.dtype)
    if Y.shape[1] != X.shape[1]:
        raise LinmlInputError(
            f"Y has {Y.shape[1]} features but X has {X.shape[1]}; rows of X and Y must live "
            "in the same space."
        )
    return X, Y


def _check_memory(max_memory_mb: Any) -> float:
    if isinstance(max_memory_mb, bool) or not isinstance(max_memory_mb, (int, float)):
        raise LinmlInputError(f"max_memory_mb={max_memory_mb!r} must be a number > 0.")
    if not max_memory_mb > 0:
        raise LinmlInputError(f"max_memory_mb={max_memory_mb!r} must be > 0.")
    return float(max_memory_mb)


def _unit_rows(X: np.ndarray) -> np.ndarray:
    """Rows scaled to unit 2-norm; zero rows stay zero (their similarity to anything is 0).

    Each row is first brought to ``max |entry| ≈ 1`` by an exact power of two, so ``‖x‖``
    neither overflows (entries ≳ 1e154) nor underflows (≲ 1e-154): x/‖x‖ is scale-free.
    """
    X = np.ldexp(X, -row_exponents(X)[:, None]).astype(X.dtype, copy=False)
    nrm = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(nrm > 0, nrm, 1.0)


def _robust_block(Xb: np.ndarray, Y: np.ndarray, metric: str, y_block: int) -> np.ndarray:
    """One (b, m) block of (sq)euclidean without ``‖x‖²``: ``m·sqrt(Σ (d/m)²)``, ``m = max|d|``.

    For data whose squares overflow or underflow float64 (issue 17), where the GEMM
    expansion returns inf/NaN or 0. Differences are scaled by their own largest entry, so
    only a distance that itself exceeds float64 overflows.
    """
    out = np.empty((Xb.shape[0], Y.shape[0]), dtype=np.float64)
    for j in range(0, Y.shape[0], y_block):
        diff = np.abs(Xb[:, None, :] - Y[None, j : j + y_block, :])  # (b, b_y, p)
        m = diff.max(axis=2)  # (b, b_y) largest |difference|
        safe = np.where(m > 0, m, 1.0)
        D = m * np.sqrt(np.sum((diff / safe[..., None]) ** 2, axis=2))  # ‖d‖ = m ‖d/m‖
        out[:, j : j + y_block] = D * D if metric == "sqeuclidean" else D
    return out


def _row_block(n_rows: int, bytes_per_row: float, budget_bytes: float) -> int:
    return int(max(1, min(n_rows, budget_bytes // max(bytes_per_row, 1.0))))


def _gemm_block(Xb: np.ndarray, Y: np.ndarray, Y_sq: np.ndarray | None, metric: str) -> np.ndarray:
    """One (b, m) block of a GEMM-based metric, in float64."""
    if metric == "cosine":
        return 1.0 - Xb @ Y.T  # rows already unit-normalized: 1 − x̂ᵀŷ
    X_sq = np.einsum("ij,ij->i", Xb, Xb)
    D = X_sq[:, None] - 2.0 * (Xb @ Y.T) + Y_sq[None, :]  # ‖x‖² − 2xᵀy + ‖y‖²
    np.maximum(D, 0.0, out=D)  # round-off can make tiny distances negative
    return np.sqrt(D, out=D) if metric == "euclidean" else D


def _broadcast_block(Xb: np.ndarray, Y: np.ndarray, metric: str, y_block: int) -> np.ndarray:
    """One (b, m) block of manhattan/chebyshev, broadcasting over (b, b_y, p) sub-blocks."""
    out = np.empty((Xb.shape[0], Y.shape[0]), dtype=Xb.dtype)
    reduce = np.sum if metric == "manhattan" else np.max
    for j in range(0, Y.shape[0], y_block):
        diff = np.abs(Xb[:, None, :] - Y[None, j : j + y_block, :])  # (b, b_y, p)
        out[:, j : j + y_block] = reduce(diff, axis=2)
    return out


def _chunks(
    X: np.ndarray, Y: np.ndarray | None, metric: str, budget_bytes: float
) -> Iterator[tuple[int, np.ndarray]]:
    """Trusting generator of (start, D[start:start + b]) blocks."""
    same = Y is None
    Yv = X if same else Y
    n, m, p = X.shape[0], Yv.shape[0], X.shape[1]
    out_dtype = X.dtype
    # squares of entries outside float64's safe range over/underflow in ‖x‖² − 2xᵀy + ‖y‖²
    extreme = global_exponent(X, Yv) != 0
    if extreme and metric != "cosine":
        yield from _extreme_chunks(X, Yv, metric, budget_bytes)
        return
    if metric in _GEMM_METRICS:
        # float64 working copies: the ‖x‖² − 2xᵀy + ‖y‖² expansion cancels in float32
        Y64 = Yv.astype(np.float64, copy=False)
        if metric == "cosine":
            Y64 = _unit_rows(Y64)
            Y_sq = None
        else:
            Y_sq = np.einsum("ij,ij->i", Y64, Y64)
        # per row of a block: the (m,) GEMM result + one temporary, float64
        b = _row_block(n, 2 * 8 * m + 8 * p, budget_bytes)
        for start in range(0, n, b):
            Xb = X[start : start + b].astype(np.float64, copy=False)
            if metric == "cosine":
                Xb = _unit_rows(Xb)
            D = _gemm_block(Xb, Y64, Y_sq, metric)
            if metric == "cosine":
                np.clip(D, 0.0, 2.0, out=D)
            if same:  # a point's distance to itself is exactly 0
                idx = np.arange(start, min(start + b, n))
                D[idx - start, idx] = 0.0
            yield start, D.astype(out_dtype, copy=False)
        return
    item = X.dtype.itemsize
    y_block = _row_block(m, p * item, budget_bytes)  # (1, b_y, p) fits the budget
    b = _row_block(n, y_block * p * item + m * item, budget_bytes)
    for start in range(0, n, b):
        yield start, _broadcast_block(X[start : start + b], Yv, metric, y_block)


def _extreme_chunks(
    X: np.ndarray, Y: np.ndarray, metric: str, budget_bytes: float
) -> Iterator[tuple[int, np.ndarray]]:
    """Blocks for data at float64's edges: broadcast differences, overflow checked."""
    m, p = Y.shape
    X64, Y64 = X.astype(np.float64, copy=False), Y.astype(np.float64, copy=False)
    y_block = _row_block(m, 3 * 8 * p, budget_bytes)
    b = _row_block(X.shape[0], 3 * 8 * y_block * p + 8 * m, budget_bytes)
    for start in range(0, X.shape[0], b):
        Xb = X64[start : start + b]
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            if metric in ("euclidean", "sqeuclidean"):
                D = _robust_block(Xb, Y64, metric, y_block)
            else:
                D = _broadcast_block(Xb, Y64, metric, y_block)
        if not np.isfinite(D).all():
            raise LinmlInputError(
                f"pairwise_distances(metric={metric!r}): X (and Y) have entries up to "
                f"{max(max_abs(X), max_abs(Y)):.3g}, so large that the distances overflow "
                "float64; rescale X (and Y) by a common factor first."
            )
        yield start, D.astype(X.dtype, copy=False)


def pairwise_distances_chunked(
    X: Any,
    Y: Any = None,
    metric: str = "euclidean",
    max_memory_mb: float = 256,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(start, D[start:start + b])`` row blocks of the distance matrix.

    Each block (and every temporary used to make it) stays within ``max_memory_mb``
    (at least one row is always produced). See the module docstring for the metrics.

    Parameters
    ----------
    X : array-like of shape (n, p)
    Y : array-like of shape (m, p) or None
        None means ``Y = X`` (and exact zeros on the diagonal).
    metric : {'euclidean', 'sqeuclidean', 'manhattan', 'chebyshev', 'cosine'}
    max_memory_mb : float, default=256

    Yields
    ------
    start : int
    block : ndarray of shape (b, m)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [3.0]])
    >>> [(s, B.shape) for s, B in pairwise_distances_chunked(X, max_memory_mb=1e-5)]
    [(0, (1, 3)), (1, (1, 3)), (2, (1, 3))]
    """
    check_option("metric", metric, METRICS)
    X, Y = _check_XY(X, Y)
    budget = _check_memory(max_memory_mb) * 2**20
    return _chunks(X, Y, metric, budget)


def pairwise_distances(
    X: Any,
    Y: Any = None,
    metric: str = "euclidean",
    *,
    max_memory_mb: float = 256,
) -> np.ndarray:
    """Distance matrix ``D[i, j] = d(X[i], Y[j])`` built in row blocks.

    Parameters
    ----------
    X : array-like of shape (n, p)
    Y : array-like of shape (m, p) or None
        None means ``Y = X``; the diagonal is then exactly 0.
    metric : {'euclidean', 'sqeuclidean', 'manhattan', 'chebyshev', 'cosine'}
    max_memory_mb : float, default=256
        Bound on the temporaries (not counting the (n, m) output).

    Returns
    -------
    D : ndarray of shape (n, m), X's dtype

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> pairwise_distances(X, metric="manhattan")
    array([[0., 2.],
           [2., 0.]])
    >>> pairwise_distances(X, np.array([[2.0, 0.0]]), metric="chebyshev")
    array([[2.],
           [1.]])
    """
    check_option("metric", metric, METRICS)
    X, Y = _check_XY(X, Y)
    budget = _check_memory(max_memory_mb) * 2**20
    m = X.shape[0] if Y is None else Y.shape[0]
    D = np.empty((X.shape[0], m), dtype=X.dtype)
    for start, block in _chunks(X, Y, metric, budget):
        D[start : start + block.shape[0]] = block
    return D


def cosine_similarity(X: Any, Y: Any = None) -> np.ndarray:
    """Cosine similarity ``C = X̂ Ŷᵀ`` with unit-norm rows ``x̂ = x / ‖x‖``.

    A zero row has no direction: its similarity to every row (itself included) is 0, by
    convention (scikit-learn's too).

    Parameters
    ----------
    X : array-like of shape (n, p)
    Y : array-like of shape (m, p) or None (``Y = X``)

    Returns
    -------
    C : ndarray of shape (n, m), entries in [-1, 1]

    Examples
    --------
    >>> import numpy as np
    >>> cosine_similarity(np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]))
    array([[1.        , 0.70710678, 0.        ],
           [0.70710678, 1.        , 0.        ],
           [0.        , 0.        , 0.        ]])
    """
    X, Y = _check_XY(X, Y)
    Xn = _unit_rows(X)
    Yn = Xn if Y is None else _unit_rows(Y)
    C = Xn @ Yn.T
    return np.clip(C, -1.0, 1.0, out=C)
