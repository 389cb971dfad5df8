"""Whitening matrices: ``W`` with ``W Σ Wᵀ ≈ I``, from the eigendecomposition of ``Σ``.

With ``Σ = V diag(λ) Vᵀ`` (eigh, descending):

- PCA whitening ``W = diag(1/sqrt(λ + eps)) Vᵀ`` — rotate onto the principal axes, then
  rescale each to unit variance;
- ZCA (Mahalanobis) whitening ``W = V diag(1/sqrt(λ + eps)) Vᵀ = (Σ + eps I)^{-1/2}`` —
  the symmetric choice, the whitened data stays as close as possible to the original.

Apply to centered data as ``Z = (X − mean) @ W.T``. ``eps`` regularizes tiny eigenvalues
(directions with no variance would otherwise be blown up).

>>> import numpy as np
>>> W = whitening_matrix(np.diag([4.0, 1.0]), method="zca", eps=0.0)
>>> W
array([[0.5, 0. ],
       [0. , 1. ]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from linml.exceptions import LinmlInputError
from linml.linalg._checks import as_square, check_nonneg, check_option
from linml.linalg._scaling import global_exponent, ldexp_checked
from linml.linalg.eigen import _eigh_sorted, _symmetrize

__all__ = [
    "WHITENING_METHODS",
    "check_psd",
    "dewhitening_gains",
    "whitening_from_spectrum",
    "whitening_matrix",
]

#: Methods accepted by :func:`whitening_matrix`.
WHITENING_METHODS = ("pca", "zca")


def whitening_matrix(cov: Any, method: str = "pca", eps: float = 1e-8) -> np.ndarray:
    """Whitening matrix ``W`` for a covariance ``Σ`` (``W (Σ + eps I) Wᵀ = I``).

    Parameters
    ----------
    cov : array-like of shape (p, p)
        Symmetric positive semi-definite (symmetrized first; round-off negative eigenvalues
        are clipped to 0).
    method : {'pca', 'zca'}, default='pca'
        ``'pca'``: ``W = diag(1/sqrt(λ + eps)) Vᵀ`` (rows are principal axes, largest
        variance first). ``'zca'``: ``W = V diag(1/sqrt(λ + eps)) Vᵀ`` (symmetric).
    eps : float, default=1e-8
        Added to every eigenvalue; must be > 0 when ``cov`` is singular.

    Returns
    -------
    W : ndarray of shape (p, p)

    Examples
    --------
    >>> import numpy as np
    >>> cov = np.array([[2.0, 1.0], [1.0, 2.0]])
    >>> W = whitening_matrix(cov, "pca", eps=0.0)
    >>> bool(np.allclose(W @ cov @ W.T, np.eye(2)))
    True
    """
    check_option("method", method, WHITENING_METHODS)
    check_nonneg("eps", eps)
    cov = as_square(cov, name="cov")
    # whitening is scale-equivariant: W(4^e Σ') = 2^(−e) W(Σ' + eps 4^(−e)); factor the
    # scaled Σ' (exact powers of two) when Σ's entries would over/underflow — issue 17
    e2 = global_exponent(cov)
    e2 += e2 % 2
    cov_s = np.ldexp(cov, -e2).astype(cov.dtype, copy=False) if e2 else cov
    lam, V = _eigh_sorted(_symmetrize(cov_s, "cov"))
    check_psd(lam, "cov")
    return whitening_from_spectrum(lam, V, method, eps, e2 // 2, who="cov")


def check_psd(lam: np.ndarray, name: str) -> None:
    """Raise when a descending spectrum has an eigenvalue below round-off of PSD."""
    if lam.size == 0:
        return
    tol = 10 * lam.size * np.finfo(lam.dtype).eps * max(float(np.abs(lam).max()), 0.0)
    if lam[-1] < -tol:
        raise LinmlInputError(
            f"{name} is not positive semi-definite: its smallest eigenvalue is {lam[-1]:.3g} "
            f"(largest {lam[0]:.3g}), beyond round-off; a covariance matrix has none below 0, "
            f"so whitening it is meaningless. Pass a covariance such as np.cov(X, rowvar=False)."
        )


def _gains(lam: np.ndarray, eps: float, e: int, sign: int, who: str) -> np.ndarray:
    """``(λ 4^e + eps)^(sign/2)`` from the spectrum ``λ`` of ``Σ / 4^e``, without over/underflow.

    ``= 2^(sign·e) (λ + eps 4^(−e))^(sign/2)``; when ``eps 4^(−e)`` overflows, ``λ 4^e`` is
    negligible next to ``eps`` and the gain is ``eps^(sign/2)``.
    """
    lam = np.maximum(lam, 0.0)  # clip round-off negatives
    with np.errstate(over="ignore", under="ignore"):
        eps_s = float(np.ldexp(eps, -2 * e)) if e else float(eps)
    if not np.isfinite(eps_s):
        return np.full_like(lam, float(eps) ** (sign / 2))
    d = lam + eps_s  # regularize
    if d[-1] <= 0:
        raise LinmlInputError(
            f"{who} is singular (smallest eigenvalue {d[-1]:.3g}) and eps={eps!r}, so "
            "1/sqrt(λ + eps) is infinite; pass eps > 0 (e.g. 1e-8) or drop constant features."
        )
    g = np.sqrt(d) if sign > 0 else 1.0 / np.sqrt(d)
    what = f"{who} has entries so {'small' if e * sign < 0 else 'large'} that the whitening map"
    return ldexp_checked(g, sign * e, what, "rescale the data (e.g. StandardScaler) first.")


def whitening_from_spectrum(
    lam: np.ndarray, V: np.ndarray, method: str, eps: float, e: int = 0, *, who: str = "cov"
) -> np.ndarray:
    """``W`` for ``Σ = 4^e V diag(λ) Vᵀ`` (``λ`` descending): PCA ``D^{-1/2} Vᵀ`` or ZCA.

    ``D = diag(λ 4^e + eps)``; the exponent form lets callers factor a rescaled Σ.
    """
    inv_sqrt = _gains(lam, eps, e, -1, who)  # diag(1/sqrt(λ + eps))
    Wpca = inv_sqrt[:, None] * V.T  # diag(1/sqrt(λ+eps)) Vᵀ
    if method == "pca":
        return Wpca
    W = V @ Wpca  # V diag(1/sqrt(λ+eps)) Vᵀ
    return (W + W.T) / 2  # symmetrize: the product is symmetric only up to round-off


def dewhitening_gains(lam: np.ndarray, eps: float, e: int = 0, *, who: str = "cov") -> np.ndarray:
    """``sqrt(λ 4^e + eps)``, the gains of ``W⁻¹`` (see :func:`whitening_from_spectrum`)."""
    return _gains(lam, eps, e, 1, who)
