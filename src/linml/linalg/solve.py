"""Least squares and ridge: four solvers for ``min_b ‖X b − y‖² + alpha ‖b‖²``.

=============  ==========================================================  ==========================
method         solve                                                       relative error ~
=============  ==========================================================  ==========================
``cholesky``   ``(XᵀX + alpha I) b = Xᵀy`` by ``cho_factor``/``cho_solve``  ``cond(X)² · eps``
``qr``         ``X P = Q R``, ``R b_P = Qᵀ y`` (column-pivoted, economic)  ``cond(X) · eps``
``svd``        ``b = V diag(S / (S² + alpha)) Uᵀ y``, ``S > rcond · S[0]``  ``cond(X) · eps``
``gd``         ``b ← b − η (Xᵀ(X b − y) + alpha b)``, ``η = 1/(σ_max² + alpha)``  stops at ``tol``
=============  ==========================================================  ==========================

For wide ``X`` (p > n) the direct methods return the minimum-norm solution (QR of ``Xᵀ``;
the dual ``(X Xᵀ + alpha I)`` for Cholesky), as ``numpy.linalg.lstsq`` does.

>>> import numpy as np
>>> X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
>>> y = np.array([1.0, 2.0, 3.0])
>>> lstsq(X, y).coef
array([1., 1.])
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg as sla
from sklearn.exceptions import ConvergenceWarning

from linml._validation import check_array
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg._checks import (
    as_matrix,
    as_targets,
    check_nonneg,
    check_option,
    check_positive_int,
    check_tol,
)
from linml.linalg._spectrum import cond_from_spectrum
from linml.linalg.svd import _svd

__all__ = [
    "LSTSQ_METHODS",
    "LstsqResult",
    "RefinedLstsqResult",
    "lstsq",
    "lstsq_refined",
    "ridge_path_svd",
    "ridge_solve",
]

#: Solvers accepted by :func:`lstsq`.
LSTSQ_METHODS = ("cholesky", "qr", "svd", "gd")
#: Solvers accepted by :func:`ridge_solve`.
RIDGE_METHODS = ("auto", "cholesky", "svd")


@dataclass(frozen=True)
class LstsqResult:
    """Solution of a least-squares problem and what the solver learned about ``X``.

    Attributes
    ----------
    coef : ndarray of shape (p,) or (p, k)
        ``b``, matching ``y``'s (n,) or (n, k).
    rank : int
        Numerical rank of ``X`` (svd; qr from the pivoted ``R`` diagonal; cholesky and gd
        assume full rank, ``min(n, p)``).
    singular_values : ndarray of shape (min(n, p),) or None
        ``S`` when the solver computed it (svd), else None.
    condition_number : float or None
        ``cond(X) = S[0]/S[-1]`` (svd, gd: from singular values; cholesky: a LAPACK
        1-norm estimate ``sqrt(cond₁(XᵀX))``; qr: ``|R₀₀| / |R_rr|`` from the pivoted
        diagonal, a lower-bound-ish estimate); None when not computed.
    residual_norm : float or ndarray of shape (k,)
        ``‖X b − y‖₂`` (per column of ``y`` when 2-D).
    method : str
        The solver that produced ``coef`` (``'svd'`` after a QR fallback).
    n_iter : int or None
        Iterations (gd only).
    converged : bool
        False only when gd stopped at ``max_iter``.
    """

    coef: np.ndarray
    rank: int
    singular_values: np.ndarray | None
    condition_number: float | None
    residual_norm: float | np.ndarray
    method: str
    n_iter: int | None = None
    converged: bool = True


# ---------------------------------------------------------------------------- solvers (trusting)
def _solve_cholesky(X: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Normal equations ``(XᵀX + alpha I) b = Xᵀy`` (dual ``b = Xᵀ(XXᵀ + alpha I)⁻¹y`` if p > n).

    Returns ``b`` and an estimate of ``cond(X)²`` (LAPACK ``pocon`` on the Gram matrix).
    Raises ``np.linalg.LinAlgError`` if the Gram matrix is not positive definite, or is
    singular to working precision (estimated ``1/cond₁(G) <= eps``).
    """
    n, p = X.shape
    dual = p > n
    G = X @ X.T if dual else X.T @ X  # Gram matrix, (n, n) or (p, p)
    G = (G + G.T) / 2  # symmetrize: the GEMM result is symmetric only up to round-off
    G.flat[:: G.shape[0] + 1] += alpha
    c, lower = sla.cho_factor(G, check_finite=False)
    pocon = sla.get_lapack_funcs("pocon", (c,))
    rcond, _ = pocon(c, np.linalg.norm(G, 1), uplo="L" if lower else "U")
    cond_gram = 1.0 / rcond if rcond > 0 else math.inf
    if rcond <= np.finfo(G.dtype).eps:
        # the factorization "succeeded" only through round-off: G is singular to working precision
        raise np.linalg.LinAlgError(f"Gram matrix is numerically singular (rcond={rcond:.3g})")
    if dual:
        b = X.T @ sla.cho_solve((c, lower), y, check_finite=False)  # b = Xᵀ (XXᵀ + αI)⁻¹ y
    else:
        b = sla.cho_solve((c, lower), X.T @ y, check_finite=False)  # (XᵀX + αI) b = Xᵀy
    return b, cond_gram


