"""Shared pieces of the least-squares estimators: centering, the Gram route, conditioning.

Private to :mod:`linml.linear_model` (LinearRegression, Ridge, RidgeCV use it); the solvers
themselves are :func:`linml.linalg.lstsq` and LAPACK calls.

Centering without a copy
------------------------
With an intercept the problem is solved on the centered design ``Xc = X − 1 x̄ᵀ``. Its
Gram matrix needs no centered copy of ``X`` (which for a 200 000 × 200 design is 320 MB of
memory traffic)::

    Xcᵀ Xc = Xᵀ X − n x̄ x̄ᵀ          Xcᵀ Yc = Xᵀ Yc     (since 1ᵀ Yc = 0)

The subtraction cancels digits when a column's mean dominates its spread: the relative
rounding error of ``(Xcᵀ Xc)_jj`` grows by ``(Xᵀ X)_jj / (Xcᵀ Xc)_jj = 1 + x̄_j² / var_j``.
When that factor exceeds :data:`CANCELLATION_LIMIT` for any column (about one digit), the
copy is made and centered explicitly instead.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.linalg as sla

from linml._base import Explanation
from linml.linalg._scaling import safe_range

__all__ = [
    "CANCELLATION_LIMIT",
    "center",
    "centered_gram",
    "cholesky_is_safe",
    "cond_from_singular_values",
    "digits_lost",
    "gram_singular_values",
    "output_coef",
    "ridge_alpha_for_condition",
    "safe_scales",
]

#: Largest cancellation factor max_j (XᵀX)_jj / (XcᵀXc)_jj accepted for the copy-free Gram.
CANCELLATION_LIMIT = 16.0


def center(
    X: np.ndarray, Y: np.ndarray, fit_intercept: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``Xc = X − 1 x̄ᵀ``, ``Yc = Y − 1 ȳᵀ`` (copies) and the means (zeros without intercept)."""
    if not fit_intercept:
        return (
            X,
            Y,
            np.zeros(X.shape[1], dtype=X.dtype),
            np.zeros(Y.shape[1], dtype=Y.dtype),
        )
    x_mean = X.mean(axis=0)
    y_mean = Y.mean(axis=0)
    return X - x_mean, Y - y_mean, x_mean, y_mean


