"""How trustworthy is a matrix? Condition number, numerical and effective rank, null space,
and the groups of collinear columns that make a regression ill-posed.

All of it is read off the singular values ``S`` (descending) and right singular vectors
``Vt`` of ``X``:

- ``cond(X) = S[0] / S[-1]`` — relative error amplification of a least-squares solve;
- ``rank(X) = #{S > tol}``, ``tol = max(n, p)·eps·S[0]`` by default (as NumPy);
- ``erank(X) = exp(H(q))``, ``q = S / sum(S)`` (Roy & Vetterli 2007);
- the null space is spanned by the rows of ``Vt`` beyond the rank; each null vector ``v``
  is a combination ``X v ≈ 0`` of columns, which :func:`collinear_groups` reports in words;
- the statistician's diagnostics: variance inflation factors ``VIF_j = 1 / (1 − R_j²)``
  (:func:`variance_inflation_factors`) and Belsley–Kuh–Welsch condition indices with
  variance-decomposition proportions (:func:`condition_indices`).

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
from linml.linalg._spectrum import effective_rank_from_spectrum
from linml.linalg.svd import _svd

__all__ = [
    "CollinearGroup",
    "ConditionIndices",
    "NearDependency",
    "RankResult",
    "collinear_groups",
    "condition_indices",
    "condition_number",
    "effective_rank",
    "null_space",
    "numerical_rank",
    "variance_inflation_factors",
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
    return effective_rank_from_spectrum(S)


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


def _column_names(feature_names: Any, p: int) -> list[str]:
    """``feature_names`` as p strings (``x0 … x{p-1}`` when None); the count is checked."""
    if feature_names is None:
        return [f"x{j}" for j in range(p)]
    names = [str(s) for s in feature_names]
    if len(names) != p:
        raise LinmlInputError(
            f"feature_names has {len(names)} entries but X has {p} columns; give one per column."
        )
    return names


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
    names = _column_names(feature_names, p)
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
        # the dependent column (B[i, dep] = 1) always belongs to its own relation: with
        # pivots picked at 0.1× the largest norm, max|B_i| reaches 10, above 1/support_tol
        # for tol > 1e-2, and the threshold alone would drop it (issue 12: IndexError)
        in_support = np.abs(row) > support_tol * np.max(np.abs(row))
        in_support[dep] = True
        support = np.flatnonzero(in_support)
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


# ---------------------------------------------------------------------------- VIF and BKW
def variance_inflation_factors(X: Any, *, center: bool = True) -> np.ndarray:
    """Variance inflation factors ``VIF_j = 1 / (1 − R_j²)`` of the columns of ``X``.

    ``R_j²`` is the coefficient of determination of regressing column ``j`` on all the
    others (with an intercept when ``center``): ``VIF_j`` is the factor by which
    collinearity inflates the variance of the ``j``-th least-squares coefficient. Rule of
    thumb: ``VIF ≥ 10`` (``R_j² ≥ 0.9``) is a problem.

    With ``z_j = (x_j − x̄_j) / ‖x_j − x̄_j‖`` the correlation matrix is ``R = ZᵀZ``, and
    by the Schur complement of ``R``'s ``(j, j)`` entry ``(R⁻¹)_jj = 1 / (1 − R_j²)``.
    From the SVD ``Z = U S Vᵀ``, ``R⁻¹ = V S⁻² Vᵀ`` and so

        ``VIF_j = Σ_k V_jk² / S_k²``,

    which neither forms ``R`` (that would square the condition number) nor inverts it.
    A column with a component in the exact null space of ``Z`` (``S_k ≤ max(n, p)·eps·S[0]``
    and ``Σ_{null k} V_jk² > sqrt(eps)``) is an exact combination of the others: ``inf``.

    Parameters
    ----------
    X : array-like of shape (n, p)
    center : bool, default=True
        Subtract column means first (the VIF of a model with an intercept, as statsmodels'
        ``variance_inflation_factor`` with a constant column). ``False`` takes the columns
        as they are: the uncentered VIF of a model without intercept — or the centered
        one, when ``X`` is any matrix with the Gram matrix of the centered data (e.g. the
        ``R`` factor of a QR of the centered columns).

    Returns
    -------
    vif : ndarray of shape (p,), float64
        ``≥ 1`` (1 for a column orthogonal to the others); ``inf`` for exact dependence;
        ``nan`` for a column with zero (centered) norm, where ``R_j²`` is undefined.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b, e = rng.standard_normal((3, 200))
    >>> vif = variance_inflation_factors(np.column_stack([a, b, a + b + 0.1 * e]))
    >>> bool(vif.min() > 50), variance_inflation_factors(np.column_stack([a, 2 * a]))
    (True, array([inf, inf]))
    """
    X = as_matrix(X).astype(np.float64, copy=False)
    n, p = X.shape
    C = X - X.mean(axis=0) if center else X
    norms = np.linalg.norm(C, axis=0)
    ok = norms > 0
    vif = np.full(p, np.nan)
    if not ok.any():
        return vif
    Z = C[:, ok] / norms[ok]  # unit-length columns: ZᵀZ is the correlation matrix
    k = Z.shape[1]
    _, S, Vt = _svd(Z, full_matrices=n < k)  # all k right vectors, also when n < k
    S_full = np.zeros(k)
    S_full[: S.size] = S
    null = S_full <= max(n, k) * np.finfo(np.float64).eps * S_full[0]
    V = Vt.T  # (k, k)
    # VIF_j = Σ_k V_jk² / S_k² over the non-null directions
    out = (V[:, ~null] ** 2) @ (1.0 / S_full[~null] ** 2)
    in_null = (V[:, null] ** 2).sum(axis=1) > math.sqrt(np.finfo(np.float64).eps)
    out[in_null] = math.inf
    vif[ok] = out
    return vif


@dataclass(frozen=True)
class NearDependency:
    """One harmful near-dependency of the Belsley–Kuh–Welsch rule.

    Attributes
    ----------
    index : float
        Its condition index ``η_k``.
    columns : tuple of int
        Positions in the scaled design (0 is the intercept when it was added) of the
        columns with variance-decomposition proportion ``π_kj ≥`` the threshold.
    names : tuple of str
        Their names (``"(intercept)"`` for the constant).
    proportions : tuple of float
        Their ``π_kj``.
    """

    index: float
    columns: tuple[int, ...]
    names: tuple[str, ...]
    proportions: tuple[float, ...]


@dataclass(frozen=True)
class ConditionIndices:
    """Belsley–Kuh–Welsch condition indices and variance-decomposition proportions.

    Attributes
    ----------
    indices : ndarray of shape (q,)
        ``η_k = S[0] / S[k]``, ascending (``inf`` for an exactly singular direction).
    proportions : ndarray of shape (q, q)
        ``proportions[k, j] = π_kj``: the share of ``var(b_j)`` due to direction ``k``;
        each column sums to 1.
    singular_values : ndarray of shape (q,)
        ``S`` of the unit-length-scaled design (zeros appended when ``n < q``).
    names : tuple of str
        The design's column names, ``"(intercept)"`` first when ``intercept``.
    intercept : bool
    """

    indices: np.ndarray
    proportions: np.ndarray
    singular_values: np.ndarray
    names: tuple[str, ...]
    intercept: bool

    @property
    def max_index(self) -> float:
        """The largest condition index, ``S[0] / S[-1]`` of the scaled design."""
        return float(self.indices[-1])

    def dependencies(
        self, index_threshold: float = 30.0, proportion_threshold: float = 0.5
    ) -> list[NearDependency]:
        """Directions with ``η_k ≥ index_threshold`` and ≥ 2 proportions ``≥ proportion_threshold``.

        Belsley, Kuh & Welsch (1980): such a direction is a near-dependency among those
        columns that degrades their estimates. Largest index first.
        """
        found = []
        for k in range(self.indices.size - 1, -1, -1):
            if not self.indices[k] >= index_threshold:
                continue
            cols = np.flatnonzero(self.proportions[k] >= proportion_threshold)
            if cols.size >= 2:
                found.append(
                    NearDependency(
                        index=float(self.indices[k]),
                        columns=tuple(int(j) for j in cols),
                        names=tuple(self.names[j] for j in cols),
                        proportions=tuple(float(self.proportions[k, j]) for j in cols),
                    )
                )
        return found


def condition_indices(
    X: Any, *, intercept: bool = True, feature_names: Sequence[str] | None = None
) -> ConditionIndices:
    """Belsley–Kuh–Welsch collinearity diagnostics of the design ``[1, X]`` (or ``X``).

    BKW's convention: the design ``X_a`` (a column of ones prepended when ``intercept``)
    is scaled to unit column length, ``X_s = X_a D⁻¹`` with ``D = diag(‖x_j‖)``, and *not*
    centered (centering hides dependencies that involve the constant). With the SVD
    ``X_s = U S Vᵀ``,

    - condition indices ``η_k = S[0] / S[k]``;
    - as ``var(b_s) = σ² V S⁻² Vᵀ``, the variance of coefficient ``j`` splits over the
      directions ``k`` as ``φ_jk = V_jk² / S_k²``, and the variance-decomposition
      proportions are ``π_kj = φ_jk / Σ_k φ_jk``.

    A near-dependency is harmful when ``η_k ≥ 30`` and two or more ``π_kj ≥ 0.5``
    (:meth:`ConditionIndices.dependencies`). For an exactly singular direction
    (``S_k ≤ max(n, q)·eps·S[0]``) the proportions are the limit of equal ``S_k → 0``:
    ``π_kj = V_jk² / Σ_{null k} V_jk²`` for the columns touching the null space.

    Parameters
    ----------
    X : array-like of shape (n, p)
        Computed in float64.
    intercept : bool, default=True
        Prepend a column of ones (the model has an intercept). Pass ``False`` when ``X``
        already holds its constant column, or for a model without one.
    feature_names : sequence of str, optional
        Names of ``X``'s columns (default ``x0, x1, …``).

    Returns
    -------
    ConditionIndices

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b, e = rng.standard_normal((3, 100))
    >>> ci = condition_indices(np.column_stack([a, b, a + b + 1e-3 * e]))
    >>> [d.names for d in ci.dependencies()]
    [('x0', 'x1', 'x2')]
    """
    X = as_matrix(X).astype(np.float64, copy=False)
    n, p = X.shape
    names = _column_names(feature_names, p)
    Xa = np.hstack([np.ones((n, 1)), X]) if intercept else X  # (n, q)
    names = (["(intercept)"] if intercept else []) + names
    q = Xa.shape[1]
    col_norm = np.linalg.norm(Xa, axis=0)
    Xs = Xa / np.where(col_norm > 0, col_norm, 1.0)  # unit length, not centered (BKW)
    _, S, Vt = _svd(Xs, full_matrices=n < q)
    S_full = np.zeros(q)
    S_full[: S.size] = S
    null = S_full <= max(n, q) * np.finfo(np.float64).eps * S_full[0]
    with np.errstate(divide="ignore"):
        eta = np.where(null, math.inf, S_full[0] / np.where(null, 1.0, S_full))
    V2 = Vt.T**2  # (q, q): V2[j, k] = V_jk²
    phi = np.zeros((q, q))
    phi[:, ~null] = V2[:, ~null] / S_full[~null] ** 2  # φ_jk = V_jk² / S_k²
    touches = V2[:, null].sum(axis=1) > math.sqrt(np.finfo(np.float64).eps)
    # columns touching an exact null direction: its φ dominates, the limit S_k → 0
    phi[touches] = np.where(null, V2[touches], 0.0)
    total = phi.sum(axis=1, keepdims=True)
    pi = (phi / np.where(total > 0, total, 1.0)).T  # (q, q): pi[k, j]
    return ConditionIndices(
        indices=eta, proportions=pi, singular_values=S_full, names=tuple(names), intercept=intercept
    )
