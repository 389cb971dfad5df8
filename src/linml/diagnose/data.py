"""What is wrong with a design matrix, found by its linear algebra.

:func:`data` reads ``X`` (and optionally ``y``) and reports, in the data's own column names,
what a linear model fitted on it will suffer from: rank deficiency, ill-conditioning and the
near-null column combinations behind it, the statistician's collinearity diagnostics
(variance inflation factors; Belsley–Kuh–Welsch condition indices with variance-decomposition
proportions), constant, duplicate, near-duplicate and identifier columns, wildly different
column scales, more columns than rows, and NaN/inf entries. Each finding comes with a concrete
suggestion (standardize, drop a named column, ridge with a computed ``λ``).

This module is the entry point and runs the steps; the work is split below it, imports
running one way: :mod:`linml.diagnose._measures` measures (pure functions of arrays),
:mod:`linml.diagnose.findings` decides what to report (one function per kind of finding),
:mod:`linml.diagnose.report` holds the dataclasses and :mod:`linml.diagnose.render` turns
them into Rich tables, text and JSON.

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
from typing import Any

import numpy as np

from linml.diagnose import render as _render
from linml.diagnose._measures import (
    collinear_relations,
    cond,
    constant_columns,
    dependency_relation,
    duplicate_groups,
    gram_stand_ins,
    identifier_columns,
    near_duplicate_pairs,
    nonfinite_block,
    plain_label,
    scatter_columns,
    target_summary,
)
from linml.diagnose.findings import (
    Finding,
    Rules,
    collinear_findings,
    collinearity_rule_findings,
    constant_findings,
    duplicate_findings,
    identifier_findings,
    ill_conditioning_findings,
    near_duplicate_findings,
    nonfinite_findings,
    rank_findings,
    scale_findings,
    target_findings,
    wide_findings,
)
from linml.diagnose.report import (
    CollinearRelation,
    ConditionDependency,
    CorrelatedPair,
    DataReportBase,
    NonFiniteSummary,
    Suggestion,
    TargetSummary,
)
from linml.exceptions import LinmlInputError
from linml.linalg import (
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


# ---------------------------------------------------------------------------- report
class DataReport(DataReportBase):
    """The diagnosis of a design matrix; ``to_dict()`` is JSON-able, ``__rich__`` renders it.

    Its fields, :attr:`severity` and :attr:`verdict` are those of
    :class:`~linml.diagnose.report.DataReportBase` (where each field is described); the
    methods here are the renderings of :mod:`linml.diagnose.render`.
    """

    def to_dict(self) -> dict[str, Any]:
        """Plain Python types only (``inf``/``nan`` become ``None``), ready for ``json.dumps``."""
        return _render.report_dict(self)

    def __rich__(self) -> Any:
        return _render.data_report_renderable(self)

    def render(self, console: Any = None) -> None:
        """Print the report with Rich on ``console`` (a new one on stdout if None)."""
        _render.render(self, console)

    def __str__(self) -> str:
        return _render.to_text(self)


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
    rows_used, cols_used, nonfinite = nonfinite_block(Xall, names, labels)
    d = _Diagnosis(names)
    rules = Rules(
        condition_target,
        near_duplicate_tol,
        float(scale_ratio_threshold),
        float(vif_threshold),
        float(condition_index_threshold),
        float(proportion_threshold),
    )
    d.found += nonfinite_findings(nonfinite, kind)
    cols_used = _identifier_step(d, Xall[rows_used], cols_used)
    col_idx = np.flatnonzero(cols_used)  # indices into names of the analysed columns
    Xc = Xall[np.ix_(rows_used, cols_used)]  # (n', p') finite block
    Xv = xv_cols = None  # the non-constant columns of the finite block, for y
    d.found[:0] = wide_findings(*Xc.shape)  # first: every later finding is weak beside it
    if Xc.size == 0:
        d.found.append(Finding(note="no finite block left: the linear algebra was skipped."))
    else:
        varying, dup_local = _column_step(d, Xc, col_idx)
        Xr, Cr, Ra = gram_stand_ins(Xc)
        _raw_step(d, Xr, Xc.shape, dtype)
        if varying.size:
            Xv, xv_cols = Xc[:, varying], col_idx[varying]
            _standardized_step(d, Xc, Cr, col_idx, varying, dup_local, rules)
            _statistical_step(d, Xc, Cr, Ra, col_idx, varying, dup_local, rules)
        else:
            d.found.append(Finding(note="every column is constant: nothing to standardize."))
        _scale_step(d, Xc, col_idx, varying, rules.scale_ratio)
    target = None
    if y is not None:
        xv_names = [] if xv_cols is None else [names[j] for j in xv_cols]
        target = target_summary(y, n, Xv, np.flatnonzero(rows_used), xv_names)
        target.first_missing = [plain_label(labels[i]) for i in target.first_missing]
        d.found += target_findings(target, kind)
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
        suggestions=[x.suggestion for x in d.found if x.suggestion is not None],
        issues=[(x.severity, x.text) for x in d.found if x.severity is not None],
        notes=encoding_notes + [x.note for x in d.found if x.note is not None],
        **d.fields,
    )


# ---------------------------------------------------------------------------- steps
class _Diagnosis:
    """The report fields and the findings (in report order) while :func:`data` runs."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.found: list[Finding] = []
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