def _qr_rank(R: np.ndarray, tol_rel: float) -> int:
    """Rank read off a column-pivoted R: diagonal entries above ``tol_rel · |R₀₀|``."""
    d = np.abs(np.diag(R))
    if d.size == 0 or d[0] == 0:
        return 0
    return int(np.sum(d > tol_rel * d[0]))


def _solve_qr(X: np.ndarray, y: np.ndarray, tol_rel: float) -> tuple[np.ndarray | None, int, float]:
    """Column-pivoted economic QR; returns (b or None when rank-deficient, rank, |R₀₀/R_rr|).

    Tall X is factored with its columns scaled to unit norm (rank and ``|R₀₀/R_rr|`` are
    those of the equilibrated X); wide X (minimum norm, not scale-invariant) as it is.
    """
    n, p = X.shape
    if n >= p:
        # equilibrate: rank is judged on X D⁻¹ (unit-norm columns; D powers of two, exact),
        # so columns whose units differ by 10¹⁰ do not look dependent
        d = _power_of_two_scales(np.linalg.norm(X, axis=0))
        Q, R, piv = sla.qr(X / d, mode="economic", pivoting=True, check_finite=False)
        rank = _qr_rank(R, tol_rel)  # X D⁻¹ P = Q R
        cond = float(abs(R[0, 0] / R[p - 1, p - 1])) if R[p - 1, p - 1] != 0 else math.inf
        if rank < p:
            return None, rank, cond
        z = sla.solve_triangular(R, Q.T @ y, check_finite=False)  # R z = Qᵀ y, z = (D b)[piv]
        b = np.empty_like(z)
        b[piv] = z
        return b / (d if b.ndim == 1 else d[:, None]), rank, cond
    # wide: minimum-norm solution from Xᵀ P = Q R  ⇒  Pᵀ X = Rᵀ Qᵀ,  b = Q R⁻ᵀ Pᵀ y
    Q, R, piv = sla.qr(X.T, mode="economic", pivoting=True, check_finite=False)
    rank = _qr_rank(R, tol_rel)
    cond = float(abs(R[0, 0] / R[n - 1, n - 1])) if R[n - 1, n - 1] != 0 else math.inf
    if rank < n:
        return None, rank, cond
    z = sla.solve_triangular(R, y[piv], trans="T", check_finite=False)  # Rᵀ z = Pᵀ y
    return Q @ z, rank, cond


def _solve_svd(
    X: np.ndarray, y: np.ndarray, alpha: float, rcond: float
) -> tuple[np.ndarray, int, np.ndarray]:
    """``b = V diag(f) Uᵀ y`` with ``f = S/(S² + alpha)`` on ``S > rcond·S[0]``, else 0."""
    U, S, Vt = _svd(X)
    keep = S > rcond * S[0] if S.size and S[0] > 0 else np.zeros(S.shape, dtype=bool)
    f = np.zeros_like(S)
    f[keep] = 1.0 / (S[keep] + alpha / S[keep])  # S/(S² + α), written so S² cannot underflow
    UTy = U.T @ y
    b = Vt.T @ (f[:, None] * UTy if y.ndim == 2 else f * UTy)
    return b, int(keep.sum()), S


def _solve_gd(
    X: np.ndarray, y: np.ndarray, alpha: float, step: float, tol: float, max_iter: int
) -> tuple[np.ndarray, int, bool]:
    """Gradient descent on ``½‖X b − y‖² + ½ alpha ‖b‖²`` from ``b = 0``."""
    p = X.shape[1]
    b = np.zeros((p, *y.shape[1:]), dtype=X.dtype)
    Xty = X.T @ y
    stop = tol * float(np.linalg.norm(Xty))
    for it in range(max_iter + 1):
        grad = X.T @ (X @ b) - Xty + alpha * b  # ∇ = Xᵀ(X b − y) + alpha b
        if float(np.linalg.norm(grad)) <= stop:
            return b, it, True
        if it == max_iter:
            break
        b -= step * grad
    return b, max_iter, False


# ---------------------------------------------------------------------------- public
def _residual_norm(X: np.ndarray, y: np.ndarray, b: np.ndarray) -> float | np.ndarray:
    r = X @ b - y
    if y.ndim == 1:
        return float(np.linalg.norm(r))
    return np.linalg.norm(r, axis=0)


