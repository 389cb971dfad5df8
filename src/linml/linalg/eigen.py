"""Symmetric eigendecomposition (sorted, sign-fixed) and power iteration.

``A = V diag(w) Vᵀ`` for symmetric ``A``: eigenvalues come back DESCENDING and each
eigenvector's largest-|.| component is positive, so results are deterministic.

>>> import numpy as np
>>> w, V = eigh_sorted(np.array([[2.0, 1.0], [1.0, 2.0]]))
>>> w
array([3., 1.])
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg as sla
from scipy.sparse.linalg import LinearOperator, aslinearoperator

from linml._validation import check_array, check_random_state
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg._checks import as_square, check_positive_int, check_tol, fix_column_signs

__all__ = ["PowerIterationResult", "eigh_sorted", "power_iteration"]


def _symmetrize(A: np.ndarray, name: str = "A") -> np.ndarray:
    """``(A + Aᵀ)/2``, warning when ``A`` was far from symmetric (not just round-off)."""
    scale = float(np.max(np.abs(A))) if A.size else 0.0
    asym = float(np.max(np.abs(A - A.T))) if A.size else 0.0
    eps = np.finfo(A.dtype).eps
    if scale > 0 and asym > np.sqrt(eps) * scale:
        warnings.warn(
            f"{name} is not symmetric (max |{name} − {name}ᵀ| = {asym:.3g}, "
            f"{asym / scale:.3g} relative); using its symmetric part ({name} + {name}ᵀ)/2.",
            NumericalWarning,
            stacklevel=3,
        )
    # symmetrize: round-off makes Gram/covariance matrices slightly asymmetric; eigh reads one triangle
    return (A + A.T) / 2


def _eigh_sorted(A: np.ndarray, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """eigh of a trusted symmetric array; top-k by index; descending; signs fixed."""
    n = A.shape[0]
    if k is None or k >= n:
        w, V = sla.eigh(A, check_finite=False)
    else:
        w, V = sla.eigh(A, subset_by_index=[n - k, n - 1], check_finite=False)
    w, V = w[::-1], V[:, ::-1]  # LAPACK returns ascending
    return w.copy(), fix_column_signs(np.ascontiguousarray(V))


def eigh_sorted(A: Any, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Eigendecomposition ``A = V diag(w) Vᵀ`` of a symmetric matrix, descending.

    ``A`` is symmetrized first (``(A + Aᵀ)/2``; a :class:`linml.NumericalWarning` is
    raised if it was asymmetric beyond ``sqrt(eps)`` relative). With ``k``, only the top
    ``k`` eigenpairs are computed (LAPACK ``subset_by_index``). Each eigenvector's
    largest-|.| component is positive.

    Parameters
    ----------
    A : array-like of shape (n, n)
    k : int or None, default=None
        Number of leading eigenpairs, ``1 <= k <= n``; None for all.

    Returns
    -------
    w : ndarray of shape (k,) or (n,), descending
    V : ndarray of shape (n, k) or (n, n), orthonormal columns, ``A V = V diag(w)``

    Examples
    --------
    >>> import numpy as np
    >>> w, V = eigh_sorted(np.diag([1.0, 5.0, 3.0]), k=2)
    >>> w
    array([5., 3.])
    >>> V
    array([[0., 0.],
           [1., 0.],
           [0., 1.]])
    """
    A = as_square(A)
    if k is not None:
        k = check_positive_int("k", k, high=A.shape[0])
    return _eigh_sorted(_symmetrize(A), k)


# ---------------------------------------------------------------------------- power iteration
@dataclass(frozen=True)
class PowerIterationResult:
    """Dominant eigenpair from :func:`power_iteration`.

    Attributes
    ----------
    eigenvalue : float
        Rayleigh quotient ``vᵀ A v`` (largest |λ|).
    eigenvector : ndarray of shape (n,)
        Unit norm, largest-|.| component positive.
    n_iter : int
        Iterations run.
    converged : bool
        Whether ``residual <= tol``.
    residual : float
        ``‖A v − λ v‖ / max(|λ|, tiny)``.
    """

    eigenvalue: float
    eigenvector: np.ndarray
    n_iter: int
    converged: bool
    residual: float