def _identifier_step(d: _Diagnosis, X: np.ndarray, cols_used: np.ndarray) -> np.ndarray:
    """Leave out identifier columns (see :func:`~linml.diagnose._measures.identifier_columns`);
    returns the narrowed ``cols_used``."""
    found = identifier_columns(X, cols_used, d.names)
    if not found:
        return cols_used
    ids = [d.names[j] for j in found]
    d.fields["identifier_columns"] = ids
    d.found += identifier_findings(ids)
    kept = cols_used.copy()
    kept[found] = False
    return kept


def _raw_step(d: _Diagnosis, Xr: np.ndarray, shape: tuple[int, int], dtype: str) -> None:
    """Raw X: singular values ``S``, ``rank = #{S > max(n, p)·eps·S[0]}``, ``cond = S[0]/S[-1]``.

    ``Xr`` has the singular values of the (n, p) finite block (see
    :func:`~linml.diagnose._measures.gram_stand_ins`).
    """
    n, p = shape
    eps = np.finfo(np.float32 if dtype == "float32" else np.float64).eps  # of the data as given
    S = np.asarray(numerical_rank(Xr).singular_values, dtype=np.float64)
    rank_tol = float(S[0] * max(n, p) * eps)
    rank = int(np.sum(S > rank_tol))
    d.fields.update(singular_values=S, rank=rank, rank_tol=rank_tol, condition_number=cond(S))
    d.found += rank_findings(rank, n, p, rank_tol)


def _column_step(
    d: _Diagnosis, Xc: np.ndarray, col_idx: np.ndarray
) -> tuple[np.ndarray, list[list[int]]]:
    """Constant and exactly duplicate columns; returns the non-constant ones and duplicates."""
    names = d.names
    const = constant_columns(Xc)
    constant = [names[j] for j in col_idx[const]]
    d.fields["constant_columns"] = constant
    d.found += constant_findings(constant)
    varying = np.flatnonzero(~const)  # positions in Xc of non-constant columns
    dup_local = duplicate_groups(Xc, varying)
    groups = [[names[col_idx[j]] for j in g] for g in dup_local]
    d.fields["duplicate_groups"] = groups
    d.found += duplicate_findings(groups)
    return varying, dup_local


def _scale_step(
    d: _Diagnosis, Xc: np.ndarray, col_idx: np.ndarray, varying: np.ndarray, threshold: float
) -> None:
    """Scale disparity ``max std / min std`` of the non-constant columns (reported after the
    collinearity findings, which matter more, so the verdict leads with those)."""
    names = d.names
    if varying.size >= 2:
        std = Xc[:, varying].std(axis=0)
        hi_name = names[col_idx[varying[int(np.argmax(std))]]]
        lo_name = names[col_idx[varying[int(np.argmin(std))]]]
        ratio = float(std.max() / std.min())
        d.fields.update(scale_ratio=ratio, scale_columns=(hi_name, lo_name))
        d.found += scale_findings(ratio, (hi_name, lo_name), threshold)


def _kept(varying: np.ndarray, dup_local: list[list[int]]) -> np.ndarray:
    """Indices into ``varying`` of the columns kept for the collinearity analysis.

    Kept: the non-constant columns without the non-first members of exact duplicate
    groups (which add nothing but an exact null direction, reported on their own).
    """
    dropped = {j for g in dup_local for j in g[1:]}
    return np.array([i for i, j in enumerate(varying) if j not in dropped], dtype=int)


