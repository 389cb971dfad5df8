"""How trustworthy is a matrix? Condition number, numerical and effective rank, null space,
and the groups of collinear columns that make a regression ill-posed.

All of it is read off the singular values ``S`` (descending) and right singular vectors
``Vt`` of ``X``:

- ``cond(X) = S[0] / S[-1]`` — relative error amplification of a least-squares solve;
- ``rank(X) = #{S > tol}``, ``tol = max(n, p)·eps·S[0]`` by default (as NumPy);
- ``erank(X) = exp(H(q))``, ``q = S / sum(S)`` (Roy & Vetterli 2007);
- the null space is spanned by the rows of ``Vt`` beyond the rank; each null vector ``v``
  is a combination ``X v ≈ 0`` of columns, which :func:`collinear_groups` reports in words.

>>> import numpy as np
>>> X = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
>>> numerical_rank(X).rank, condition_number(X)
(1, inf)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg as sla

from linml.exceptions import LinmlInputError
from linml.linalg._checks import as_matrix, check_tol, fix_column_signs
from linml.linalg.svd import _svd

__all__ = [
    "CollinearGroup",
    "RankResult",
    "collinear_groups",
    "condition_number",
    "effective_rank",
    "null_space",
    "numerical_rank",
]


def _svdvals(X: np.ndarray) -> np.ndarray:
    return sla.svdvals(X, check_finite=False)


def _default_rank_tol(X: np.ndarray, S: np.ndarray) -> float:
    """NumPy's ``matrix_rank`` cutoff: ``max(n, p) · eps · S[0]``."""
    return float(max(X.shape) * np.finfo(X.dtype).eps * (S[0] if S.size else 0.0))


def condition_number(X: Any) -> float:
    """2-norm condition number ``cond(X) = S[0] / S[-1]`` (``inf`` when ``X`` is singular).

    ``S[-1]`` is the smallest of the ``min(n, p)`` singular values, so a wide matrix with
    full row rank has a finite condition number (that of its row space). ``X`` counts as
    singular — ``inf`` — when it is numerically rank-deficient at the default tolerance of
    :func:`numerical_rank` (``S[-1] <= max(n, p)·eps·S[0]``), where the ratio would only
    measure round-off.

    Parameters
    ----------
    X : array-like of shape (n, p)

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> condition_number(np.diag([10.0, 2.0, 0.5]))
    20.0
    """
    X = as_matrix(X)
    S = _svdvals(X)
    if S[-1] <= _default_rank_tol(X, S):
        return math.inf
    return float(S[0] / S[-1])


@dataclass(frozen=True)
class RankResult:
    """Numerical rank and the cutoff that defined it.

    Attributes
    ----------
    rank : int
        ``#{i : S[i] > tol}``.
    tol : float
        The absolute cutoff used.
    singular_values : ndarray of shape (min(n, p),)
    """

    rank: int
    tol: float
    singular_values: np.ndarray


def numerical_rank(X: Any, tol: float | None = None) -> RankResult:
    """Numerical rank: the number of singular values above ``tol``.

    Parameters
    ----------
    X : array-like of shape (n, p)
    tol : float or None
        Absolute cutoff on the singular values; default ``max(n, p) · eps · S[0]`` (NumPy's
        ``matrix_rank``), with eps of ``X``'s dtype. For noisy data pass something like
        ``1e-6 * S[0]``.

    Returns
    -------
    RankResult

    Examples
    --------
    >>> import numpy as np
    >>> res = numerical_rank(np.array([[1.0, 1.0], [1.0, 1.0 + 1e-12]]))
    >>> res.rank
    2
    >>> numerical_rank(np.array([[1.0, 1.0], [1.0, 1.0 + 1e-12]]), tol=1e-9).rank
    1
    """
    X = as_matrix(X)
    check_tol("tol", tol)
    S = _svdvals(X)
    cut = _default_rank_tol(X, S) if tol is None else float(tol)
    return RankResult(int(np.sum(S > cut)), cut, S)


def effective_rank(X: Any = None, *, singular_values: Any = None) -> float:
    """Entropy effective rank ``exp(H(q))``, ``q = S / sum(S)`` (Roy & Vetterli 2007).

    ``H(q) = −sum q_i log q_i`` over the non-zero ``q_i``. It is a real number between 1
    and ``rank(X)``: ``k`` equal singular values give exactly ``k``; a fast-decaying
    spectrum gives close to 1. A zero matrix gives 0.

    Parameters
    ----------
    X : array-like of shape (n, p), optional
    singular_values : array-like of shape (r,), optional
        Give these instead of ``X`` when you already have them (exactly one of the two).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> round(effective_rank(np.eye(3)), 10)
    3.0
    >>> round(effective_rank(singular_values=[1.0, 1.0, 0.0]), 10)
    2.0
    """
    if (X is None) == (singular_values is None):
        raise LinmlInputError("effective_rank needs exactly one of X or singular_values.")
    if X is not None:
        S = _svdvals(as_matrix(X)).astype(np.float64)
    else:
        S = np.asarray(singular_values, dtype=np.float64)
        if S.ndim != 1 or not np.isfinite(S).all() or (S < 0).any():
            raise LinmlInputError(
                "singular_values must be a 1-D array of finite numbers >= 0; got "
                f"{np.asarray(singular_values)!r}."
            )
    total = float(S.sum())
    if total == 0:
        return 0.0
    q = S[S > 0] / total
    return float(np.exp(-np.sum(q * np.log(q))))


