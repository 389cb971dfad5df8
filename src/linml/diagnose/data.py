"""What is wrong with a design matrix, found by its linear algebra.

:func:`data` reads ``X`` (and optionally ``y``) and reports, in the data's own column names,
what a linear model fitted on it will suffer from: rank deficiency, ill-conditioning and the
near-null column combinations behind it, the statistician's collinearity diagnostics
(variance inflation factors; Belsley–Kuh–Welsch condition indices with variance-decomposition
proportions), constant, duplicate, near-duplicate and identifier columns, wildly different
column scales, more columns than rows, and NaN/inf entries. Each finding comes with a concrete
suggestion (standardize, drop a named column, ridge with a computed ``λ``).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.standard_normal((50, 2))
>>> X = np.column_stack([X, 2 * X[:, 0] - X[:, 1], np.ones(50)])
>>> report = data(X, feature_names=["a", "b", "c", "one"])
>>> report.rank, report.constant_columns
(3, ['one'])
>>> print(report.collinear_groups[0].relation)
c ≈ 2·a - b
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import scipy.linalg as sla

from linml.exceptions import LinmlInputError
from linml.linalg import (
    collinear_groups,
    condition_indices,
    effective_rank,
    numerical_rank,
    variance_inflation_factors,
)

__all__ = [
    "CollinearRelation",
    "ConditionDependency",
    "CorrelatedPair",
    "DataReport",
    "NonFiniteSummary",
    "Suggestion",
    "TargetSummary",
    "data",
    "ridge_lambda_for_condition",
]

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


# ---------------------------------------------------------------------------- findings
@dataclass
class Suggestion:
    """One concrete fix: ``action`` is 'standardize', 'drop', 'ridge', 'impute' or 'fix_target'."""

    action: str
    message: str
    columns: list[str] = field(default_factory=list)
    value: float | None = None

    def __str__(self) -> str:
        return self.message


@dataclass
class CorrelatedPair:
    """Two columns whose correlation is within ``near_duplicate_tol`` of ±1."""

    first: str
    second: str
    correlation: float


@dataclass
class CollinearRelation:
    """A near-null combination of standardized columns, re-expressed in the data's units.

    ``relation`` reads ``dependent ≈ Σ coefficients[j]·x_j + intercept`` (coefficients in
    original units, after centering); ``residual`` is the relative size of what the
    relation misses, ``‖Z v‖ / ‖Z‖₂`` for the unit null vector ``v`` of the standardized
    columns ``Z``.
    """

    columns: list[str]
    dependent: str
    coefficients: dict[str, float]
    intercept: float
    residual: float
    relation: str


@dataclass
class ConditionDependency:
    """A harmful near-dependency by the Belsley–Kuh–Welsch rule, in the data's column names.

    Direction ``k`` of the unit-length-scaled design ``[1, X]`` has condition index
    ``index = η_k ≥ 30`` and variance-decomposition proportions ``π_kj ≥ 0.5`` on two or
    more ``columns`` (``"(intercept)"`` among them when the constant takes part). The
    ``relation`` is the least-squares fit of ``dependent`` (the involved column with the
    largest ``π_kj``) on the other involved columns and an intercept (shown as 0 when
    within two standard errors of 0); ``r_squared`` says how exact it is. With the intercept as the only other column it reads
    ``x ≈ mean`` and ``r_squared`` is 0: the column varies little around its mean.
    """

    index: float
    columns: list[str]
    proportions: dict[str, float]
    dependent: str
    coefficients: dict[str, float]
    intercept: float
    r_squared: float
    relation: str


@dataclass
class NonFiniteSummary:
    """Where the NaN/inf entries of ``X`` are, and which block the linear algebra used."""

    n_nan: int
    n_inf: int
    rows: int
    columns: dict[str, int]
    first_positions: list[tuple[Any, str]]
    rows_used: int
    columns_used: list[str]
    note: str

    @property
    def count(self) -> int:
        return self.n_nan + self.n_inf


@dataclass
class TargetSummary:
    """What was checked on ``y``: its kind, missing values and correlations with columns.

    An integer ``y`` with at most 10 distinct values (and at least two rows per value) is
    ``"categorical"`` — class labels such as 0/1 — with ``n_classes``, its ``classes`` and
    a ``note`` saying so; its correlations with the columns are still listed.
    """

    kind: str  # "numeric", "categorical" or "multi-output"
    n_missing: int
    first_missing: list[Any]
    n_classes: int | None
    correlations: list[tuple[str, float]]
    classes: list[Any] = field(default_factory=list)
    note: str = ""


@dataclass
class DataReport:
    """The diagnosis of a design matrix; ``to_dict()`` is JSON-able, ``__rich__`` renders it.

    The linear algebra uses the finite block of ``n_samples_used`` rows and
    ``n_features_used`` columns; its fields are ``None`` when nothing finite is left. Raw
    quantities are those of ``X`` as given (finite block); *standardized* ones those of
    ``Z = (X − mean) / std`` over its non-constant columns.

    Attributes
    ----------
    rank, rank_tol : int, float
        ``#{S > rank_tol}``, ``rank_tol = S[0] · max(n, p) · eps`` (eps of the input dtype).
    rank_at_target : int
        ``#{S_Z > S_Z[0] / condition_target}`` for the singular values ``S_Z`` of ``Z``.
    effective_rank : float
        ``exp(H(S_Z / ΣS_Z))`` (entropy effective rank of ``Z``).
    singular_values, condition_number : ndarray of shape (min(n, p),), float
        ``S`` of ``X`` and ``S[0] / S[-1]`` (``inf`` when singular, ``None`` in JSON).
    standardized_singular_values, standardized_condition_number : ndarray, float
        The same for ``Z``.
    collinear_groups : list of CollinearRelation
        Near-null combinations of ``Z`` (exact duplicates and near-duplicate pairs left
        out, as they are reported on their own).
    constant_columns, duplicate_groups, near_duplicates : lists of names / pairs
    scale_ratio, scale_columns : float, (str, str)
        ``max std / min std`` over non-constant columns and the two columns.
    ridge_lambda : float or None
        ``λ = (σmax² − t²σmin²)/(t² − 1)`` on ``Z`` when its condition number exceeds ``t``.
    vif : dict of str to float
        ``VIF_j = 1 / (1 − R_j²)`` of each analysed column (``inf`` for exact dependence;
        ``None`` in JSON); empty when skipped (constant or wide data).
    vif_threshold : float
        Columns with ``VIF ≥ vif_threshold`` are reported (default 10: ``R_j² ≥ 0.9``).
    condition_indices : ndarray or None
        BKW condition indices ``η_k`` (ascending) of ``[1, X]`` scaled to unit column length
        (analysed columns only); ``max_condition_index`` is the largest.
    dependencies : list of ConditionDependency
        Directions with ``η_k ≥ condition_index_threshold`` and two or more proportions
        ``π_kj ≥ proportion_threshold`` (BKW 1980: 30 and 0.5).
    identifier_columns : list of str
        Columns taken for row identifiers (left out of the linear algebra).
    nonfinite, target : NonFiniteSummary, TargetSummary or None
    suggestions : list of Suggestion
        Concrete fixes, in the order the findings were made.
    issues : list of (severity, text)
        Findings, ``severity`` in {'bad', 'warn'}; :attr:`verdict` is the worst one.
    notes : list of str
        What was left out of the computation and why.
    """

    n_samples: int
    n_features: int
    feature_names: list[str]
    dtype: str
    n_samples_used: int
    n_features_used: int
    condition_target: float
    nonfinite: NonFiniteSummary | None
    rank: int | None
    rank_tol: float | None
    rank_at_target: int | None
    effective_rank: float | None
    singular_values: np.ndarray | None
    condition_number: float | None
    standardized_singular_values: np.ndarray | None
    standardized_condition_number: float | None
    collinear_groups: list[CollinearRelation]
    constant_columns: list[str]
    duplicate_groups: list[list[str]]
    near_duplicates: list[CorrelatedPair]
    scale_ratio: float | None
    scale_columns: tuple[str, str] | None
    ridge_lambda: float | None
    vif: dict[str, float]
    vif_threshold: float
    condition_indices: np.ndarray | None
    max_condition_index: float | None
    dependencies: list[ConditionDependency]
    condition_index_threshold: float
    proportion_threshold: float
    identifier_columns: list[str]
    target: TargetSummary | None
    suggestions: list[Suggestion]
    issues: list[tuple[str, str]]  # (severity 'bad' | 'warn', text)
    notes: list[str]

    @property
    def severity(self) -> str:
        """'bad', 'warn' or 'ok': the worst issue found."""
        kinds = {kind for kind, _ in self.issues}
        return "bad" if "bad" in kinds else "warn" if "warn" in kinds else "ok"

    @property
    def verdict(self) -> str:
        """One line: the most serious issue, or that the matrix is well-conditioned."""
        for kind in ("bad", "warn"):
            for k, text in self.issues:
                if k == kind:
                    return text
        return f"well-conditioned (standardized condition number ≤ {self.condition_target:g})"

    def to_dict(self) -> dict[str, Any]:
        """Plain Python types only (``inf``/``nan`` become ``None``), ready for ``json.dumps``."""
        out = _plain(asdict(self))
        out["severity"] = self.severity
        out["verdict"] = self.verdict
        return out

    def __rich__(self) -> Any:
        from linml.diagnose.render import data_report_renderable

        return data_report_renderable(self)

    def render(self, console: Any = None) -> None:
        """Print the report with Rich on ``console`` (a new one on stdout if None)."""
        from linml.diagnose.render import render

        render(self, console)

    def __str__(self) -> str:
        from linml.diagnose.render import to_text

        return to_text(self)


def _plain(value: Any) -> Any:
    """Recursively turn numpy types, tuples and non-finite floats into JSON-safe values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# ---------------------------------------------------------------------------- ridge λ