def _standardized_step(
    d: _Diagnosis,
    Xc: np.ndarray,
    Cr: np.ndarray,
    col_idx: np.ndarray,
    varying: np.ndarray,
    dup_local: list[list[int]],
    rules: Rules,
) -> None:
    """Conditioning, near-duplicates, collinear groups and ridge λ of standardized ``Z``.

    ``Z = (Xc − mean) / std`` over the ``varying`` columns is never formed for tall data:
    ``Cr`` has the Gram matrix of the centered ``Xc`` (see
    :func:`~linml.diagnose._measures.gram_stand_ins`), so ``Cr[:, varying] / std`` has that
    of ``Z`` — the same singular values, correlations and null relations.
    """
    names = d.names
    target, near_tol = rules.condition_target, rules.near_duplicate_tol
    n = Xc.shape[0]
    mean, std = Xc.mean(axis=0), Xc.std(axis=0)  # population std (ddof=0)
    Z = Cr[:, varying] / std[varying]  # stand-in for z_j = (x_j − m_j) / s_j, (≤ n, k)
    z_cols = col_idx[varying]  # column index (into names) of each column of Z
    SZ = np.asarray(numerical_rank(Z).singular_values, dtype=np.float64)
    cond_z = cond(SZ)
    smax = float(SZ[0])
    d.fields.update(
        standardized_singular_values=SZ,
        standardized_condition_number=cond_z,
        effective_rank=effective_rank(singular_values=SZ),
        rank_at_target=int(np.sum(SZ > smax / target)) if smax > 0 else 0,
    )

    # near-duplicates: |corr| > 1 − tol, exact duplicate pairs left out
    skip = {frozenset((int(col_idx[a]), int(col_idx[b]))) for g in dup_local for a in g for b in g}
    pairs = [
        CorrelatedPair(names[a], names[b], c)
        for a, b, c in near_duplicate_pairs(Z, n, z_cols, near_tol, skip)
    ]
    d.fields["near_duplicates"] = pairs
    d.found += near_duplicate_findings(pairs)

    # collinear groups, with the non-first members of exact duplicate groups left out
    keep = _kept(varying, dup_local)
    if keep.size > n:
        d.found.append(
            Finding(
                note=f"collinear groups not listed: {keep.size} columns but only {n} rows, so "
                "every column is a combination of the others."
            )
        )
    elif keep.size >= 2 and smax > 0 and not cond_z <= target:
        # (when cond(Z) ≤ target no singular value is below σmax/target: nothing to find)
        relations = collinear_relations(
            Z[:, keep],
            smax,
            z_cols[keep],
            names,
            scatter_columns(mean, col_idx, len(names)),
            scatter_columns(std, col_idx, len(names)),
            1.0 / target,
        )
        # a two-column relation that is a near-duplicate pair is already reported
        known = {frozenset((pair.first, pair.second)) for pair in pairs}
        d.fields["collinear_groups"] = [r for r in relations if frozenset(r.columns) not in known]
    d.found += collinear_findings(d.fields["collinear_groups"])

    if not math.isfinite(cond_z) or cond_z > target:
        lam = ridge_lambda_for_condition(SZ, Z.shape[1], target)
        d.fields["ridge_lambda"] = lam
        d.found += ill_conditioning_findings(cond_z, target, lam)


def _statistical_step(
    d: _Diagnosis,
    Xc: np.ndarray,
    Cr: np.ndarray,
    Ra: np.ndarray,
    col_idx: np.ndarray,
    varying: np.ndarray,
    dup_local: list[list[int]],
    rules: Rules,
) -> None:
    """Variance inflation factors and Belsley–Kuh–Welsch dependencies of the kept columns.

    Kept: non-constant columns, the first of each exact duplicate group. ``Cr[:, keep]``
    has the Gram matrix of the centered columns (centered VIF with ``center=False``), and
    ``Ra[:, [0, 1 + keep]]`` that of ``[1, Xc[:, keep]]`` — all that the unit-length
    scaling, the SVD and the relation fits below read (see
    :func:`~linml.diagnose._measures.gram_stand_ins`).
    """
    n = Xc.shape[0]
    keep = varying[_kept(varying, dup_local)]  # positions in Xc
    if keep.size == 0:
        return
    if keep.size >= n:
        d.found.append(
            Finding(
                note=f"VIF and condition indices not computed: {keep.size} columns and only "
                f"{n} rows (every column is then an exact combination of the others and the "
                "intercept)."
            )
        )
        return
    names_k = [d.names[col_idx[j]] for j in keep]

    # VIF_j = 1 / (1 − R_j²), R_j² from regressing column j on the others (with intercept)
    vif = variance_inflation_factors(Cr[:, keep], center=False)
    d.fields["vif"] = {name: float(v) for name, v in zip(names_k, vif, strict=True)}

    # Belsley–Kuh–Welsch: [1, X] scaled to unit column length, η_k and π_kj
    ci = condition_indices(
        Ra[:, [0, *(1 + keep)]], intercept=False, feature_names=["(intercept)", *names_k]
    )
    d.fields.update(condition_indices=ci.indices, max_condition_index=ci.max_index)
    deps = [
        dependency_relation(dep, Xc, Cr, Ra, keep, names_k)
        for dep in ci.dependencies(rules.index, rules.proportion)
    ]
    d.fields["dependencies"] = deps
    d.found += collinearity_rule_findings(
        names_k, vif, deps, d.fields["collinear_groups"], d.fields["near_duplicates"], rules
    )
