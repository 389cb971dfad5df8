"""Orthogonal projections and Gram–Schmidt orthonormalization.

The projection of ``y`` onto ``col(A)`` is ``ŷ = Q Qᵀ y`` for an orthonormal basis ``Q`` of
``col(A)`` (from a QR factorization — never ``A (AᵀA)⁻¹ Aᵀ``); the residual ``y − ŷ`` is
orthogonal to every column of ``A``. That orthogonality *is* least squares.

>>> import numpy as np
>>> p, r = project_onto_vector(np.array([2.0, 1.0]), np.array([1.0, 0.0]))
>>> p, r
(array([2., 0.]), array([0., 1.]))
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg as sla

from linml._validation import check_array, check_same_length
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg._checks import as_matrix, as_targets, check_tol
from linml.linalg.solve import _qr_rank, _solve_svd

__all__ = ["ProjectionResult", "gram_schmidt", "project_onto_columns", "project_onto_vector"]


def project_onto_vector(y: Any, v: Any) -> tuple[np.ndarray, np.ndarray]:
    """Project ``y`` onto the line spanned by ``v``: ``ŷ = (vᵀy / vᵀv) v``.

    Parameters
    ----------
    y : array-like of shape (n,) or (n, k)
        With (n, k), each column is projected.
    v : array-like of shape (n,), non-zero

    Returns
    -------
    projection : ndarray, shape of ``y``
    residual : ndarray, ``y − projection`` (orthogonal to ``v``)

    Examples
    --------
    >>> import numpy as np
    >>> p, r = project_onto_vector(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    >>> p, r
    (array([1.5, 1.5]), array([-0.5,  0.5]))
    """
    v = check_array(v, name="v", ensure_2d=False)
    if v.ndim != 1:
        raise LinmlInputError(f"v must be a vector (n,); got shape {v.shape}.")
    y = check_array(y, name="y", ensure_2d=False, dtype=v.dtype)
    if y.ndim not in (1, 2):
        raise LinmlInputError(f"y must be (n,) or (n, k); got shape {y.shape}.")
    check_same_length(v, y, x_name="v", y_name="y")
    vv = float(v @ v)
    if vv == 0:
        raise LinmlInputError("v is the zero vector, which spans no line; pass a non-zero v.")
    coef = (v @ y) / vv  # vᵀy / vᵀv, scalar or (k,)
    proj = np.multiply.outer(v, coef) if y.ndim == 2 else coef * v
    return proj, y - proj


@dataclass(frozen=True)
class ProjectionResult:
    """Projection of ``y`` onto ``col(A)``.

    Attributes
    ----------
    projection : ndarray, shape of ``y``
        ``ŷ = Q Qᵀ y``.
    residual : ndarray, shape of ``y``
        ``y − ŷ``, orthogonal to every column of ``A``.
    coef : ndarray of shape (p,) or (p, k)
        ``c`` with ``A c = ŷ`` (minimum-norm when ``A`` is rank-deficient).
    rank : int
        Numerical rank of ``A`` (columns of ``Q`` used).
    """

    projection: np.ndarray
    residual: np.ndarray
    coef: np.ndarray
    rank: int


def project_onto_columns(y: Any, A: Any) -> ProjectionResult:
    """Orthogonal projection of ``y`` onto the column space of ``A`` via QR.

    Column-pivoted QR ``A P = Q R``; with ``r`` the numerical rank (``|R_ii| >
    max(n, p)·eps·|R₀₀|``), ``ŷ = Q_r Q_rᵀ y`` and ``R_r c_P = Q_rᵀ y``. When ``A`` is
    rank-deficient (``r < p``) the coefficients are not unique: the minimum-norm ``c``
    (SVD) is returned with a :class:`linml.NumericalWarning`.

    Parameters
    ----------
    y : array-like of shape (n,) or (n, k)
    A : array-like of shape (n, p)

    Returns
    -------
    ProjectionResult

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> res = project_onto_columns(np.array([1.0, 2.0, 3.0]), A)
    >>> res.projection, res.residual, res.coef
    (array([1., 2., 0.]), array([0., 0., 3.]), array([1., 2.]))
    """
    A = as_matrix(A, name="A")
    y = as_targets(y, A)
    n, p = A.shape
    eps = float(np.finfo(A.dtype).eps)
    Q, R, piv = sla.qr(A, mode="economic", pivoting=True, check_finite=False)  # A P = Q R
    rank = _qr_rank(R, max(n, p) * eps)
    Qr = Q[:, :rank]
    proj = Qr @ (Qr.T @ y)  # ŷ = Q_r Q_rᵀ y
    if rank == p:
        z = sla.solve_triangular(R, Q.T @ y, check_finite=False)  # R c_P = Qᵀ y
        coef = np.empty_like(z)
        coef[piv] = z
    else:
        warnings.warn(
            f"project_onto_columns: A has rank {rank} < {p} columns, so the coefficients are "
            "not unique; returning the minimum-norm ones (the projection itself is unique).",
            NumericalWarning,
            stacklevel=2,
        )
        coef = _solve_svd(A, y, 0.0, max(n, p) * eps)[0]
    return ProjectionResult(proj, y - proj, coef, rank)


def gram_schmidt(A: Any, *, reorthogonalize: bool = True, tol: float | None = None) -> np.ndarray:
    """Orthonormal basis of ``col(A)`` by modified Gram–Schmidt, twice if asked.

    Column ``j`` is normalized, ``q_j = v_j / ‖v_j‖``, and its component is removed from
    every later column at once, ``V[:, j+1:] −= q_j (q_jᵀ V[:, j+1:])`` (modified GS). With
    ``reorthogonalize=True``, before normalizing, ``v_j`` is orthogonalized once more
    against all earlier ``q``: ``v_j −= Q (Qᵀ v_j)`` — "twice is enough" (Giraud et al.,
    2005) for orthogonality to working precision.

    A column whose remainder is small, ``‖v_j‖ <= tol · ‖a_j‖`` (default
    ``tol = max(n, p)·eps``), is linearly dependent on the previous ones: it is dropped,
    with one :class:`linml.NumericalWarning` naming the dropped columns, so ``Q`` has
    ``rank(A)`` columns (zero columns are always dropped).

    Parameters
    ----------
    A : array-like of shape (n, p)
    reorthogonalize : bool, default=True
    tol : float or None

    Returns
    -------
    Q : ndarray of shape (n, r), ``Qᵀ Q = I``, ``col(Q) = col(A)``

    Examples
    --------
    >>> import numpy as np
    >>> Q = gram_schmidt(np.array([[1.0, 1.0], [0.0, 1.0]]))
    >>> Q
    array([[1., 0.],
           [0., 1.]])
    """
    A = as_matrix(A, name="A")
    check_tol("tol", tol)
    n, p = A.shape
    tol = max(n, p) * float(np.finfo(A.dtype).eps) if tol is None else float(tol)
    V = np.array(A, copy=True, order="F")  # columns are updated in place
    col_norm = np.linalg.norm(A, axis=0)
    kept: list[int] = []
    dropped: list[int] = []
    for j in range(p):
        v = V[:, j]
        if reorthogonalize and kept:
            Qk = V[:, kept]
            v -= Qk @ (Qk.T @ v)  # second pass: v −= Q (Qᵀ v)
        nrm = float(np.linalg.norm(v))
        if nrm <= tol * col_norm[j] or nrm == 0.0:
            dropped.append(j)
            continue
        v /= nrm  # q_j
        kept.append(j)
        if j + 1 < p:
            V[:, j + 1 :] -= np.outer(v, v @ V[:, j + 1 :])  # MGS: remove q_j from later columns
    if dropped:
        warnings.warn(
            f"gram_schmidt: column(s) {dropped} of A are linearly dependent on earlier columns "
            f"(remainder <= tol={tol:.3g} relative) and were dropped; Q has {len(kept)} of {p} "
            "columns.",
            NumericalWarning,
            stacklevel=2,
        )
    return np.ascontiguousarray(V[:, kept])