def _power_iteration(
    A: LinearOperator, v: np.ndarray, tol: float, max_iter: int
) -> tuple[float, np.ndarray, int, bool, float]:
    """Iterate ``v ← A v / ‖A v‖`` until the eigen-residual is below ``tol``."""
    tiny = np.finfo(v.dtype).tiny
    lam, residual, it = 0.0, np.inf, 0
    Av = np.asarray(A.matvec(v)).ravel()
    for it in range(1, max_iter + 1):
        lam = float(v @ Av)  # Rayleigh quotient λ = vᵀ A v (‖v‖ = 1)
        residual = float(np.linalg.norm(Av - lam * v)) / max(abs(lam), tiny)
        if residual <= tol:
            return lam, v, it, True, residual
        norm = float(np.linalg.norm(Av))
        if norm == 0.0:  # v is in the null space: A v = 0 is an eigenpair with λ = 0
            return 0.0, v, it, True, 0.0
        v = Av / norm
        Av = np.asarray(A.matvec(v)).ravel()
    return lam, v, it, False, residual


def power_iteration(
    A: Any,
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
    random_state: Any = None,
) -> PowerIterationResult:
    """Dominant eigenpair (largest |λ|) of a square matrix by power iteration.

    ``v_{t+1} = A v_t / ‖A v_t‖`` from a random unit start; the eigenvalue is the
    Rayleigh quotient ``λ = vᵀ A v`` and the iteration stops when the relative residual
    ``‖A v − λ v‖ / |λ|`` is at most ``tol``. The error shrinks like ``|λ₂/λ₁|^t``, so a
    small spectral gap means many iterations. ``tol`` is floored at ``100·eps`` of the
    working dtype (float32 cannot reach 1e-10). Warns :class:`linml.NumericalWarning` when
    ``max_iter`` is reached first.

    Parameters
    ----------
    A : array-like of shape (n, n) or LinearOperator
        Best for symmetric matrices (real dominant eigenvalue).
    tol : float, default=1e-10
    max_iter : int, default=1000
    random_state : int, RandomState or None
        Seed for the starting vector.

    Returns
    -------
    PowerIterationResult

    Examples
    --------
    >>> import numpy as np
    >>> res = power_iteration(np.array([[2.0, 1.0], [1.0, 2.0]]), random_state=0)
    >>> round(res.eigenvalue, 8), np.round(res.eigenvector, 6), res.converged
    (3.0, array([0.707107, 0.707107]), True)
    """
    if isinstance(A, LinearOperator):
        op = A
        dtype = np.dtype(np.float32 if np.dtype(A.dtype) == np.float32 else np.float64)
    else:
        A = check_array(A, name="A", accept_sparse=("csr", "csc", "coo"))
        dtype = A.dtype
        op = aslinearoperator(A)
    if len(op.shape) != 2 or op.shape[0] != op.shape[1]:
        raise LinmlInputError(f"A must be square (n, n); got shape {op.shape}.")
    check_tol("tol", tol, allow_none=False)
    max_iter = check_positive_int("max_iter", max_iter)
    rng = check_random_state(random_state)
    v = rng.standard_normal(op.shape[0]).astype(dtype)
    v /= np.linalg.norm(v)
    tol_eff = max(float(tol), 100 * np.finfo(dtype).eps)
    lam, v, n_iter, converged, residual = _power_iteration(op, v, tol_eff, max_iter)
    if not converged:
        warnings.warn(
            f"power_iteration did not converge in max_iter={max_iter} iterations (relative "
            f"residual {residual:.3g} > tol={tol_eff:.3g}); the two largest |eigenvalues| are "
            "probably close. Raise max_iter or use eigh_sorted(A, k=1).",
            NumericalWarning,
            stacklevel=2,
        )
    v = fix_column_signs(np.asarray(v).reshape(-1, 1)).ravel()
    return PowerIterationResult(float(lam), v, n_iter, bool(converged), float(residual))
