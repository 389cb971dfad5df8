"""The linear algebra the decomposition estimators use, gathered in one place (private).

Every estimator in :mod:`linml.decomposition` and :mod:`linml.discriminant_analysis` takes
its factorizations from :mod:`linml.linalg` through this module, plus the streaming
second-moment helpers the PCA/Whitener fits share:

* :func:`centered_scatter` — ``M2 = (X − μ)ᵀ (X − μ)`` from one ``syrk`` Gram product minus
  ``n μμᵀ``, or from centered row blocks when that subtraction would cancel digits.
  Chunks are combined by :class:`linml.linalg.gram_stats.GramStats` (Chan, Golub & LeVeque).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg.blas as blas

from linml.linalg import (
    effective_rank,
    eigh_sorted,
    low_rank_approx,
    randomized_svd,
    svd,
    svd_flip_signs,
    whitening_matrix,
)
from linml.linalg.whitening import dewhitening_gains, whitening_from_spectrum

__all__ = [
    "centered_scatter",
    "condition_number_from_spectrum",
    "dewhitening_gains",
    "effective_rank",
    "eigh_sorted",
    "low_rank_approx",
    "randomized_svd",
    "svd",
    "svd_flip_signs",
    "whitening_from_spectrum",
    "whitening_matrix",
]

# rows per syrk block: big enough for BLAS-3 speed, small enough for cache and memory
_BLOCK_ROWS = 4096


def centered_scatter(X: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Scatter matrix ``M2 = Σ_i (x_i − μ)(x_i − μ)ᵀ`` of dense ``X`` (n, p), full symmetric (p, p).

    Fast path: one Gram product ``G = XᵀX`` (NumPy dispatches ``Xᵀ @ X`` to BLAS ``syrk``)
    and ``M2 = G − n μμᵀ``. That subtraction loses about ``log10(G_jj / M2_jj)`` digits, so
    when a column's mean dwarfs its spread (ratio above 1e4 in float64, 10 in float32) the
    scatter is recomputed exactly from centered row blocks. Works in ``X``'s dtype.
    """
    n = X.shape[0]
    G = X.T @ X  # (p, p) Gram matrix, one syrk
    M2 = G - n * np.outer(mean, mean)  # XcᵀXc = XᵀX − n μμᵀ
    limit = 1e4 if X.dtype == np.float64 else 10.0
    spread = np.diag(M2)
    tiny = np.finfo(X.dtype).tiny
    if np.all(np.diag(G) <= limit * np.maximum(spread, tiny)):
        return (M2 + M2.T) / 2  # symmetrize: the subtraction leaves round-off asymmetry
    return _centered_scatter_blocked(X, mean)


def _centered_scatter_blocked(X: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``M2`` from centered row blocks ``Xb = X[rows] − μ`` with BLAS ``syrk`` (``C ← XbᵀXb + C``).

    No cancellation: each block is centered before it is squared.
    """
    n, p = X.shape
    dtype = X.dtype
    syrk = blas.ssyrk if dtype == np.float32 else blas.dsyrk
    C = np.zeros((p, p), dtype=dtype, order="F")
    for start in range(0, n, _BLOCK_ROWS):
        Xb = X[start : start + _BLOCK_ROWS] - mean  # (b, p) centered block
        # Xbᵀ is (p, b) Fortran-ordered: syrk with trans=0 forms a aᵀ = Xbᵀ Xb without a copy
        C = syrk(1.0, Xb.T, beta=1.0, c=C, trans=0, lower=0, overwrite_c=1)
    # syrk fills the upper triangle only: mirror it (C = triu + triu₁ᵀ)
    upper = np.triu(C)
    return np.ascontiguousarray(upper + np.triu(upper, 1).T)


def condition_number_from_spectrum(singular_values: Any) -> float:
    """``σ_max / σ_min`` of a descending spectrum (inf when the smallest is 0)."""
    s = np.asarray(singular_values, dtype=np.float64)
    if s.size == 0:
        return float("nan")
    return float(s[0] / s[-1]) if s[-1] > 0 else float("inf")
