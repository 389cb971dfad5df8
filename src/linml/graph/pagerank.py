"""PageRank by power iteration on the Google matrix, never formed.

With ``A[i, j]`` the weight of the link ``i → j``, out-degrees ``o = A 1``, the
transition matrix ``P = D_o⁻¹ A`` (rows of dangling nodes, ``oᵢ = 0``, are empty), a
teleport distribution ``v`` (personalization, default uniform) and damping ``α``, the
PageRank vector is the stationary distribution of

    x ← α (Pᵀ x + (dᵀ x) w) + (1 − α) v,

where ``d`` marks dangling nodes and ``w`` is where their mass goes (default ``v``). Each
step is one sparse mat-vec; the error contracts by ``α`` per step, so reaching ``tol`` in the
L1 norm takes about ``log(tol) / log(α)`` iterations (≈ 140 for α = 0.85, tol = 1e-10).

>>> import numpy as np
>>> A = np.array([[0, 1, 1], [0, 0, 1], [1, 0, 0]], dtype=float)
>>> r = pagerank(A)
>>> np.round(r.scores, 4), r.converged
(array([0.3878, 0.2148, 0.3974]), True)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from linml._validation import Interval, validate_params
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.graph.adjacency import check_adjacency
from linml.linalg._scaling import safe_range

__all__ = ["PageRankResult", "pagerank"]


@dataclass
class PageRankResult:
    """Scores (summing to 1), iterations used, the final L1 step residual, convergence."""

    scores: np.ndarray
    n_iter: int
    residual: float
    converged: bool


def _distribution(v: Any, n: int, name: str) -> np.ndarray:
    p = np.asarray(v, dtype=np.float64).ravel()
    if p.shape != (n,):
        raise LinmlInputError(f"{name} must have one entry per node ({n}); got shape {p.shape}.")
    if not np.isfinite(p).all() or p.min() < 0 or p.sum() <= 0:
        raise LinmlInputError(f"{name} must be finite, non-negative and not all zero.")
    return p / p.sum()


_PARAMS = {
    "damping": [Interval(float, 0, 1, closed="left")],
    "tol": [Interval(float, 0, None, closed="neither", finite=True)],
    "max_iter": [Interval(int, 1, None)],
}


def _rows_to_unit_scale(A: sp.csr_matrix) -> sp.csr_matrix:
    """Rows with extreme weights scaled by a power of two to ``max ≈ 1`` (issue 17).

    ``P = D_o⁻¹ A`` is invariant under scaling each row of ``A``, and a power of two is
    exact; without it the out-degree of a row of 1e307s overflows (and of 1e-310s, its
    reciprocal), turning the scores into NaN or the teleport vector.
    """
    if A.nnz == 0:
        return A
    row_max = A.max(axis=1).toarray().ravel()  # weights are >= 0
    lo, hi = safe_range(np.float64)
    extreme = (row_max > 0) & ((row_max < lo) | (row_max > hi))
    if not extreme.any():
        return A
    e = np.where(extreme, np.frexp(row_max)[1], 0)
    A = A.copy()
    A.data = np.ldexp(A.data, -np.repeat(e, np.diff(A.indptr)))
    return A


def pagerank(
    A: Any,
    damping: float = 0.85,
    *,
    personalization: Any = None,
    dangling: Any = None,
    tol: float = 1e-12,
    max_iter: int = 1000,
) -> PageRankResult:
    """PageRank scores of a directed graph by power iteration.

    Parameters
    ----------
    A : array-like or sparse of shape (n, n)
        ``A[i, j]`` = weight of the link ``i → j`` (non-negative).
    damping : float in [0, 1)
        ``α``, the probability of following a link rather than teleporting.
    personalization : array-like of shape (n,), optional
        Teleport distribution ``v`` (normalized here); default uniform.
    dangling : array-like of shape (n,), optional
        Where dangling nodes send their mass, ``w``; default ``v`` (as networkx does).
    tol : float
        Stop when ``‖x_new − x‖₁ < tol``.
    max_iter : int
        Iteration cap; a :class:`~linml.NumericalWarning` if it is reached.
    """
    validate_params("pagerank", {"damping": damping, "tol": tol, "max_iter": max_iter}, _PARAMS)
    A = check_adjacency(A)
    n = A.shape[0]
    if n == 0:
        raise LinmlInputError("A has no nodes.")
    A = _rows_to_unit_scale(A)
    v = (
        np.full(n, 1.0 / n)
        if personalization is None
        else _distribution(personalization, n, "personalization")
    )
    w = v if dangling is None else _distribution(dangling, n, "dangling")
    out = np.asarray(A.sum(axis=1)).ravel()
    is_dangling = out == 0
    inv_out = np.zeros(n)
    np.divide(1.0, out, out=inv_out, where=~is_dangling)
    PT = sp.csr_matrix((sp.diags(inv_out) @ A).T)  # Pᵀ, so each step is one CSR mat-vec
    x = v.copy()
    residual = np.inf
    for it in range(1, max_iter + 1):
        x_new = damping * (PT @ x + x[is_dangling].sum() * w) + (1.0 - damping) * v
        x_new /= x_new.sum()  # guard the drift of round-off; the exact map preserves Σx = 1
        residual = float(np.abs(x_new - x).sum())
        x = x_new
        if residual < tol:
            return PageRankResult(x, it, residual, True)
    warnings.warn(
        f"PageRank did not converge in {max_iter} iterations (L1 residual {residual:.2e} > tol "
        f"{tol:.1e}); raise max_iter or lower damping.",
        NumericalWarning,
        stacklevel=2,
    )
    return PageRankResult(x, max_iter, residual, False)