def ridge_lambda_for_condition(singular_values: Any, n_features: int, target: float) -> float:
    """The smallest ``λ ≥ 0`` with ``sqrt((σmax² + λ) / (σmin² + λ)) ≤ target``.

    The ridge problem ``min ‖y − Z w‖² + λ‖w‖²`` is least squares on the augmented matrix
    ``[Z; √λ I]``, whose singular values are ``sqrt(σᵢ² + λ)``; its condition number is
    ``κ(λ) = sqrt((σmax² + λ) / (σmin² + λ))`` (the square root of ``κ(ZᵀZ + λI)``).
    ``κ`` decreases in ``λ``, and ``κ(λ) = t`` solves to the closed form

        ``λ = (σmax² − t² σmin²) / (t² − 1)``,

    or 0 when ``κ(0) ≤ t`` already. ``σmin`` is the smallest of the ``n_features``
    eigenvalue square roots of ``ZᵀZ``: 0 when ``Z`` has fewer rows than columns.

    Parameters
    ----------
    singular_values : array-like of shape (k,)
        Singular values of ``Z`` (any order), ``k ≤ n_features``.
    n_features : int
        Number of columns of ``Z``; missing singular values count as 0.
    target : float
        ``t > 1``.

    Returns
    -------
    float

    Examples
    --------
    >>> lam = ridge_lambda_for_condition([10.0, 0.0], 2, target=10.0)
    >>> round(lam, 6), round(float(np.sqrt((100 + lam) / lam)), 6)
    (1.010101, 10.0)
    """
    S = np.asarray(singular_values, dtype=np.float64)
    if not target > 1:
        raise LinmlInputError(f"condition_target={target!r} must be a number > 1.")
    if S.size == 0:
        return 0.0
    smax = float(S.max())
    smin = float(S.min()) if S.size >= n_features else 0.0
    if smax == 0.0:
        return 0.0
    if smin > 0 and smax / smin <= target:
        return 0.0
    t2 = float(target) ** 2
    return max((smax**2 - t2 * smin**2) / (t2 - 1.0), 0.0)