def null_space(X: Any, tol: float | None = None) -> np.ndarray:
    """Orthonormal basis ``N`` of the null space ``{v : X v = 0}``.

    The rows of ``Vt`` (full SVD) whose singular value is at most ``tol`` (absolute;
    default ``max(n, p) · eps · S[0]``, as :func:`numerical_rank`), transposed; column
    signs fixed (largest-|.| entry positive).

    Parameters
    ----------
    X : array-like of shape (n, p)
    tol : float or None

    Returns
    -------
    N : ndarray of shape (p, p − rank), ``X N ≈ 0``, ``Nᵀ N = I``

    Examples
    --------
    >>> import numpy as np
    >>> N = null_space(np.array([[1.0, 2.0], [2.0, 4.0]]))
    >>> np.round(N, 6)
    array([[ 0.894427],
           [-0.447214]])
    """
    X = as_matrix(X)
    check_tol("tol", tol)
    n, p = X.shape
    _, S, Vt = _svd(X, full_matrices=n < p)  # need all p right vectors only when n < p
    cut = _default_rank_tol(X, S) if tol is None else float(tol)
    rank = int(np.sum(S > cut))
    return fix_column_signs(np.ascontiguousarray(Vt[rank:].T))


# ---------------------------------------------------------------------------- collinear groups
@dataclass(frozen=True)
class CollinearGroup:
    """A set of columns with a combination ``X[:, columns] @ coefficients (+ intercept) ≈ 0``.

    Attributes
    ----------
    columns : tuple of int
        Column indices of ``X`` involved, ascending.
    names : tuple of str
        Their names.
    coefficients : ndarray of shape (len(columns),)
        The near-null combination ``v``, scaled so the largest |.| (intercept included) is 1.
    residual : float
        ``‖X_a v‖₂ / ‖X_a‖_F`` — how exact the relation is (``X_a`` is ``X``, with a column
        of ones prepended when ``with_intercept``).
    dependent : int
        The column written on the left of ``__str__`` (expressed by the others).
    intercept : float
        Coefficient of the constant column (0 unless ``with_intercept=True``).

    ``str(group)`` reads like ``"x3 ≈ 0.5·x1 + 2·x2"``.
    """

    columns: tuple[int, ...]
    names: tuple[str, ...]
    coefficients: np.ndarray
    residual: float
    dependent: int
    intercept: float = 0.0

    def __str__(self) -> str:
        dep_pos = self.columns.index(self.dependent)
        c_dep = float(self.coefficients[dep_pos])
        terms: list[tuple[float, str]] = []
        if self.intercept != 0.0:
            terms.append((-self.intercept / c_dep, ""))
        for pos, name in enumerate(self.names):
            if pos != dep_pos:
                terms.append((-float(self.coefficients[pos]) / c_dep, name))
        out = ""
        for i, (c, name) in enumerate(terms):
            mag = f"{abs(c):.3g}"
            body = mag if not name else (name if mag == "1" else f"{mag}·{name}")
            if i == 0:
                out = ("-" if c < 0 else "") + body
            else:
                out += (" - " if c < 0 else " + ") + body
        return f"{self.names[dep_pos]} ≈ {out or '0'}"


def _choose_pivots(M: np.ndarray) -> list[int]:
    """Pick m well-conditioned columns of the (m, q) null-basis rows, preferring LATE columns.

    Greedy Gram–Schmidt: at each step the eligible columns are those whose residual (after
    removing the pivots chosen so far) is at least 0.1× the largest; the last eligible one
    is taken, so later columns are expressed through earlier ones ("x3 ≈ x1 + x2").
    """
    m = M.shape[0]
    R = M.copy()
    piv: list[int] = []
    for _ in range(m):
        norms = np.linalg.norm(R, axis=0)
        norms[piv] = 0.0
        j = int(np.flatnonzero(norms >= 0.1 * norms.max())[-1])
        piv.append(j)
        u = R[:, j] / norms[j]
        R -= np.outer(u, u @ R)  # project the chosen direction out of every column
    return piv