def centered_gram(
    X: np.ndarray, Yc: np.ndarray, fit_intercept: bool, x_mean: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``G = XcᵀXc`` (p, p), ``XcᵀYc`` (p, k) and ``x̄``, copying ``X`` only when needed.

    ``Yc`` must already be centered when ``fit_intercept``; ``x_mean`` may be passed when
    already computed (saves a pass over X). See the module notes for the cancellation rule
    deciding between ``XᵀX − n x̄x̄ᵀ`` and an explicit centered copy.
    """
    n = X.shape[0]
    if not fit_intercept:
        G = X.T @ X  # one SYRK
        return _symmetrize(G), X.T @ Yc, np.zeros(X.shape[1], dtype=X.dtype)
    if x_mean is None:
        x_mean = X.mean(axis=0)
    G = X.T @ X  # XᵀX (numpy calls SYRK for a transposed self-product)
    raw_diag = np.diag(G).copy()
    G -= n * np.outer(x_mean, x_mean)  # XcᵀXc = XᵀX − n x̄x̄ᵀ
    centered_diag = np.diag(G)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(raw_diag > 0, raw_diag / centered_diag, 1.0)
    if np.all((factor >= 1.0 - 1e-6) & (factor <= CANCELLATION_LIMIT)):
        return _symmetrize(G), X.T @ Yc, x_mean  # XcᵀYc = XᵀYc because 1ᵀYc = 0
    Xc = X - x_mean  # a column mean dominates its spread: center explicitly
    return _symmetrize(Xc.T @ Xc), Xc.T @ Yc, x_mean


def _symmetrize(G: np.ndarray) -> np.ndarray:
    # symmetrize: the product is symmetric only up to round-off and eigh/cholesky assume it
    G += G.T
    G *= 0.5
    return G


def gram_singular_values(G: np.ndarray) -> np.ndarray:
    """Singular values of ``X`` from its Gram ``G = XᵀX``: ``σ = sqrt(eigvalsh(G))``, descending.

    Eigenvalues below ``eps·λ_max`` are round-off; they are clipped at zero.
    """
    w = sla.eigh(G, eigvals_only=True, check_finite=False)[::-1]
    return np.sqrt(np.clip(w, 0.0, None))


def cond_from_singular_values(S: np.ndarray | None) -> float:
    """``κ = σ_max / σ_min`` (``inf`` when the smallest is zero; 1.0 for an empty spectrum)."""
    if S is None or S.size == 0:
        return 1.0
    if S[-1] <= 0:
        return math.inf
    return float(S[0] / S[-1])


def cholesky_is_safe(cond: float, dtype: Any) -> bool:
    """The normal equations keep at least half the working digits: ``κ² · eps ≤ sqrt(eps)``.

    That is ``κ ≤ eps^(-1/4)``: about 8.2e3 in float64 and 54 in float32.
    """
    eps = float(np.finfo(dtype).eps)
    return math.isfinite(cond) and cond * cond * eps <= math.sqrt(eps)


def digits_lost(cond: float | None) -> float | None:
    """``log10 κ`` — decimal digits a backward-stable solve can lose to conditioning."""
    if cond is None:
        return None
    if not math.isfinite(cond):
        return math.inf
    return float(math.log10(max(cond, 1.0)))


def ridge_alpha_for_condition(S: np.ndarray, target: float) -> float:
    """The λ with ``sqrt((σ_max² + λ)/(σ_min² + λ)) = target``: ``(σ_max² − t²σ_min²)/(t² − 1)``."""
    t2 = float(target) ** 2
    return max((float(S[0]) ** 2 - t2 * float(S[-1]) ** 2) / (t2 - 1.0), 0.0)


def output_coef(
    B: np.ndarray,
    x_mean: np.ndarray,
    y_mean: np.ndarray,
    y_ndim: int,
    fit_intercept: bool,
    intercept: np.ndarray | None = None,
) -> tuple[np.ndarray, Any]:
    """scikit-learn's shapes: ``coef_`` (p,) and a float intercept for 1-D ``y``; else (k, p), (k,).

    The intercept is ``ȳ − x̄ᵀβ`` per target (0 without ``fit_intercept``), unless a solver
    that refined it together with β passes it as ``intercept`` (k,).
    """
    if intercept is None:
        intercept = (y_mean - x_mean @ B) if fit_intercept else np.zeros(B.shape[1], dtype=B.dtype)
    if y_ndim == 1:
        return B[:, 0].copy(), float(intercept[0])
    return np.ascontiguousarray(B.T), intercept


def add_conditioning_facts(
    expl: Explanation,
    *,
    S: np.ndarray | None,
    cond: float | None,
    rank: int | None,
    n_features: int,
    dtype: Any,
) -> None:
    """Rank vs p, κ and the digits it costs, the spectrum — the facts every LS model shares."""
    eps = float(np.finfo(dtype).eps)
    if rank is not None:
        verdict = "full column rank" if rank == n_features else "rank-deficient"
        expl.add(
            "rank",
            f"{rank} of {n_features} features",
            f"{verdict}: {n_features - rank} direction(s) of coefficient space are not "
            "determined by the data"
            if rank < n_features
            else verdict,
        )
    if cond is not None:
        lost = digits_lost(cond)
        expl.add(
            "condition number κ(X)",
            cond,
            f"a backward-stable solve loses about log10 κ ≈ {lost:.1f} of "
            f"{-math.log10(eps):.0f} digits; the normal equations lose 2·log10 κ ≈ "
            f"{2 * lost:.1f}"
            if math.isfinite(lost)
            else "X is singular: some combination of features is (numerically) constant",
        )
    if S is not None and S.size:
        expl.add(
            "singular values of centered X",
            S,
            "σ_i: how strongly X stretches each principal direction; small σ_i are the "
            "directions where noise in y is amplified by 1/σ_i",
        )


# ---------------------------------------------------------------------------- extreme scales
def safe_scales(A: np.ndarray) -> np.ndarray | None:
    """Per-column exponents ``e_j`` such that ``a_j · 2^(−e_j)`` has ``max|entry| ≈ 1``.

    None when every column's largest ``|entry|`` is already in
    :func:`linml.linalg._scaling.safe_range` (the common case: nothing is copied);
    ``e_j = 0`` for columns that are. Scaling by a power of two (``np.ldexp``) is exact, so
    a scale-invariant solve on the scaled ``A`` followed by unscaling returns the answer for
    ``A`` itself, where ``AᵀA`` would overflow (entries ≳ 1e150) or underflow into
    subnormals (≲ 1e-150). Exponents, not factors: ``2^e`` itself may not be representable
    when combined (``2^1030 · 2^-990``).
    """
    # per-column max |a_ij| without an |A| temporary (it would be as large as A)
    amax = np.maximum(A.max(axis=0), -A.min(axis=0)) if A.size else np.zeros(A.shape[1:])
    lo, hi = safe_range(A.dtype)
    extreme = (amax > 0) & ((amax < lo) | (amax > hi))
    if not extreme.any():
        return None
    e = np.zeros(amax.shape, dtype=np.int64)
    e[extreme] = np.frexp(amax[extreme])[1]  # amax = m · 2^e, 0.5 ≤ m < 1
    return e
