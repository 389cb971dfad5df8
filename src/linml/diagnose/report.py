"""The diagnosis of a design matrix as plain data: what :func:`linml.diagnose.data` found.

The dataclasses here hold numbers, names and sentences only; they import no rendering.
:mod:`linml.diagnose.render` turns them into Rich tables, text and JSON, and
:class:`linml.diagnose.data.DataReport` adds those renderings as methods.

>>> Suggestion("drop", "drop 'b' (exact duplicate of 'a').", ["b"]).columns
['b']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "CollinearRelation",
    "ConditionDependency",
    "CorrelatedPair",
    "DataReportBase",
    "NonFiniteSummary",
    "Suggestion",
    "TargetSummary",
]


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
class DataReportBase:
    """The fields of a design matrix's diagnosis, with its :attr:`severity` and :attr:`verdict`.

    :class:`linml.diagnose.data.DataReport` is this with its renderings as methods
    (``to_dict()``, ``__rich__``, ``render()``, ``str()``).

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