def collinear_groups(
    X: Any,
    *,
    tol: float | None = None,
    feature_names: Sequence[str] | None = None,
    with_intercept: bool = False,
) -> list[CollinearGroup]:
    """Find (near-)linear relations among the columns of ``X`` and say them in words.

    Columns are first scaled to unit norm (``X_s = X D⁻¹``) so units do not matter. Right
    singular vectors of ``X_s`` with ``S_i <= tol · S[0]`` span the near-null space
    ``N`` (q, m). Its basis is rotated to reduced echelon form ``B = N_P⁻¹ Nᵀ`` on ``m``
    pivot columns (later columns preferred), so each row of ``B`` expresses one pivot
    ("dependent") column through non-pivot columns only. Each row's support
    (``|B_ij| > sqrt(tol) · max|B_i|``) is one group; its coefficients are then refit by
    least squares on that support and mapped back to ``X``'s units (``v = D⁻¹ v_s``).

    Parameters
    ----------
    X : array-like of shape (n, p)
    tol : float or None
        Relative singular value cutoff in (0, 1). Default ``sqrt(eps)`` (≈1.5e-8 in
        float64) finds exact relations; ``1e-3`` or ``1e-2`` also finds near ones.
    feature_names : sequence of str, optional
        Names for ``str(group)``; default ``x0, x1, …``.
    with_intercept : bool, default=False
        Treat a column of ones as present (as a model with an intercept would), so constant
        columns and dummy-variable traps (dummies summing to 1) are reported
        (``"d2 ≈ 1 - d0 - d1"``). Without it, a constant column is an ordinary column and
        only an all-zero column is degenerate on its own (``"x2 ≈ 0"``).

    Returns
    -------
    list of CollinearGroup
        One per independent relation, ordered by dependent column; empty when X has full
        column rank at this tolerance.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 3))
    >>> X = np.column_stack([X, 0.5 * X[:, 0] + 2 * X[:, 1]])
    >>> [str(g) for g in collinear_groups(X)]
    ['x3 ≈ 0.5·x0 + 2·x1']
    """
    X = as_matrix(X)
    n, p = X.shape
    if tol is not None and not (isinstance(tol, (int, float)) and 0 < tol < 1):
        raise LinmlInputError(
            f"tol={tol!r} must be a relative cutoff in (0, 1), e.g. 1e-3 for near-collinearity."
        )
    if feature_names is None:
        names = [f"x{j}" for j in range(p)]
    else:
        names = [str(s) for s in feature_names]
        if len(names) != p:
            raise LinmlInputError(
                f"feature_names has {len(names)} entries but X has {p} columns; give one per column."
            )
    eps = float(np.finfo(X.dtype).eps)
    tol = math.sqrt(eps) if tol is None else float(tol)

    off = 1 if with_intercept else 0
    Xa = np.hstack([np.ones((n, 1), dtype=X.dtype), X]) if with_intercept else X  # (n, q)
    q = Xa.shape[1]
    col_norm = np.linalg.norm(Xa, axis=0)
    scale = np.where(col_norm > 0, col_norm, 1.0)
    Xs = Xa / scale  # unit-norm columns: X_s = X_a D⁻¹
    _, S, Vt = _svd(Xs, full_matrices=n < q)
    S_full = np.zeros(q)
    S_full[: S.size] = S
    null = S_full <= tol * S_full[0] if S_full[0] > 0 else np.ones(q, dtype=bool)
    if not null.any():
        return []
    M = Vt[null]  # (m, q): orthonormal rows spanning the near-null space
    piv = _choose_pivots(M)
    B = sla.solve(M[:, piv], M, check_finite=False)  # (m, q) echelon form, B[:, piv] = I
    support_tol = math.sqrt(tol)
    norm_Xa = float(np.linalg.norm(Xa))

    groups = []
    for i, dep in enumerate(piv):
        row = B[i]
        support = np.flatnonzero(np.abs(row) > support_tol * np.max(np.abs(row)))
        others = [j for j in support if j != dep]
        v_s = np.zeros(q)
        v_s[dep] = 1.0
        if others:
            # refit the relation x_dep ≈ −X_s[:, others] c by least squares on its support
            c = np.linalg.lstsq(Xs[:, others], -Xs[:, dep], rcond=None)[0]
            v_s[others] = c
        v = v_s / scale  # back to X's units: X_a v = X_s v_s
        v /= np.max(np.abs(v))
        residual = float(np.linalg.norm(Xa @ v)) / norm_Xa if norm_Xa > 0 else 0.0
        cols = sorted(j - off for j in support if j >= off)
        if dep < off:  # the intercept itself came out as the dependent one: report the next
            dep = others[-1]
        groups.append(
            CollinearGroup(
                columns=tuple(int(j) for j in cols),
                names=tuple(names[j] for j in cols),
                coefficients=np.array([v[j + off] for j in cols]),
                residual=residual,
                dependent=int(dep - off),
                intercept=float(v[0]) if with_intercept else 0.0,
            )
        )
    return sorted(groups, key=lambda g: g.dependent)
