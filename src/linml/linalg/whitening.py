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
from linml.linalg.eigen import _eigh_sorted, _symmetrize

__all__ = ["WHITENING_METHODS", "whitening_matrix"]

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
    lam, V = _eigh_sorted(_symmetrize(cov, "cov"))
    lam = np.maximum(lam, 0.0) + eps  # clip round-off negatives, then regularize
    if lam[-1] <= 0:
        raise LinmlInputError(
            f"cov is singular (smallest eigenvalue {lam[-1]:.3g}) and eps={eps!r}, so "
            "1/sqrt(λ + eps) is infinite; pass eps > 0 (e.g. 1e-8) or drop constant features."
        )
    inv_sqrt = 1.0 / np.sqrt(lam)  # diag(1/sqrt(λ + eps))
    Wpca = inv_sqrt[:, None] * V.T  # diag(1/sqrt(λ+eps)) Vᵀ
    if method == "pca":
        return Wpca
    W = V @ Wpca  # V diag(1/sqrt(λ+eps)) Vᵀ
    return (W + W.T) / 2  # symmetrize: the product is symmetric only up to round-off