def lstsq(
    X: Any,
    y: Any,
    method: str = "qr",
    *,
    rcond: float | None = None,
    alpha: float = 0.0,
    tol: float | None = None,
    max_iter: int | None = None,
) -> LstsqResult:
    """Solve ``min_b ‖X b − y‖² + alpha ‖b‖²`` by Cholesky, QR, SVD or gradient descent.

    Parameters
    ----------
    X : array-like of shape (n, p)
    y : array-like of shape (n,) or (n, k)
    method : {'qr', 'cholesky', 'svd', 'gd'}, default='qr'
        - ``'cholesky'``: normal equations ``(XᵀX + alpha I) b = Xᵀy`` (dual form when
          p > n). Squares the condition number: warns :class:`linml.NumericalWarning` when
          ``cond(X)² · eps > sqrt(eps)`` (i.e. more than half the digits may be lost;
          cond(X) ≳ 8e3 in float64, ≳ 54 in float32). Raises :class:`LinmlInputError` if the
          Gram matrix is not positive definite.
        - ``'qr'``: column-pivoted QR, ``X P = Q R``, ``R b_P = Qᵀ y``. If ``R``'s diagonal
          shows rank deficiency (``|R_ii| <= max(n, p)·eps·|R₀₀|``) it warns
          :class:`linml.NumericalWarning` and falls back to ``'svd'`` (``result.method``
          says so). ``alpha > 0`` is solved as OLS on ``[X; sqrt(alpha) I]``, ``[y; 0]``.
        - ``'svd'``: ``b = V diag(S/(S² + alpha)) Uᵀ y`` keeping ``S > rcond·S[0]``;
          returns the rank and singular values (minimum-norm solution).
        - ``'gd'``: gradient descent with step ``1/(σ_max² + alpha)`` (``σ_max`` from the
          SVD), stopping when ``‖∇‖ <= tol·‖Xᵀy‖``; warns
          :class:`sklearn.exceptions.ConvergenceWarning` at ``max_iter``.
    rcond : float or None
        Relative singular value cutoff for ``'svd'``; default ``max(n, p)·eps``.
    alpha : float, default=0.0
        Ridge penalty, >= 0.
    tol : float or None
        ``'gd'`` stopping tolerance; default ``max(1e-10, 100·eps)``.
    max_iter : int or None
        ``'gd'`` iteration cap; default 10 000.

    Returns
    -------
    LstsqResult

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    >>> y = np.array([1.0, 3.0, 5.0, 7.0])
    >>> res = lstsq(X, y, method="svd")
    >>> np.round(res.coef, 10), res.rank
    (array([1., 2.]), 2)
    >>> res = lstsq(X, y, method="gd")
    >>> np.round(res.coef, 6), res.converged
    (array([1., 2.]), True)
    """
    X = as_matrix(X)
    y = as_targets(y, X)
    check_option("method", method, LSTSQ_METHODS)
    check_nonneg("alpha", alpha)
    if rcond is not None:
        check_nonneg("rcond", rcond)
    check_tol("tol", tol)
    if max_iter is not None:
        max_iter = check_positive_int("max_iter", max_iter, low=0)
    n, p = X.shape
    eps = float(np.finfo(X.dtype).eps)
    alpha = float(alpha)

    if method == "cholesky":
        try:
            b, cond_gram = _solve_cholesky(X, y, alpha)
        except np.linalg.LinAlgError as e:
            side = "X Xᵀ" if p > n else "XᵀX"
            raise LinmlInputError(
                f"lstsq(method='cholesky'): {side} + alpha·I (alpha={alpha:g}) is not positive "
                "definite, so X is rank-deficient (e.g. collinear or constant columns) or too "
                "ill-conditioned to square. Use method='qr' or method='svd', or add alpha > 0."
            ) from e
        cond = math.sqrt(cond_gram)
        if cond_gram * eps > math.sqrt(eps):
            warnings.warn(
                f"lstsq(method='cholesky'): estimated cond(X)² = {cond_gram:.3g}, so the normal "
                f"equations may lose about {math.log10(cond_gram):.0f} of "
                f"{-math.log10(eps):.0f} digits (cond² · eps > sqrt(eps)). "
                "Use method='qr' or 'svd' for cond(X)·eps instead.",
                NumericalWarning,
                stacklevel=2,
            )
        return LstsqResult(b, min(n, p), None, cond, _residual_norm(X, y, b), "cholesky")

    if method == "qr":
        Xa, ya = X, y
        if alpha > 0:  # ridge as OLS on the augmented system [X; sqrt(α) I] b ≈ [y; 0]
            Xa = np.vstack([X, np.sqrt(alpha) * np.eye(p, dtype=X.dtype)])
            ya = np.concatenate([y, np.zeros((p, *y.shape[1:]), dtype=y.dtype)])
        b, rank, cond = _solve_qr(Xa, ya, max(Xa.shape) * eps)
        if b is not None:
            return LstsqResult(b, rank, None, cond, _residual_norm(X, y, b), "qr")
        warnings.warn(
            f"lstsq(method='qr'): X looks rank-deficient (pivoted R diagonal gives rank "
            f"{rank} < {min(Xa.shape)}); falling back to method='svd' (minimum-norm solution).",
            NumericalWarning,
            stacklevel=2,
        )
        method = "svd"

    if method == "svd":
        rc = max(n, p) * eps if rcond is None else float(rcond)
        b, rank, S = _solve_svd(X, y, alpha, rc)
        return LstsqResult(b, rank, S, cond_from_spectrum(S), _residual_norm(X, y, b), "svd")

    # method == "gd"
    tol = max(1e-10, 100 * eps) if tol is None else float(tol)
    max_iter = 10_000 if max_iter is None else max_iter
    S = sla.svdvals(X, check_finite=False)
    step = 1.0 / (float(S[0]) ** 2 + alpha) if S[0] > 0 else 1.0  # η = 1/L, L = σ_max² + α
    b, n_iter, converged = _solve_gd(X, y, alpha, step, tol, max_iter)
    if not converged:
        warnings.warn(
            f"lstsq(method='gd') did not converge in max_iter={max_iter} iterations "
            f"(tol={tol:g}); cond(X)² = {cond_from_spectrum(S) ** 2:.3g} sets the pace. Raise "
            "max_iter, add alpha, or use method='qr'.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return LstsqResult(
        b, min(n, p), S, cond_from_spectrum(S), _residual_norm(X, y, b), "gd", n_iter, converged
    )


