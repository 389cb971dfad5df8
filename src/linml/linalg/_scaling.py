"""Exact power-of-two rescaling for data at the edges of float64 (private; issue 17).

Multiplying by ``2^k`` (``np.ldexp``) changes only the exponent, so it is exact (unless it
lands in subnormals). A scale-invariant computation run on ``A · 2^(−e)`` and unscaled
afterwards gives the answer for ``A`` itself where ``AᵀA`` would overflow (entries ≳ 1e150)
or underflow (≲ 1e-150). Algorithms that are not scale-invariant (a penalty, a fixed
kernel width) cannot do this and raise with :func:`check_squares_finite` instead.

>>> import numpy as np
>>> A = np.array([[3e300, 1e300]])
>>> e = global_exponent(A)
>>> e, float(np.ldexp(A, -e).max().round(3))
(999, 0.56)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from linml.exceptions import LinmlInputError

__all__ = [
    "check_representable",
    "check_squares_finite",
    "global_exponent",
    "ldexp_checked",
    "max_abs",
    "row_exponents",
    "safe_range",
]


def safe_range(dtype: Any = np.float64) -> tuple[float, float]:
    """``[lo, hi]`` of ``max |entry|`` whose squares summed over ~2²⁴ terms stay normal.

    float64: ``[2^-498, 2^500] ≈ [1e-150, 3e150]``; float32: ``[2^-51, 2^52]``.
    """
    fi = np.finfo(np.dtype(dtype) if np.dtype(dtype).kind == "f" else np.float64)
    return 2.0 ** (fi.minexp // 2 + 12), 2.0 ** (fi.maxexp // 2 - 12)


def max_abs(A: Any) -> float:
    """``max |entry|`` of a dense or sparse array (0 when empty)."""
    if sp.issparse(A):
        data = A.data
        return float(np.max(np.abs(data))) if data.size else 0.0
    A = np.asarray(A)
    # max(max A, −min A): two reductions, no |A| temporary (as large as A)
    return float(max(A.max(), -A.min())) if A.size else 0.0


def global_exponent(*arrays: Any) -> int:
    """``e`` with ``max |entry| · 2^(−e)`` in [0.5, 1) — or 0 when already in :func:`safe_range`.

    One exponent for all ``arrays`` (e.g. ``X`` and ``Y`` of a distance), so relations
    between them are kept.
    """
    present = [a for a in arrays if a is not None]
    big = max((max_abs(a) for a in present), default=0.0)
    dtype = present[0].dtype if present else np.float64
    lo, hi = safe_range(dtype)
    if big == 0.0 or lo <= big <= hi:
        return 0
    return int(np.frexp(big)[1])


def row_exponents(A: np.ndarray) -> np.ndarray:
    """Per-row ``e_i`` with ``max_j |A_ij| · 2^(−e_i)`` in [0.5, 1) (0 for zero rows)."""
    amax = np.max(np.abs(A), axis=1) if A.size else np.zeros(A.shape[0])
    e = np.frexp(amax)[1].astype(np.int64)
    e[amax == 0] = 0
    return e


def ldexp_checked(A: Any, e: int, what: str, fix: str) -> Any:
    """``A · 2^e`` (exact), raising :class:`LinmlInputError` when it overflows float64.

    Underflow to (sub)normal values or 0 is the correctly rounded answer and allowed.
    """
    if e == 0:
        return A
    with np.errstate(over="ignore", under="ignore"):
        out = np.ldexp(A, e)
    if not np.all(np.isfinite(out)):
        raise LinmlInputError(f"{what} overflows float64; {fix}")
    return out.astype(np.asarray(A).dtype, copy=False) if np.ndim(out) else out


def check_representable(A: Any, what: str, fix: str) -> None:
    """Raise when ``A`` has inf/NaN entries that came from overflow of finite input."""
    if not np.all(np.isfinite(A)):
        raise LinmlInputError(f"{what} overflows float64; {fix}")


def check_squares_finite(X: Any, who: str, name: str = "X", *, tiny: bool = False) -> None:
    """Raise when ``X``'s squares overflow (or, with ``tiny``, underflow) in a Gram/kernel.

    For methods that are not scale-invariant (a penalty, a kernel width): they cannot
    rescale internally without changing the problem, so the user must.
    """
    big = max_abs(X)
    lo, hi = safe_range(getattr(X, "dtype", np.float64))
    if big > hi:
        raise LinmlInputError(
            f"{who}: {name} has entries up to {big:.3g}, so large that their squares overflow "
            f"float64; rescale {name} (e.g. StandardScaler) before fitting."
        )
    if tiny and 0.0 < big < lo:
        raise LinmlInputError(
            f"{who}: {name} has entries no larger than {big:.3g}, so small that their squares "
            f"underflow float64; rescale {name} (e.g. StandardScaler) before fitting."
        )