# ---------------------------------------------------------------------------- input
def _as_matrix(X: Any, feature_names: Any, notes: list[str]) -> tuple[np.ndarray, list[str], str]:
    """``X`` as a float64 2-D array, its column names and its original dtype.

    A DataFrame with text, category, date or bool columns is encoded by
    :func:`linml.tabular.numeric_view` first (one note per encoded column in ``notes``).
    """
    names: list[str] | None = None
    if hasattr(X, "columns") and hasattr(X, "dtypes"):  # pandas DataFrame
        import pandas as pd

        bad = [str(c) for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
        if bad:  # strings, categories, dates, bools: the tabular front door's encoding
            from linml.tabular import numeric_view

            X, encoded = numeric_view(X)
            notes.extend(encoded)
            if X.shape[1] == 0:
                raise LinmlInputError(
                    f"X has no column left to diagnose once {', '.join(map(repr, bad[:5]))} "
                    "(identifiers or free text) are left out."
                )
        names = [str(c) for c in X.columns]
        dtypes = {np.dtype(t) for t in X.dtypes if isinstance(t, np.dtype)}
        dtype = str(dtypes.pop()) if len(dtypes) == 1 else "float64"
        values = X.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        if hasattr(X, "toarray") and hasattr(X, "nnz"):
            raise TypeError(
                "X is a scipy.sparse matrix; diagnose.data works on dense arrays — pass "
                "X.toarray() (or a column sample of it)."
            )
        values = np.asarray(X)
        if values.dtype.kind not in "biuf":
            raise LinmlInputError(
                f"X must hold numbers; got dtype {values.dtype}. Encode non-numeric columns "
                "(e.g. one-hot) first."
            )
        dtype = str(values.dtype)
    if values.ndim == 1:
        raise LinmlInputError(
            f"X must be 2-D (n_samples, n_features); got a 1-D array of shape {values.shape}. "
            "Use X.reshape(-1, 1) for one feature."
        )
    if values.ndim != 2:
        raise LinmlInputError(
            f"X must be 2-D (n_samples, n_features); got {values.ndim} dimensions, shape "
            f"{values.shape}."
        )
    if values.shape[0] == 0 or values.shape[1] == 0:
        raise LinmlInputError(
            f"X is empty (shape {values.shape}); it needs at least one row and one column."
        )
    if feature_names is not None:
        given = [str(c) for c in feature_names]
        if len(given) != values.shape[1]:
            raise LinmlInputError(
                f"feature_names has {len(given)} names but X has {values.shape[1]} columns."
            )
        names = given
    if names is None:
        names = [f"x{j}" for j in range(values.shape[1])]
    return np.asarray(values, dtype=np.float64), names, dtype


def _row_labels(X: Any, n: int) -> tuple[np.ndarray, str]:
    """How rows are named in findings: a DataFrame's index labels (a table read by
    :func:`linml.tabular.read_table` is indexed by file line: ``"line"``), else positions."""
    index = getattr(X, "index", None)
    if index is not None and len(index) == n and hasattr(index, "name"):
        kind = index.name if index.name in ("line", "row") else "row"
        return np.asarray(index, dtype=object), kind
    return np.arange(n, dtype=object), "row"


def _label(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _nonfinite_block(
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
            (int(i) if labels is None else _label(labels[i]), names[j]) for i, j in first
        ],
        rows_used=int(rows_used.sum()),
        columns_used=[names[j] for j in np.flatnonzero(cols_used)],
        note=note,
    )
    return rows_used, cols_used, summary


# ---------------------------------------------------------------------------- columns
def _constant_columns(X: np.ndarray) -> np.ndarray:
    """Mask of columns whose values agree to round-off: ``max − min ≤ 4 eps max|x|``."""
    if X.shape[0] == 0:
        return np.zeros(X.shape[1], dtype=bool)
    spread = X.max(axis=0) - X.min(axis=0)
    return spread <= 4 * np.finfo(np.float64).eps * np.abs(X).max(axis=0)


def _duplicate_groups(X: np.ndarray, candidates: np.ndarray) -> list[list[int]]:
    """Groups (≥ 2) of exactly equal columns among ``candidates``, in column order."""
    seen: dict[bytes, list[int]] = {}
    for j in candidates:
        # + 0.0 turns -0.0 into 0.0 so equal values hash equal
        key = np.ascontiguousarray(X[:, j] + 0.0).tobytes()
        seen.setdefault(key, []).append(int(j))
    return [group for group in seen.values() if len(group) > 1]


def _near_duplicate_pairs(
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
def _format_relation(dependent: str, coefs: dict[str, float], intercept: float) -> str:
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


def _relation_from_null_vector(
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
        relation=_format_relation(names[jd], coefs, intercept),
    )


def _collinear_relations(
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
            _relation_from_null_vector(v, d, columns[local], names, mean, std, residual)
        )
    return relations


# ---------------------------------------------------------------------------- target
def _target_summary(
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


# ---------------------------------------------------------------------------- public
def data(
    X: Any,
    y: Any = None,
    *,
    feature_names: Any = None,
    near_duplicate_tol: float = 1e-3,
    condition_target: float = 1e3,
    scale_ratio_threshold: float = 100.0,
    vif_threshold: float = 10.0,
    condition_index_threshold: float = 30.0,
    proportion_threshold: float = 0.5,
) -> DataReport:
    """Diagnose a design matrix: rank, conditioning, collinearity, bad columns, NaN/inf.

    Findings, on the finite block of ``X`` (rows/columns with NaN or inf are reported,
    then left out of the linear algebra; the report says which):

    * ``rank``: numerical rank of ``X`` with tolerance ``rank_tol = σmax · max(n, p) · eps``
      (as :func:`numpy.linalg.matrix_rank`); ``rank_at_target``: how many singular values of
      the standardized ``Z`` exceed ``σmax(Z) / condition_target``; ``effective_rank``.
    * ``condition_number = σmax / σmin`` of ``X`` as given, and
      ``standardized_condition_number`` of ``Z = (X − mean) / std`` over the non-constant
      columns (population std): what is left once units no longer matter.
    * ``collinear_groups``: near-null combinations ``Z v ≈ 0`` (singular values of ``Z``
      below ``σmax(Z) / condition_target``, exact duplicates left out), re-expressed in the
      data's units as ``x_d ≈ Σ c_j x_j + b``.
    * ``vif``: variance inflation factors ``VIF_j = 1 / (1 − R_j²)``, reported from
      ``vif_threshold``; ``dependencies``: Belsley–Kuh–Welsch condition indices
      ``η_k = S[0]/S[k]`` of ``[1, X]`` scaled to unit column length, with the
      variance-decomposition proportions ``π_kj = (V_jk²/S_k²) / Σ_k (V_jk²/S_k²)``; a
      direction with ``η_k ≥ 30`` and two or more ``π_kj ≥ 0.5`` is a harmful dependency
      (BKW 1980), reported as a relation in the involved columns' names. These use the
      analysed columns without constant columns and extra copies of exact duplicates,
      and are skipped when there are not more rows than columns.
    * constant columns, exact duplicate columns, near-duplicates ``|corr| > 1 − tol``,
      and the scale disparity ``max_j std_j / min_j std_j`` (non-constant columns).
    * identifier columns — integer, one distinct value per row, and named like an id
      (``id``, ``*_id``, ``index``, ``Unnamed: 0``…) or, from 20 rows, a permutation of the
      row numbers ``0…n−1`` / ``1…n`` — are reported and left out of the linear algebra.
    * more columns than rows is reported first: every pairwise finding is then weak.
    * With ``y``: length check (raises on mismatch), missing entries, and the columns most
      correlated with ``y``.

    Suggestions name the columns to drop, say when to standardize, and give the ridge
    ``λ`` that brings the condition number of the ridge least-squares problem on ``Z``
    down to ``condition_target = t``: ridge is least squares on ``[Z; √λ I]``, whose
    condition number is ``sqrt((σmax² + λ)/(σmin² + λ))``; setting it to ``t`` gives

        ``λ = (σmax² − t² σmin²) / (t² − 1)``

    (see :func:`ridge_lambda_for_condition`; use it as ``Ridge(alpha=λ)`` on standardized X).

    Parameters
    ----------
    X : array-like or pandas DataFrame of shape (n_samples, n_features)
        Numeric; NaN/inf allowed (reported). DataFrame column names are used in messages.
    y : array-like of shape (n_samples,) or (n_samples, k), optional
        Numeric or categorical target.
    feature_names : sequence of str, optional
        Column names (default: the DataFrame's, else ``x0, x1, …``).
    near_duplicate_tol : float, default=1e-3
        Columns with ``|corr| > 1 − near_duplicate_tol`` are near-duplicates.
    condition_target : float, default=1e3
        The acceptable condition number ``t > 1`` of the standardized problem.
    scale_ratio_threshold : float, default=100
        Suggest standardizing when ``max std / min std`` exceeds this.
    vif_threshold : float, default=10
        Report columns with ``VIF ≥ vif_threshold`` (> 1).
    condition_index_threshold : float, default=30
        BKW's condition index from which a direction can be a harmful dependency (> 1).
    proportion_threshold : float, default=0.5
        BKW's variance-decomposition proportion marking a column as involved, in (0, 1].

    Returns
    -------
    DataReport

    Raises
    ------
    LinmlInputError
        1-D, empty or non-numeric ``X``; ``y`` of the wrong length; bad tolerances.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0, 1.0], [2.0, 4.1, 2.0], [3.0, 5.9, 3.0], [4.0, 8.2, 4.0]])
    >>> report = data(X, feature_names=["a", "b", "a_copy"])
    >>> report.duplicate_groups
    [['a', 'a_copy']]
    >>> [s.action for s in report.suggestions][:1]
    ['drop']
    """
    if not (isinstance(near_duplicate_tol, int | float) and 0 < near_duplicate_tol < 1):
        raise LinmlInputError(
            f"near_duplicate_tol={near_duplicate_tol!r} must be a number in (0, 1)."
        )
    if not (isinstance(condition_target, int | float) and condition_target > 1):
        raise LinmlInputError(
            f"condition_target={condition_target!r} must be a number > 1 (e.g. 1e3)."
        )
    if not (isinstance(scale_ratio_threshold, int | float) and scale_ratio_threshold >= 1):
        raise LinmlInputError(
            f"scale_ratio_threshold={scale_ratio_threshold!r} must be a number >= 1."
        )
    for name, value in (
        ("vif_threshold", vif_threshold),
        ("condition_index_threshold", condition_index_threshold),
    ):
        if not (isinstance(value, int | float) and value > 1):
            raise LinmlInputError(f"{name}={value!r} must be a number > 1 (e.g. 10 or 30).")
    if not (isinstance(proportion_threshold, int | float) and 0 < proportion_threshold <= 1):
        raise LinmlInputError(
            f"proportion_threshold={proportion_threshold!r} must be a number in (0, 1] "
            "(BKW use 0.5)."
        )
    condition_target = float(condition_target)
    encoding_notes: list[str] = []
    Xall, names, dtype = _as_matrix(X, feature_names, encoding_notes)
    n, p = Xall.shape
    labels, kind = _row_labels(X, n)
    rows_used, cols_used, nonfinite = _nonfinite_block(Xall, names, labels)
    f = _Findings(names)
    f.notes.extend(encoding_notes)
    rules = _Rules(
        condition_target,
        near_duplicate_tol,
        float(scale_ratio_threshold),
        float(vif_threshold),
        float(condition_index_threshold),
        float(proportion_threshold),
    )
    if nonfinite is not None:
        f.notes.append(nonfinite.note)
        where = ", ".join(f"({kind} {i}, {c!r})" for i, c in nonfinite.first_positions[:3])
        f.issue("bad", f"{_entries(nonfinite.count)} in {nonfinite.rows} row(s), first at {where}")
        f.suggest(
            "impute",
            f"remove or impute the {nonfinite.rows} row(s) with NaN/inf (columns "
            f"{_quoted(list(nonfinite.columns))}).",
            list(nonfinite.columns),
        )
    cols_used = _identifier_findings(f, Xall[rows_used], cols_used)
    col_idx = np.flatnonzero(cols_used)  # indices into names of the analysed columns
    Xc = Xall[np.ix_(rows_used, cols_used)]  # (n', p') finite block
    Xv = xv_cols = None  # the non-constant columns of the finite block, for y
    if Xc.shape[0] < Xc.shape[1]:
        _wide_finding(f, *Xc.shape)
    if Xc.size == 0:
        f.notes.append("no finite block left: the linear algebra was skipped.")
    else:
        varying, dup_local = _column_findings(f, Xc, col_idx)
        Xr, Cr, Ra = _reduce(Xc)
        _raw_findings(f, Xr, Xc.shape, dtype)
        if varying.size:
            Xv, xv_cols = Xc[:, varying], col_idx[varying]
            _standardized_findings(f, Xc, Cr, col_idx, varying, dup_local, rules)
            _statistical_findings(f, Xc, Cr, Ra, col_idx, varying, dup_local, rules)
        else:
            f.notes.append("every column is constant: nothing to standardize.")
        _scale_findings(f, Xc, col_idx, varying, scale_ratio_threshold)
    target = None
    if y is not None:
        xv_names = [] if xv_cols is None else [names[j] for j in xv_cols]
        target = _target_summary(y, n, Xv, np.flatnonzero(rows_used), xv_names)
        target.first_missing = [_label(labels[i]) for i in target.first_missing]
        if target.note:
            f.notes.append(target.note)
        if target.n_missing:
            first = ", ".join(map(str, target.first_missing))
            f.issue("bad", f"y has {_entries(target.n_missing)}, first at {kind}(s) {first}")
            f.suggest(
                "fix_target",
                f"drop or fill the {target.n_missing} row(s) where y is missing (first: {first}).",
            )
    return DataReport(
        n_samples=n,
        n_features=p,
        feature_names=names,
        dtype=dtype,
        n_samples_used=int(rows_used.sum()),
        n_features_used=int(cols_used.sum()),
        condition_target=condition_target,
        vif_threshold=rules.vif,
        condition_index_threshold=rules.index,
        proportion_threshold=rules.proportion,
        nonfinite=nonfinite,
        target=target,
        suggestions=f.suggestions,
        issues=f.issues,
        notes=f.notes,
        **f.fields,
    )


# ---------------------------------------------------------------------------- steps
_MAX_LISTED = 5  # findings of one kind listed as issues/suggestions before a summary line


@dataclass(frozen=True)
class _Rules:
    """The thresholds :func:`data` was called with."""

    condition_target: float
    near_duplicate_tol: float
    scale_ratio: float
    vif: float
    index: float
    proportion: float


class _Findings:
    """Accumulates report fields, issues, suggestions and notes while :func:`data` runs."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.issues: list[tuple[str, str]] = []
        self.suggestions: list[Suggestion] = []
        self.notes: list[str] = []
        self.fields: dict[str, Any] = dict(
            rank=None,
            rank_tol=None,
            rank_at_target=None,
            effective_rank=None,
            singular_values=None,
            condition_number=None,
            standardized_singular_values=None,
            standardized_condition_number=None,
            collinear_groups=[],
            constant_columns=[],
            duplicate_groups=[],
            near_duplicates=[],
            scale_ratio=None,
            scale_columns=None,
            ridge_lambda=None,
            vif={},
            condition_indices=None,
            max_condition_index=None,
            dependencies=[],
            identifier_columns=[],
        )

    def issue(self, kind: str, text: str) -> None:
        self.issues.append((kind, text))

    def suggest(
        self, action: str, message: str, columns: list[str] | None = None, value: Any = None
    ) -> None:
        self.suggestions.append(Suggestion(action, message, list(columns or []), value))


def _entries(count: int) -> str:
    return f"{count} non-finite/missing entr{'y' if count == 1 else 'ies'}"


def _quoted(names: list[str], limit: int = 5) -> str:
    return ", ".join(map(repr, names[:limit])) + (" …" if len(names) > limit else "")


def _cond(S: np.ndarray) -> float:
    """``cond = S[0] / S[-1]`` over the ``min(n, p)`` singular values (inf when singular).

    Same definition as :func:`linml.linalg.condition_number` and :func:`numpy.linalg.cond`,
    read off singular values already computed instead of a second SVD.
    """
    return float(S[0] / S[-1]) if S[-1] > 0 else math.inf


def _reduce(Xc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def _raw_findings(f: _Findings, Xr: np.ndarray, shape: tuple[int, int], dtype: str) -> None:
    """Raw X: singular values ``S``, ``rank = #{S > max(n, p)·eps·S[0]}``, ``cond = S[0]/S[-1]``.

    ``Xr`` has the singular values of the (n, p) finite block (see :func:`_reduce`).
    """
    n, p = shape
    eps = np.finfo(np.float32 if dtype == "float32" else np.float64).eps  # of the data as given
    S = np.asarray(numerical_rank(Xr).singular_values, dtype=np.float64)
    rank_tol = float(S[0] * max(n, p) * eps)
    rank = int(np.sum(S > rank_tol))
    f.fields.update(singular_values=S, rank=rank, rank_tol=rank_tol, condition_number=_cond(S))
    if rank < min(n, p):
        f.issue(
            "bad",
            f"rank-deficient: rank {rank} < min(n, p) = {min(n, p)} (tolerance {rank_tol:.3g})",
        )


def _column_findings(
    f: _Findings, Xc: np.ndarray, col_idx: np.ndarray
) -> tuple[np.ndarray, list[list[int]]]:
    """Constant and exactly duplicate columns; returns the non-constant ones and duplicates."""
    names = f.names
    const = _constant_columns(Xc)
    constant = [names[j] for j in col_idx[const]]
    f.fields["constant_columns"] = constant
    if constant:
        f.issue("warn", f"constant column(s) {_quoted(constant)}")
        f.suggest(
            "drop",
            f"drop constant column(s) {_quoted(constant)} (zero variance; a model's intercept "
            "already plays their role).",
            constant,
        )
    varying = np.flatnonzero(~const)  # positions in Xc of non-constant columns
    dup_local = _duplicate_groups(Xc, varying)
    groups = [[names[col_idx[j]] for j in g] for g in dup_local]
    f.fields["duplicate_groups"] = groups
    for group in groups:
        f.issue("bad", f"exact duplicate columns {_quoted(group)}")
        f.suggest(
            "drop", f"drop {_quoted(group[1:])} (exact duplicate of {group[0]!r}).", group[1:]
        )
    return varying, dup_local


def _scale_findings(
    f: _Findings, Xc: np.ndarray, col_idx: np.ndarray, varying: np.ndarray, scale_threshold: float
) -> None:
    """Scale disparity ``max std / min std`` of the non-constant columns (reported after the
    collinearity findings, which matter more, so the verdict leads with those)."""
    names = f.names
    if varying.size >= 2:
        std = Xc[:, varying].std(axis=0)
        hi_name = names[col_idx[varying[int(np.argmax(std))]]]
        lo_name = names[col_idx[varying[int(np.argmin(std))]]]
        ratio = float(std.max() / std.min())
        f.fields.update(scale_ratio=ratio, scale_columns=(hi_name, lo_name))
        if ratio > scale_threshold:
            f.issue(
                "warn",
                f"column scales differ by {ratio:.3g}× (std of {hi_name!r} vs {lo_name!r})",
            )
            f.suggest(
                "standardize",
                f"standardize the columns (std ranges over {ratio:.3g}×, from {lo_name!r} to "
                f"{hi_name!r}): the raw condition number mostly measures units.",
                [hi_name, lo_name],
                ratio,
            )


def _standardized_findings(
    f: _Findings,
    Xc: np.ndarray,
    Cr: np.ndarray,
    col_idx: np.ndarray,
    varying: np.ndarray,
    dup_local: list[list[int]],
    rules: _Rules,
) -> None:
    """Conditioning, near-duplicates, collinear groups and ridge λ of standardized ``Z``.

    ``Z = (Xc − mean) / std`` over the ``varying`` columns is never formed for tall data:
    ``Cr`` has the Gram matrix of the centered ``Xc`` (see :func:`_reduce`), so
    ``Cr[:, varying] / std`` has that of ``Z`` — the same singular values, correlations
    and null relations.
    """
    names = f.names
    target, near_tol = rules.condition_target, rules.near_duplicate_tol
    n = Xc.shape[0]
    mean, std = Xc.mean(axis=0), Xc.std(axis=0)  # population std (ddof=0)
    Z = Cr[:, varying] / std[varying]  # stand-in for z_j = (x_j − m_j) / s_j, (≤ n, k)
    z_cols = col_idx[varying]  # column index (into names) of each column of Z
    SZ = np.asarray(numerical_rank(Z).singular_values, dtype=np.float64)
    cond_z = _cond(SZ)
    smax = float(SZ[0])
    f.fields.update(
        standardized_singular_values=SZ,
        standardized_condition_number=cond_z,
        effective_rank=effective_rank(singular_values=SZ),
        rank_at_target=int(np.sum(SZ > smax / target)) if smax > 0 else 0,
    )

    # near-duplicates: |corr| > 1 − tol, exact duplicate pairs left out
    skip = {frozenset((int(col_idx[a]), int(col_idx[b]))) for g in dup_local for a in g for b in g}
    pairs = [
        CorrelatedPair(names[a], names[b], c)
        for a, b, c in _near_duplicate_pairs(Z, n, z_cols, near_tol, skip)
    ]
    f.fields["near_duplicates"] = pairs
    for pair in pairs[:_MAX_LISTED]:
        f.issue(
            "warn",
            f"near-duplicate columns {pair.first!r} and {pair.second!r} "
            f"(corr {pair.correlation:+.6f})",
        )
        f.suggest(
            "drop",
            f"drop {pair.second!r} or {pair.first!r} (corr {pair.correlation:+.6f}): together "
            "they add a near-null direction.",
            [pair.second],
            pair.correlation,
        )
    _more(f, len(pairs), "near-duplicate pairs")

    # collinear groups, with the non-first members of exact duplicate groups left out
    k = Z.shape[1]
    dropped = {j for g in dup_local for j in g[1:]}
    keep = np.array([i for i, j in enumerate(varying) if j not in dropped], dtype=int)
    if keep.size > n:
        f.notes.append(
            f"collinear groups not listed: {keep.size} columns but only {n} rows, so every "
            "column is a combination of the others."
        )
    elif keep.size >= 2 and smax > 0 and not cond_z <= target:
        # (when cond(Z) ≤ target no singular value is below σmax/target: nothing to find)
        relations = _collinear_relations(
            Z[:, keep],
            smax,
            z_cols[keep],
            names,
            _full(mean, col_idx, len(names)),
            _full(std, col_idx, len(names)),
            1.0 / target,
        )
        # a two-column relation that is a near-duplicate pair is already reported
        known = {frozenset((pair.first, pair.second)) for pair in pairs}
        f.fields["collinear_groups"] = [r for r in relations if frozenset(r.columns) not in known]
    relations = f.fields["collinear_groups"]
    for rel in relations[:_MAX_LISTED]:
        f.issue("warn", f"collinear: {rel.relation} (residual {rel.residual:.2g})")
        f.suggest(
            "drop",
            f"drop {rel.dependent!r} (or another of {', '.join(rel.columns)}): {rel.relation}.",
            [rel.dependent],
        )
    _more(f, len(relations), "collinear relations")

    if not math.isfinite(cond_z) or cond_z > target:
        f.issue(
            "warn",
            f"ill-conditioned: standardized condition number {cond_z:.3g} > target {target:g}",
        )
        lam = ridge_lambda_for_condition(SZ, k, target)
        f.fields["ridge_lambda"] = lam
        f.suggest(
            "ridge",
            f"or keep every column and fit ridge on standardized X with λ ≈ {lam:.4g} "
            f"(Ridge(alpha={lam:.4g})): the condition number of the regularized problem, "
            f"sqrt((σmax²+λ)/(σmin²+λ)), is then {target:g}.",
            value=lam,
        )


def _more(f: _Findings, total: int, what: str) -> None:
    if total > _MAX_LISTED:
        f.issue("warn", f"… and {total - _MAX_LISTED} more {what} (see the full report)")


def _full(values: np.ndarray, col_idx: np.ndarray, p: int) -> np.ndarray:
    """Scatter per-column ``values`` of the analysed block back to all ``p`` columns."""
    full = np.full(p, np.nan)
    full[col_idx] = values
    return full


# ---------------------------------------------------------------------------- identifiers, wide
def _identifier_findings(f: _Findings, X: np.ndarray, cols_used: np.ndarray) -> np.ndarray:
    """Leave out identifier columns; returns the narrowed ``cols_used``.

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
        name = f.names[j]
        named = bool(_ID_NAME.search(name) or _ID_CAMEL.search(name))
        row_numbers = (
            n >= _MIN_ROWS_FOR_ROW_NUMBERS and u[0] in (0.0, 1.0) and u[-1] - u[0] == n - 1
        )
        if named or row_numbers:
            found.append(int(j))
    if not found:
        return cols_used
    ids = [f.names[j] for j in found]
    f.fields["identifier_columns"] = ids
    f.issue(
        "warn",
        f"identifier column(s) {_quoted(ids)} (one distinct integer per row): not a feature, "
        "left out of the analysis",
    )
    f.suggest(
        "drop",
        f"drop identifier column(s) {_quoted(ids)} before fitting: an id carries no signal, and "
        "its numeric scale (and any trend with row order) is an artefact.",
        ids,
    )
    f.notes.append(f"identifier column(s) {_quoted(ids)} left out of the linear algebra.")
    kept = cols_used.copy()
    kept[found] = False
    return kept


def _wide_finding(f: _Findings, n: int, p: int) -> None:
    """More columns than rows: the first finding, since every later one is weak beside it."""
    f.issues.insert(
        0,
        (
            "bad",
            f"more columns than rows ({p} columns, {n} rows): X has at least {p - n} exact null "
            "directions, least squares has no unique solution, and pairwise findings "
            "(correlations, near-duplicates) are weak evidence",
        ),
    )
    f.suggestions.insert(
        0,
        Suggestion(
            "ridge",
            f"with {p} columns and {n} rows only a regularized fit is well-posed: use ridge or "
            "lasso, or reduce the columns first (PCA, feature selection).",
        ),
    )


# ---------------------------------------------------------------------------- VIF and BKW
def _statistical_findings(
    f: _Findings,
    Xc: np.ndarray,
    Cr: np.ndarray,
    Ra: np.ndarray,
    col_idx: np.ndarray,
    varying: np.ndarray,
    dup_local: list[list[int]],
    rules: _Rules,
) -> None:
    """Variance inflation factors and Belsley–Kuh–Welsch dependencies of the kept columns.

    Kept: non-constant columns, the first of each exact duplicate group. ``Cr[:, keep]``
    has the Gram matrix of the centered columns (centered VIF with ``center=False``), and
    ``Ra[:, [0, 1 + keep]]`` that of ``[1, Xc[:, keep]]`` — all that the unit-length
    scaling, the SVD and the relation fits below read (see :func:`_reduce`).
    """
    n = Xc.shape[0]
    dropped = {j for g in dup_local for j in g[1:]}
    keep = np.array([j for j in varying if j not in dropped], dtype=int)  # positions in Xc
    if keep.size == 0:
        return
    if keep.size >= n:
        f.notes.append(
            f"VIF and condition indices not computed: {keep.size} columns and only {n} rows "
            "(every column is then an exact combination of the others and the intercept)."
        )
        return
    names_k = [f.names[col_idx[j]] for j in keep]

    # VIF_j = 1 / (1 − R_j²), R_j² from regressing column j on the others (with intercept)
    vif = variance_inflation_factors(Cr[:, keep], center=False)
    f.fields["vif"] = {name: float(v) for name, v in zip(names_k, vif, strict=True)}
    high = sorted(
        ((float(v), name) for name, v in zip(names_k, vif, strict=True) if v >= rules.vif),
        key=lambda t: -t[0],
    )
    if high:
        shown = ", ".join(f"{name!r} ({_fmt(v)})" for v, name in high[:_MAX_LISTED])
        more = f" and {len(high) - _MAX_LISTED} more" if len(high) > _MAX_LISTED else ""
        f.issue(
            "warn",
            f"variance inflation: VIF ≥ {rules.vif:g} for {shown}{more} "
            f"(VIF = 1/(1 − R²) on the other columns: R² ≥ {1 - 1 / rules.vif:.3g})",
        )

    # Belsley–Kuh–Welsch: [1, X] scaled to unit column length, η_k and π_kj
    ci = condition_indices(
        Ra[:, [0, *(1 + keep)]], intercept=False, feature_names=["(intercept)", *names_k]
    )
    f.fields.update(condition_indices=ci.indices, max_condition_index=ci.max_index)
    deps = [
        _dependency(d, Xc, Cr, Ra, keep, names_k)
        for d in ci.dependencies(rules.index, rules.proportion)
    ]
    f.fields["dependencies"] = deps
    # a dependency on exactly the columns of a relation already listed is not repeated
    known = {frozenset(r.columns) for r in f.fields["collinear_groups"]}
    known |= {frozenset((p.first, p.second)) for p in f.fields["near_duplicates"]}
    listed = [d for d in deps if frozenset(c for c in d.columns if c != "(intercept)") not in known]
    for d in listed[:_MAX_LISTED]:
        involved = ", ".join(f"{c} {d.proportions[c]:.2f}" for c in d.columns)
        rule = (
            f"BKW: condition index {d.index:.3g} ≥ {rules.index:g}, variance proportions "
            f"{involved} ≥ {rules.proportion:g}"
        )
        others = [c for c in d.columns if c not in ("(intercept)", d.dependent)]
        if not others:
            mean = d.intercept
            f.issue(
                "warn",
                f"{d.dependent!r} varies little around its mean {mean:.4g}, confounded with "
                f"the intercept ({rule})",
            )
            f.suggest(
                "standardize",
                f"center {d.dependent!r} (subtract its mean {mean:.4g}): its coefficient and the "
                "intercept are confounded.",
                [d.dependent],
                d.index,
            )
            continue
        f.issue(
            "warn",
            f"near-dependency {d.relation} (R² {_r2(d.r_squared)}; {rule})",
        )
        f.suggest(
            "drop",
            f"drop {d.dependent!r} (or another of {', '.join(c for c in d.columns if c != '(intercept)')}), "
            f"combine them, or fit ridge: {d.relation} (R² {_r2(d.r_squared)}).",
            [d.dependent],
            d.index,
        )
    _more(f, len(listed), "near-dependencies")


def _fmt(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:.4g}"


def _r2(r2: float) -> str:
    """R² with enough digits to tell 0.9999 from 1 (``1 − R²`` to 2 significant digits)."""
    if r2 >= 1.0:
        return "1"
    digits = max(2, 1 - math.floor(math.log10(max(1.0 - r2, 1e-16))) + 1)
    return f"{r2:.{min(digits, 16)}f}"


def _dependency(
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
        relation=_format_relation(dependent, coefficients, intercept),
    )