# ---------------------------------------------------------------------------- ridge
def _check_alphas(alpha: Any, n_targets: int | None, name: str = "alpha") -> np.ndarray:
    """``alpha`` as a float64 array (scalar → shape ()); every entry finite and >= 0."""
    arr = np.asarray(alpha, dtype=np.float64) if not isinstance(alpha, str) else None
    if arr is None or arr.ndim > 1 or not np.isfinite(arr).all() or (arr < 0).any():
        raise LinmlInputError(
            f"{name}={alpha!r} must be a number >= 0 or a 1-D array of them "
            "(one per target column)."
        )
    if arr.ndim == 1 and n_targets is not None and arr.size not in (1, n_targets):
        raise LinmlInputError(
            f"{name} has {arr.size} entries but y has {n_targets} target columns; pass one "
            "alpha, or one per column."
        )
    return arr


def _ridge_svd(X: np.ndarray, y: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """``b = V diag(S/(S² + α)) Uᵀ y`` (works for any shape of X; α per column broadcasts)."""
    U, S, Vt = _svd(X)
    UTy = U.T @ y
    a = alphas if y.ndim == 1 else np.broadcast_to(alphas, (y.shape[1],))[None, :]
    S_ = S if y.ndim == 1 else S[:, None]
    f = _filter_factors(S_, a, _rank_cutoff(X.shape, S))  # f[i, j] = S_i / (S_i² + α_j)
    return Vt.T @ (f * UTy)


def _rank_cutoff(shape: tuple[int, int], S: np.ndarray) -> float:
    """Singular values at or below ``max(n, p)·eps·S[0]`` are treated as exactly zero."""
    return float(max(shape) * np.finfo(S.dtype).eps * (S[0] if S.size else 0.0))


def _filter_factors(S: np.ndarray, alphas: Any, cutoff: float) -> np.ndarray:
    """Ridge filter factors ``S / (S² + α)``, 0 for ``S <= cutoff`` (minimum norm at α = 0)."""
    keep = S > cutoff
    safe_S = np.where(keep, S, 1.0)
    f = 1.0 / (safe_S + alphas / safe_S)  # S/(S² + α), written so S² cannot underflow
    return np.where(keep, f, 0.0)


def ridge_solve(X: Any, y: Any, alpha: Any, *, method: str = "auto") -> np.ndarray:
    """Ridge coefficients: solve ``(XᵀX + alpha I) b = Xᵀy``.

    When p > n the dual form ``b = Xᵀ (X Xᵀ + alpha I)⁻¹ y`` is used (an n×n solve). No
    intercept is fitted: center ``X`` and ``y`` first if you want one.

    Parameters
    ----------
    X : array-like of shape (n, p)
    y : array-like of shape (n,) or (n, k)
    alpha : float or array-like of shape (k,)
        Penalty, >= 0; one per target column allowed.
    method : {'auto', 'cholesky', 'svd'}, default='auto'
        ``'cholesky'``: ``cho_factor`` of the (primal or dual) Gram matrix, one
        factorization per distinct alpha; raises :class:`LinmlInputError` if it is not
        positive definite (alpha = 0 with rank-deficient X). ``'svd'``:
        ``b = V diag(S/(S² + alpha)) Uᵀ y`` from one SVD, directions with
        ``S <= max(n, p)·eps·S[0]`` dropped (alpha = 0 gives the minimum-norm OLS solution). ``'auto'``: Cholesky, falling back to SVD with a
        :class:`linml.NumericalWarning` when the Gram matrix is not positive definite.

    Returns
    -------
    coef : ndarray of shape (p,) or (p, k)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> y = np.array([1.0, 2.0, 3.0])
    >>> np.round(ridge_solve(X, y, 1.0), 6)
    array([0.875, 1.375])
    """
    X = as_matrix(X)
    y = as_targets(y, X)
    check_option("method", method, RIDGE_METHODS)
    alphas = _check_alphas(alpha, y.shape[1] if y.ndim == 2 else None)
    if y.ndim == 1 and alphas.ndim == 1:
        if alphas.size != 1:
            raise LinmlInputError(
                f"alpha has {alphas.size} entries but y is 1-D (one target); pass one alpha."
            )
        alphas = alphas.reshape(())
    if method == "svd":
        return _ridge_svd(X, y, alphas).astype(X.dtype, copy=False)
    try:
        if alphas.ndim == 0 or np.all(alphas == alphas.flat[0]):
            b, _ = _solve_cholesky(X, y, float(alphas.flat[0]))
        else:  # one factorization per distinct alpha
            b = np.empty((X.shape[1], y.shape[1]), dtype=X.dtype)
            for a in np.unique(alphas):
                cols = np.flatnonzero(alphas == a)
                b[:, cols], _ = _solve_cholesky(X, y[:, cols], float(a))
        return b
    except np.linalg.LinAlgError as e:
        if method == "cholesky":
            raise LinmlInputError(
                f"ridge_solve(method='cholesky'): the Gram matrix + alpha·I (alpha={alpha!r}) "
                "is not positive definite; X is rank-deficient. Increase alpha or use "
                "method='svd'."
            ) from e
        warnings.warn(
            f"ridge_solve: Gram matrix + alpha·I (alpha={alpha!r}) is not positive definite "
            "(rank-deficient X); falling back to the SVD solution (minimum norm).",
            NumericalWarning,
            stacklevel=2,
        )
        return _ridge_svd(X, y, alphas).astype(X.dtype, copy=False)


def ridge_path_svd(X_or_svd: Any, y: Any, alphas: Any) -> np.ndarray:
    """Ridge coefficients for many alphas from ONE SVD (factor once, solve many).

    With ``X = U diag(S) Vt``: ``b(α) = Vtᵀ diag(S/(S² + α)) Uᵀ y``. ``Uᵀ y`` is formed
    once; each extra alpha costs only ``O(r·(p + k))`` (r = min(n, p)). Pass either ``X``
    or its (thin) SVD ``(U, S, Vt)``, e.g. from :func:`linml.linalg.svd`, so one
    factorization can serve several targets or CV folds' scoring.

    Parameters
    ----------
    X_or_svd : array-like of shape (n, p), or tuple (U (n, r), S (r,), Vt (r, p))
    y : array-like of shape (n,) or (n, k)
    alphas : array-like of shape (n_alphas,)
        Penalties, each >= 0. Directions with ``S <= max(n, p)·eps·S[0]`` get coefficient 0
        (so alpha = 0 gives the minimum-norm least-squares solution, as ``lstsq``).

    Returns
    -------
    coefs : ndarray of shape (n_alphas, p) or (n_alphas, p, k)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> y = np.array([1.0, 2.0, 3.0])
    >>> np.round(ridge_path_svd(X, y, [0.0, 1.0]), 6)
    array([[1.   , 2.   ],
           [0.875, 1.375]])
    """
    if isinstance(X_or_svd, tuple):
        if len(X_or_svd) != 3:
            raise LinmlInputError(
                f"X_or_svd as a tuple must be (U, S, Vt); got a tuple of {len(X_or_svd)}."
            )
        U = check_array(X_or_svd[0], name="U")
        S = check_array(X_or_svd[1], name="S", ensure_2d=False)
        Vt = check_array(X_or_svd[2], name="Vt")
        r = S.shape[0]
        if S.ndim != 1 or U.shape[1] != r or Vt.shape[0] != r:
            raise LinmlInputError(
                f"(U, S, Vt) shapes {U.shape}, {S.shape}, {Vt.shape} do not match a thin SVD "
                "(U (n, r), S (r,), Vt (r, p))."
            )
        X_like = U
    else:
        X_like = as_matrix(X_or_svd)
        U, S, Vt = _svd(X_like)
    y = as_targets(y, X_like)
    a = _check_alphas(alphas, None, name="alphas").reshape(-1)
    UTy = U.T @ y  # (r,) or (r, k), formed once
    cutoff = _rank_cutoff((U.shape[0], Vt.shape[1]), S)
    F = _filter_factors(S[None, :], a[:, None], cutoff)  # (n_alphas, r): S / (S² + α)
    if y.ndim == 1:
        return (F * UTy[None, :]) @ Vt  # (n_alphas, p)
    return np.einsum("ar,rk,rp->apk", F, UTy, Vt, optimize=True)  # (n_alphas, p, k)


# ---------------------------------------------------------------------------- certified digits
@dataclass(frozen=True)
class RefinedLstsqResult:
    """Least squares solved to the data's precision (:func:`lstsq_refined`).

    Attributes
    ----------
    coef : ndarray of shape (p, k) or None
        ``β``; None when the equilibrated design is rank-deficient (see ``dependent``).
    intercept : ndarray of shape (k,)
        ``b₀`` (zeros without ``fit_intercept``).
    rank : int
        Numerical rank of the column-equilibrated (centered) ``X``: for ``'qr'`` read off
        the pivoted ``R`` diagonal, ``|R_ii| > max(n, p) · eps · |R₀₀|``; ``p`` for
        ``'normal'`` (which raises ``LinAlgError`` instead when the Gram is not PD).
    dependent : tuple of int
        Columns of ``X`` the pivoting moved behind the rank (each nearly a combination of
        the others); empty when full rank.
    singular_values : ndarray of shape (p,) or None
        Singular values of the centered ``X`` (raw units), from ``R`` (``Xc = Q R Pᵀ D``);
        None for ``'normal'``.
    scaled_singular_values : ndarray of shape (p,) or None
        The same for ``Xc D⁻¹`` (columns scaled to unit norm); None for ``'normal'``.
    n_refine : int
        Refinement steps taken after the first solve.
    correction : float
        ``‖D δβ‖∞ / ‖D β‖∞`` of the last step: about how many digits are still moving
        (0 when no refinement ran, nan when rank-deficient).
    method : str
        ``'qr'`` or ``'normal'``.
    """

    coef: np.ndarray | None
    intercept: np.ndarray
    rank: int
    dependent: tuple[int, ...]
    singular_values: np.ndarray | None
    scaled_singular_values: np.ndarray | None
    n_refine: int
    correction: float
    method: str


_BLOCK_ROWS = 8192  # rows per block of the extended-precision residual (bounds the copy)
REFINE_METHODS = ("qr", "normal")


def _extended_dtype(dtype: Any) -> Any:
    """Residual precision: float64 for float32 work; ``longdouble`` (80-bit on x86) for float64."""
    return np.float64 if np.dtype(dtype) == np.float32 else np.longdouble


def _residual_ext(
    X: np.ndarray,
    Y: np.ndarray,
    b0: np.ndarray,
    B: np.ndarray,
    r: np.ndarray | None,
    intercept: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``f = Y − r − (1 b₀ᵀ + X B)`` and ``g = Aᵀ v`` (``A = [1 X]``; ``v = r``, or ``f`` if None).

    Computed in ``B``'s (extended) dtype. ``X`` and ``Y`` are exact data, so promoting a
    block of rows and multiplying there gives the residual of the *given* problem to
    extended precision. Returns ``f`` (n, k), ``g₀ = 1ᵀ v`` (k,), ``g₁ = Xᵀ v`` (p, k).
    """
    ext = B.dtype
    n = X.shape[0]
    f = np.empty((n, B.shape[1]), dtype=ext)
    g1 = np.zeros(B.shape, dtype=ext)
    for lo in range(0, n, _BLOCK_ROWS):
        hi = min(lo + _BLOCK_ROWS, n)
        Xb = X[lo:hi].astype(ext)
        f[lo:hi] = Y[lo:hi].astype(ext) - Xb @ B  # f = y − A x (− r below)
        if intercept:
            f[lo:hi] -= b0
        if r is not None:
            f[lo:hi] -= r[lo:hi]
        g1 += Xb.T @ (f[lo:hi] if r is None else r[lo:hi])
    g0 = (f if r is None else r).sum(axis=0)
    return f, g0, g1


class _Scaling:
    """``A = [1 X] = A_s T`` with ``A_s = [1/√n, Xc D⁻¹]`` and ``T = S M`` (both cheap to apply).

    ``M = [[1, x̄ᵀ], [0, I]]`` is the centering change of unknowns (``c₀ = b₀ + x̄ᵀβ``) and
    ``S = diag(√n, d)`` the column scales; without an intercept ``A = X = A_s D``.
    """

    def __init__(self, x_mean: np.ndarray, d: np.ndarray, n: int, intercept: bool, ext: Any):
        self.intercept = intercept
        self.c = int(intercept)
        self.s = np.concatenate([[math.sqrt(n)], d]) if intercept else d
        self.x_mean = x_mean.astype(ext)

    def adjoint_inv(self, g0: np.ndarray, g1: np.ndarray, dtype: Any) -> np.ndarray:
        """``T⁻ᵀ [g₀; g₁] = S⁻¹ [g₀; g₁ − x̄ g₀ᵀ]`` (rows: unknowns of ``A_s``)."""
        h = np.vstack([g0[None, :], g1 - np.outer(self.x_mean, g0)]) if self.intercept else g1
        return (h / self.s[:, None]).astype(dtype)

    def apply_inv(self, dw: np.ndarray, ext: Any) -> tuple[np.ndarray, np.ndarray]:
        """``T⁻¹ δw``: ``δβ = δz₁``, ``δb₀ = δz₀ − x̄ᵀ δβ`` with ``δz = S⁻¹ δw``."""
        dz = (dw / self.s[:, None]).astype(ext)
        dB = dz[self.c :]
        db0 = dz[0] - self.x_mean @ dB if self.intercept else np.zeros(dz.shape[1], dtype=ext)
        return db0, dB


def _power_of_two_scales(norms: np.ndarray) -> np.ndarray:
    """The power of two nearest each norm (1 for a zero column): dividing by it is exact."""
    safe = np.where(norms > 0, norms, 1.0)
    return np.where(norms > 0, np.exp2(np.round(np.log2(safe))), 1.0)


def _refine(step, X, Y, sc: _Scaling, b0, B, r, d, eps, max_refine):
    """Repeat ``x += T⁻¹ step(f, g)`` until ``‖D δβ‖∞ ≤ eps ‖D β‖∞`` or it stops contracting.

    Returns the steps taken and the last relative correction (0.0 when none ran).
    """
    last, size, n_refine = math.inf, 0.0, 0
    for n_refine in range(1, max_refine + 1):
        f, g0, g1 = _residual_ext(X, Y, b0, B, r, sc.intercept)
        dw, dr = step(f, g0, g1)
        db0, dB = sc.apply_inv(dw, B.dtype)
        B += dB
        b0 += db0
        if r is not None:
            r += dr
        # ‖D δβ‖∞ / ‖D β‖∞: the correction relative to the solution, in the scaled unknowns
        size = float(
            np.max(np.abs(dw[sc.c :])) / max(float(np.max(np.abs(B * d[:, None]))), 1e-300)
        )
        if size <= eps or (n_refine > 1 and size > 0.5 * last):  # done, or κ·eps too near 1
            break
        last = size
    return n_refine, size


def lstsq_refined(
    X: Any,
    y: Any,
    *,
    fit_intercept: bool = False,
    method: str = "qr",
    max_refine: int = 10,
    gram: np.ndarray | None = None,
    xty: np.ndarray | None = None,
    x_mean: np.ndarray | None = None,
    check_input: bool = True,
) -> RefinedLstsqResult:
    """``min ‖y − 1 b₀ − X β‖`` to the data's precision: equilibrated solve + refinement.

    1. **Center and equilibrate.** ``Xc = X − 1 x̄ᵀ`` (with ``fit_intercept``) and
       ``A_s = [1/√n, Xc D⁻¹]``, ``D = diag(d_j)`` with ``d_j`` the power of two nearest
       ``‖xc_j‖`` (exact scaling: no rounding). Rank and conditioning are judged on
       ``A_s``: columns whose raw scales differ by 10¹⁰ (a polynomial design) no longer
       look dependent.
    2. **Factor once.** ``'qr'``: pivoted QR ``A_s P = Q R``, rank from
       ``|R_ii| > max(n, p) · eps · |R₀₀|``. ``'normal'``: Cholesky of the centered Gram
       ``G = XcᵀXc`` (error ~ ``κ(A_s)² · eps`` before refinement; cheaper by the QR's
       ``2 n p²``).
    3. **Iterative refinement, residuals in extended precision** on the raw data
       ``A = [1 X]`` (``np.longdouble`` — 80-bit on x86 — for float64; float64 for
       float32). ``'qr'`` refines the augmented system (Björck 1967)::

           [ I   A ] [r]   [y]          f = y − r − A x,   g = −Aᵀ r
           [ Aᵀ  0 ] [x] = [0]

       solving each correction with the one factorization: ``h = T⁻ᵀ g`` (``T`` maps
       ``x = (b₀, β)`` to ``A_s``'s unknowns), ``u = R⁻ᵀ Pᵀ h``, ``t = Qᵀ f − u``,
       ``δw = P R⁻¹ t``, ``δr = f − Q t``, ``δx = T⁻¹ δw``. Refining ``r`` together with
       ``x`` is what fixes large-residual problems, where one QR solve leaves an error
       ~ ``κ² · eps · ‖r‖/(‖A‖‖x‖)``. ``'normal'`` refines the normal equations,
       ``δx = T⁻¹ (T⁻ᵀ AᵀA T⁻¹)⁻¹ T⁻ᵀ Aᵀ f`` with ``f = y − A x``. Both converge while
       (roughly) ``κ(A_s) · eps ≪ 1`` resp. ``κ(A_s)² · eps ≪ 1``, and stop when
       ``‖D δβ‖∞ ≤ eps · ‖D β‖∞``, when a step no longer halves the correction, or after
       ``max_refine`` steps.

    Parameters
    ----------
    X : array-like of shape (n, p), n ≥ p
    y : array-like of shape (n,) or (n, k)
    fit_intercept : bool, default=False
        Solve for ``b₀`` too (through centering; the intercept is refined with ``β``).
    method : {'qr', 'normal'}, default='qr'
    max_refine : int, default=10
        Most refinement steps after the first solve (0: no refinement).
    gram, xty : ndarray of shape (p, p) and (p, k), optional
        ``XcᵀXc`` and ``XcᵀYc`` when already formed (``'normal'`` only; both or neither).
    x_mean : ndarray of shape (p,), optional
        Column means of ``X`` when already computed (with ``fit_intercept``).
    check_input : bool, default=True
        Validate ``X`` and ``y`` (finite, 2-D, matching rows). Estimators that validated at
        their own boundary pass False, with ``X`` a float array and ``y`` of its dtype.

    Returns
    -------
    RefinedLstsqResult
        ``coef`` is (p, k) (y is promoted to 2-D); None when rank-deficient.

    Raises
    ------
    numpy.linalg.LinAlgError
        ``'normal'`` when the Gram matrix is not positive definite.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(-9.0, -3.0, 30)
    >>> X = np.column_stack([x**k for k in range(1, 8)])  # column scales 1 … 5e6
    >>> y = 1.0 + X @ np.ones(7)
    >>> res = lstsq_refined(X, y, fit_intercept=True)
    >>> res.rank, np.round(res.coef[:, 0], 6), np.round(res.intercept, 6)
    (7, array([1., 1., 1., 1., 1., 1., 1.]), array([1.]))
    """
    if check_input:
        X = as_matrix(X)
        y = as_targets(y, X)
    Y = y.reshape(y.shape[0], -1)  # (n, k)
    check_option("method", method, REFINE_METHODS)
    max_refine = check_positive_int("max_refine", max_refine, low=0)
    n, p = X.shape
    if n < p:
        raise LinmlInputError(
            f"lstsq_refined needs n_samples >= n_features; got X of shape {X.shape}. Use "
            "lstsq(method='svd') for the minimum-norm solution of a wide problem."
        )
    dtype = X.dtype
    eps = float(np.finfo(dtype).eps)
    ext = _extended_dtype(dtype)
    c = int(fit_intercept)  # the ones column, first in A_s
    k = Y.shape[1]
    if not fit_intercept:
        x_mean = np.zeros(p, dtype=dtype)
    elif x_mean is None:
        x_mean = X.mean(axis=0)
    b0 = np.zeros(k, dtype=ext)
    B = np.zeros((p, k), dtype=ext)

    if method == "normal":
        if (gram is None) != (xty is None):
            raise LinmlInputError("lstsq_refined: pass gram and xty together (or neither).")
        if gram is None:
            Xc = X - x_mean if fit_intercept else X
            gram, xty = Xc.T @ Xc, Xc.T @ (Y - Y.mean(axis=0) if fit_intercept else Y)
        d = _power_of_two_scales(np.sqrt(np.clip(np.diag(gram), 0.0, None)))
        sc = _Scaling(x_mean, d, n, fit_intercept, ext)
        # Cholesky of D⁻¹ G D⁻¹ (the Gram of A_s without its ones column, which has Gram 1)
        cho = sla.cho_factor(gram / np.outer(d, d), lower=True, check_finite=False)
        # first solve in working precision: D⁻¹ G D⁻¹ (D β) = D⁻¹ XcᵀYc, b₀ = ȳ − x̄ᵀβ
        B[:] = sla.cho_solve(cho, xty / d[:, None], check_finite=False) / d[:, None]
        if fit_intercept:
            b0[:] = Y.mean(axis=0) - x_mean @ B.astype(dtype)

        def step(f, g0, g1):
            h = sc.adjoint_inv(g0, g1, dtype)  # T⁻ᵀ Aᵀ f
            dw = h.copy()  # the ones direction has Gram 1 in A_s
            dw[c:] = sla.cho_solve(cho, h[c:], check_finite=False)
            return dw, None

        n_refine, size = _refine(step, X, Y, sc, b0, B, None, d, eps, max_refine)
        return RefinedLstsqResult(
            B.astype(dtype), b0.astype(dtype), p, (), None, None, n_refine, size, method
        )

    As = np.empty((n, p + c), dtype=dtype)
    As[:, c:] = X - x_mean if fit_intercept else X
    d = _power_of_two_scales(np.linalg.norm(As[:, c:], axis=0))
    As[:, c:] /= d  # exact: powers of two
    if fit_intercept:
        As[:, 0] = 1.0 / math.sqrt(n)
    sc = _Scaling(x_mean, d, n, fit_intercept, ext)
    Q, R, piv = sla.qr(As, mode="economic", pivoting=True, check_finite=False)  # A_s P = Q R
    diag = np.abs(np.diag(R))
    rank = int(np.sum(diag > max(n, p) * eps * diag[0])) if diag.size and diag[0] > 0 else 0
    RP = np.empty_like(R)
    RP[:, piv] = R  # R Pᵀ, so A_s = Q (R Pᵀ)
    S_scaled = sla.svdvals(RP[:, c:], check_finite=False)  # σ(Xc D⁻¹)
    S_raw = sla.svdvals(RP[:, c:] * d, check_finite=False)  # σ(Xc) = σ((R Pᵀ)[:, c:] D)
    if rank < p + c:
        dependent = tuple(int(j) - c for j in piv[rank:] if j >= c)
        zeros = np.zeros(k, dtype=dtype)
        return RefinedLstsqResult(
            None, zeros, rank - c, dependent, S_raw, S_scaled, 0, math.nan, method
        )

    def step(f, g0, g1):
        h = sc.adjoint_inv(-g0, -g1, dtype)  # T⁻ᵀ g with g = −Aᵀ r
        u = sla.solve_triangular(R, h[piv], trans="T", check_finite=False)  # Rᵀ u = Pᵀ h
        f_w = f.astype(dtype)
        t = Q.T @ f_w - u
        dw = np.empty_like(t)
        dw[piv] = sla.solve_triangular(R, t, check_finite=False)  # R Pᵀ δw = t
        return dw, f_w - Q @ t  # δr = f − Q t

    r = np.zeros((n, k), dtype=ext)
    n_refine, size = _refine(step, X, Y, sc, b0, B, r, d, eps, max_refine + 1)  # 1st = solve
    return RefinedLstsqResult(
        B.astype(dtype), b0.astype(dtype), p, (), S_raw, S_scaled, n_refine - 1, size, method
    )
