"""The measurements behind :func:`linml.diagnose.data`: pure functions of arrays.

Each function reads (blocks of) the design matrix and returns numbers, masks or the
dataclasses of :mod:`linml.diagnose.report`; none of them decides what is worth reporting
(that is :mod:`linml.diagnose.findings`) or prints anything.

>>> import numpy as np
>>> constant_columns(np.array([[1.0, 2.0], [1.0, 3.0]])).tolist()
[True, False]
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import scipy.linalg as sla

from linml.diagnose.report import (
    CollinearRelation,
    ConditionDependency,
    NonFiniteSummary,
    TargetSummary,
)
from linml.exceptions import LinmlInputError
from linml.linalg import collinear_groups

_MAX_POSITIONS = 5  # first non-finite positions listed in the report
_MAX_CORRELATIONS = 10  # columns listed by |corr(y, x_j)|
_BLOCK = 512  # columns per block of the correlation scan (keeps memory at n × 512)
_MAX_CLASSES = 10  # an integer y with at most this many distinct values reads as class labels
_MIN_ROWS_FOR_ROW_NUMBERS = 20  # below this, 1…n in a column is as likely data as a row index
# names that mark a column as an identifier: id, *_id, id_*, index, Unnamed: 0 (pandas' index)…
_ID_NAME = re.compile(
    r"(^|[_\s.\-])id$|^id[_\s.\-]|^(index|idx|row|rownum|row_?number|unnamed: ?0)$", re.I
)
_ID_CAMEL = re.compile(r"[a-z]I[dD]$")  # customerId, rowID


# ---------------------------------------------------------------------------- input
def plain_label(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def nonfinite_block(
    X: np.ndarray, names: list[str], labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, NonFiniteSummary | None]:
    """Rows and columns kept for the linear algebra, and a summary of NaN/inf.

    Columns that are entirely non-finite are dropped; then either the rows with any
    remaining NaN/inf or the columns holding them are dropped, whichever keeps more
    entries (rows on ties).
    """
    bad = ~np.isfinite(X)
    n, p = X.shape
    if not bad.any():
        return np.ones(n, dtype=bool), np.ones(p, dtype=bool), None
    n_nan = int(np.isnan(X).sum())
    rows_bad = bad.any(axis=1)
    per_col = bad.sum(axis=0)
    first = np.argwhere(bad)[:_MAX_POSITIONS]  # row-major order: first rows first
    cols = per_col < n  # drop columns with nothing finite
    rows_a = ~bad[:, cols].any(axis=1)  # option A: drop rows with NaN/inf
    cols_b = per_col == 0  # option B: drop every column holding NaN/inf
    if rows_a.sum() * cols.sum() >= n * cols_b.sum():
        rows_used, cols_used = rows_a, cols
    else:
        rows_used, cols_used = np.ones(n, dtype=bool), cols_b
    dropped_rows = n - int(rows_used.sum())
    dropped_cols = [names[j] for j in np.flatnonzero(~cols_used)]
    parts = []
    if dropped_rows:
        parts.append(f"{dropped_rows} row{'s' if dropped_rows != 1 else ''} with NaN/inf")
    if dropped_cols:
        parts.append(f"column(s) {', '.join(map(repr, dropped_cols[:5]))}")
    note = (
        f"linear algebra computed on the finite block only: {int(rows_used.sum())} of {n} rows "
        f"and {int(cols_used.sum())} of {p} columns (excluded {' and '.join(parts)})."
    )
    summary = NonFiniteSummary(
        n_nan=n_nan,
        n_inf=int(bad.sum()) - n_nan,
        rows=int(rows_bad.sum()),
        columns={names[j]: int(per_col[j]) for j in np.flatnonzero(per_col)},
        first_positions=[
            (int(i) if labels is None else plain_label(labels[i]), names[j]) for i, j in first
        ],
        rows_used=int(rows_used.sum()),
        columns_used=[names[j] for j in np.flatnonzero(cols_used)],
        note=note,
    )
    return rows_used, cols_used, summary


# ---------------------------------------------------------------------------- identifiers
def identifier_columns(X: np.ndarray, cols_used: np.ndarray, names: list[str]) -> list[int]:
    """Indices of the columns among ``cols_used`` that hold row identifiers.

    An identifier holds integers, one distinct value per row, and is either named like one
    (:data:`_ID_NAME`) or, from 20 rows, a permutation of the row numbers ``0…n−1`` or
    ``1…n``. ``YEAR = 1947…1962`` is neither, and stays a feature.
    """
    n = X.shape[0]
    found = []
    for j in np.flatnonzero(cols_used):
        x = X[:, j]
        if n < 2 or not np.all(np.isfinite(x)) or not np.all(x == np.round(x)):
            continue
        u = np.unique(x)
        if u.size != n:
            continue
        name = names[j]
        named = bool(_ID_NAME.search(name) or _ID_CAMEL.search(name))
        row_numbers = (
            n >= _MIN_ROWS_FOR_ROW_NUMBERS and u[0] in (0.0, 1.0) and u[-1] - u[0] == n - 1
        )
        if named or row_numbers:
            found.append(int(j))
    return found


# ---------------------------------------------------------------------------- columns
def constant_columns(X: np.ndarray) -> np.ndarray:
    """Mask of columns whose values agree to round-off: ``max − min ≤ 4 eps max|x|``."""
    if X.shape[0] == 0:
        return np.zeros(X.shape[1], dtype=bool)
    spread = X.max(axis=0) - X.min(axis=0)
    return spread <= 4 * np.finfo(np.float64).eps * np.abs(X).max(axis=0)


def duplicate_groups(X: np.ndarray, candidates: np.ndarray) -> list[list[int]]:
    """Groups (≥ 2) of exactly equal columns among ``candidates``, in column order."""
    seen: dict[bytes, list[int]] = {}
    for j in candidates:
        # + 0.0 turns -0.0 into 0.0 so equal values hash equal
        key = np.ascontiguousarray(X[:, j] + 0.0).tobytes()
        seen.setdefault(key, []).append(int(j))
    return [group for group in seen.values() if len(group) > 1]


def near_duplicate_pairs(
    Z: np.ndarray, n: int, columns: np.ndarray, tol: float, skip: set[frozenset[int]]
) -> list[tuple[int, int, float]]:
    """Pairs of standardized columns with ``|corr| > 1 − tol``, scanned in column blocks.

    ``corr(a, b) = Z_aᵀ Z_b / n`` for ``n`` samples standardized to mean 0 and variance 1
    (``Z`` may be any matrix with their Gram matrix).
    """
    k = Z.shape[1]
    pairs = []
    for start in range(0, k, _BLOCK):
        stop = min(start + _BLOCK, k)
        C = Z[:, start:stop].T @ Z[:, start:] / n  # (block, k - start) correlations
        rows, cols = np.nonzero(np.abs(C) > 1.0 - tol)
        for r, c in zip(rows, cols, strict=True):
            a, b = start + int(r), start + int(c)
            if b <= a:
                continue
            ja, jb = int(columns[a]), int(columns[b])
            if frozenset((ja, jb)) in skip:
                continue
            pairs.append((ja, jb, float(np.clip(C[r, c], -1.0, 1.0))))
    return sorted(pairs, key=lambda t: (-abs(t[2]), t[0], t[1]))


# ---------------------------------------------------------------------------- collinearity
def format_relation(dependent: str, coefs: dict[str, float], intercept: float) -> str:
    """``'c ≈ 2·a - b + 3'`` (4 significant digits; a coefficient of 1 is left out)."""
    terms = [(c, name) for name, c in coefs.items()]
    if intercept != 0.0:
        terms.append((intercept, ""))
    text = ""
    for i, (c, name) in enumerate(terms):
        mag = f"{abs(c):.4g}"
        body = mag if not name else (name if mag == "1" else f"{mag}·{name}")
        if i == 0:
            text = ("-" if c < 0 else "") + body
        else:
            text += (" - " if c < 0 else " + ") + body
    return f"{dependent} ≈ {text or '0'}"


def relation_from_null_vector(
    v: np.ndarray,
    d: int,
    columns: np.ndarray,
    names: list[str],
    mean: np.ndarray,
    std: np.ndarray,
    residual: float,
) -> CollinearRelation:
    """Turn ``Z v ≈ 0`` (``v`` over standardized ``columns``) into ``x_d ≈ Σ c_j x_j + b``.

    With ``z_j = (x_j − m_j)/s_j`` and ``v_d ≠ 0`` on the dependent column ``d``:
    ``x_d = m_d − (s_d / v_d) Σ_{j≠d} v_j (x_j − m_j)/s_j``, so
    ``c_j = −(s_d v_j)/(v_d s_j)`` and ``b = m_d − Σ c_j m_j``.
    ``columns`` indexes ``mean``/``std``/``names``; ``v`` and ``d`` are positions in it.
    """
    jd = int(columns[d])
    coefs: dict[str, float] = {}
    intercept = float(mean[jd])
    size = abs(intercept)  # magnitude of the terms summed into b, for the round-off test
    for i in range(v.size):  # column order, as the data lists them
        if i == d:
            continue
        j = int(columns[i])
        c = float(-(std[jd] * v[i]) / (v[d] * std[j]))
        coefs[names[j]] = c
        intercept -= c * float(mean[j])
        size += abs(c * float(mean[j]))
    # b is a difference of means: below round-off of its terms, or below 1e-8 standard
    # deviations of x_d (far finer than the relation itself holds), it reads as 0
    if abs(intercept) <= max(64 * np.finfo(np.float64).eps * size, 1e-8 * float(std[jd])):
        intercept = 0.0
    return CollinearRelation(
        columns=[names[int(j)] for j in columns],
        dependent=names[jd],
        coefficients=coefs,
        intercept=intercept,
        residual=float(residual),
        relation=format_relation(names[jd], coefs, intercept),
    )


def collinear_relations(
    Z: np.ndarray,
    smax: float,
    columns: np.ndarray,
    names: list[str],
    mean: np.ndarray,
    std: np.ndarray,
    rel_tol: float,
) -> list[CollinearRelation]:
    """Near-null combinations of the standardized columns ``Z`` (``σ ≤ rel_tol · σmax``).

    :func:`linml.linalg.collinear_groups` finds each relation ``Z v ≈ 0`` and its
    dependent column; the residual reported here is ``‖Z v‖ / σmax(Z)`` for unit ``v``,
    a number between ``σmin/σmax`` and 1 comparable with ``rel_tol``. ``Z`` may be any
    matrix with the same Gram matrix ``ZᵀZ`` (e.g. the R factor of the data's QR): the
    relations and residuals only depend on it.
    """
    relations = []
    for group in collinear_groups(Z, tol=rel_tol):
        local = np.asarray(group.columns, dtype=int)
        v = np.asarray(group.coefficients, dtype=np.float64)
        v = v / np.linalg.norm(v)
        d = int(np.flatnonzero(local == group.dependent)[0])
        residual = float(np.linalg.norm(Z[:, local] @ v)) / smax if smax > 0 else 0.0
        relations.append(
            relation_from_null_vector(v, d, columns[local], names, mean, std, residual)
        )
    return relations


# ---------------------------------------------------------------------------- target
def target_summary(
    y: Any, n: int, Xv: np.ndarray | None, rows: np.ndarray, xv_names: list[str]
) -> TargetSummary:
    """Checks on ``y``; correlations with the columns of ``Xv`` (rows ``rows`` of ``y``)."""
    values = np.asarray(y)
    if values.ndim == 0:
        raise LinmlInputError(f"y must be array-like with one entry per sample; got {y!r}.")
    if values.shape[0] != n:
        raise LinmlInputError(
            f"y has {values.shape[0]} rows but X has {n}; they must describe the same samples."
        )
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    numeric = values.dtype.kind in "biuf"
    if numeric:
        missing = ~np.isfinite(values.astype(np.float64))
    else:
        import pandas as pd

        missing = np.asarray(pd.isna(values))
    if missing.ndim > 1:
        missing = missing.any(axis=tuple(range(1, missing.ndim)))
    first_missing = [int(i) for i in np.flatnonzero(missing)[:_MAX_POSITIONS]]
    if values.ndim > 1:
        return TargetSummary("multi-output", int(missing.sum()), first_missing, None, [])
    if not numeric or values.dtype.kind == "b":
        classes = np.unique(values[~missing].astype(str))
        return TargetSummary("categorical", int(missing.sum()), first_missing, len(classes), [])
    known = values[~missing].astype(np.float64)
    labels = np.unique(known)
    class_like = (
        known.size > 0
        and bool(np.all(known == np.round(known)))
        and labels.size <= _MAX_CLASSES
        and known.size >= 2 * labels.size
    )
    correlations: list[tuple[str, float]] = []
    if Xv is not None and Xv.shape[1]:
        keep = ~missing[rows]
        yy = values[rows][keep].astype(np.float64)
        Xk = Xv[keep]  # (m, k) rows where y is known too
        sx, sy = Xk.std(axis=0), yy.std()
        if yy.size > 1 and sy > 0:
            # corr(x_j, y) = (x_j − x̄_j)ᵀ(y − ȳ) / (m s_j s_y)
            r = (Xk - Xk.mean(axis=0)).T @ (yy - yy.mean()) / (yy.size * sy)
            r = np.divide(r, sx, out=np.zeros_like(r), where=sx > 0)
            order = np.argsort(-np.abs(r), kind="stable")[:_MAX_CORRELATIONS]
            correlations = [(xv_names[j], float(np.clip(r[j], -1, 1))) for j in order]
    if class_like:
        shown = ", ".join(f"{c:g}" for c in labels)
        note = (
            f"y takes {labels.size} integer value(s) ({shown}): read as class labels — fit a "
            "classifier (e.g. `linml classify`); a regression on it is a linear probability model."
        )
        classes = [int(c) for c in labels]
        return TargetSummary(
            "categorical",
            int(missing.sum()),
            first_missing,
            len(classes),
            correlations,
            classes,
            note,
        )
    return TargetSummary("numeric", int(missing.sum()), first_missing, None, correlations)


# ---------------------------------------------------------------------------- spectra
def cond(S: np.ndarray) -> float:
    """``cond = S[0] / S[-1]`` over the ``min(n, p)`` singular values (inf when singular).

    Same definition as :func:`linml.linalg.condition_number` and :func:`numpy.linalg.cond`,
    read off singular values already computed instead of a second SVD.
    """
    return float(S[0] / S[-1]) if S[-1] > 0 else math.inf


def gram_stand_ins(Xc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Small stand-ins with the Gram matrices of ``Xc``, of its centered columns and of ``[1, Xc]``.

    For tall data (``n > p + 1``) one Householder QR ``[1, Xc] = Q R`` replaces every later
    factorization of an (n, p) matrix: with ``R = [[r₁₁, r₁ᵀ], [0, R₂₂]]``,
    ``Xc = Q [r₁ᵀ; R₂₂]`` and, as ``Q``'s first column is ``1/√n``, the centered
    ``Xc − 1 meanᵀ = Q₂ R₂₂``. Orthogonal ``Q`` keeps singular values, ``XᵀX`` and every
    ``‖X v‖``, so ``Xr = R[:, 1:]`` ((p+1, p)), ``Cr = R₂₂`` ((p, p)) and ``Ra = R``
    ((p+1, p+1), for ``[1, Xc]``) stand in for them. Otherwise they are ``Xc``,
    ``Xc − mean`` and ``[1, Xc]`` themselves.
    """
    n, p = Xc.shape
    ones_X = np.column_stack([np.ones(n), Xc])  # (n, p+1)
    if n <= p + 1:
        return Xc, Xc - Xc.mean(axis=0), ones_X
    R = sla.qr(ones_X, mode="r", check_finite=False)[0]
    R = R[: p + 1]  # (p+1, p+1) upper triangle
    return R[:, 1:], R[1:, 1:], R


def scatter_columns(values: np.ndarray, col_idx: np.ndarray, p: int) -> np.ndarray:
    """Scatter per-column ``values`` of the analysed block back to all ``p`` columns."""
    full = np.full(p, np.nan)
    full[col_idx] = values
    return full


# ---------------------------------------------------------------------------- BKW relations
def dependency_relation(
    dep: Any,
    Xc: np.ndarray,
    Cr: np.ndarray,
    Ra: np.ndarray,
    keep: np.ndarray,
    names_k: list[str],
) -> ConditionDependency:
    """One BKW direction as ``x_d ≈ Σ c_j x_j + b``: least squares on the involved columns.

    ``dep.columns`` are positions in ``[1, Xc[:, keep]]`` (0 the intercept). The dependent
    ``d`` is the involved column with the largest proportion (the later on ties); with
    ``A = [1, X_others]`` the fit ``[b, c] = argmin ‖A [b, c] − x_d‖`` is solved on the
    stand-in ``Ra`` (same Gram matrix), and ``R² = 1 − ‖x_d − A [b, c]‖² / ‖x_d − x̄_d‖²``.
    """
    props = dict(zip(dep.columns, dep.proportions, strict=True))
    involved = [i for i in dep.columns if i >= 1]
    d = max(involved, key=lambda i: (props[i], i))
    others = [i for i in involved if i != d]
    A = Ra[:, [0, *(1 + keep[np.asarray(others, dtype=int) - 1])]]  # (·, 1 + len(others))
    b = Ra[:, 1 + keep[d - 1]]
    coef = np.linalg.lstsq(A, b, rcond=None)[0]
    ss_res = float(np.sum((b - A @ coef) ** 2))
    ss_tot = float(np.sum(Cr[:, keep[d - 1]] ** 2))  # ‖x_d − x̄_d‖²
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0
    coefficients = {names_k[i - 1]: float(c) for i, c in zip(others, coef[1:], strict=True)}
    intercept = float(coef[0])
    # b reads as 0 when within two standard errors of it: SE(b)² = σ̂² [(AᵀA)⁻¹]₀₀ with
    # σ̂² = ss_res / (n − k) and, from A = Q R, [(AᵀA)⁻¹]₀₀ = ‖row 0 of R⁻¹‖²
    n, k = Xc.shape[0], A.shape[1]
    if n > k:
        R = sla.qr(A, mode="r", check_finite=False)[0][:k]
        diag_ok = np.abs(np.diag(R)) > 0
        if diag_ok.all():
            Rinv_row0 = sla.solve_triangular(R, np.eye(k), check_finite=False)[0]
            se_b = math.sqrt(ss_res / (n - k)) * float(np.linalg.norm(Rinv_row0))
            if abs(intercept) <= 2 * se_b:
                intercept = 0.0
    dependent = names_k[d - 1]
    return ConditionDependency(
        index=float(dep.index),
        columns=list(dep.names),
        proportions={name: float(pi) for name, pi in zip(dep.names, dep.proportions, strict=True)},
        dependent=dependent,
        coefficients=coefficients,
        intercept=intercept,
        r_squared=float(min(max(r2, 0.0), 1.0)),
        relation=format_relation(dependent, coefficients, intercept),
    )
