"""What :func:`linml.diagnose.data` reports: one small pure function per kind of finding.

Each ``*_findings`` function takes what was measured (by :mod:`linml.diagnose._measures`)
and returns a list of :class:`Finding` — the issue line, the suggested fix and any note —
empty when there is nothing to report. :func:`linml.diagnose.data` calls them in the order
the report lists its findings.

>>> [f.text for f in constant_findings(["one"])]
["constant column(s) 'one'"]
>>> rank_findings(rank=3, n=10, p=3, rank_tol=1e-12)
[]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from linml.diagnose.report import (
    CollinearRelation,
    ConditionDependency,
    CorrelatedPair,
    NonFiniteSummary,
    Suggestion,
    TargetSummary,
)

__all__ = [
    "MAX_LISTED",
    "Finding",
    "Rules",
    "collinear_findings",
    "collinearity_rule_findings",
    "constant_findings",
    "duplicate_findings",
    "identifier_findings",
    "ill_conditioning_findings",
    "near_duplicate_findings",
    "nonfinite_findings",
    "rank_findings",
    "scale_findings",
    "target_findings",
    "wide_findings",
]

MAX_LISTED = 5  # findings of one kind listed as issues/suggestions before a summary line


@dataclass(frozen=True)
class Finding:
    """One thing found, as the report says it.

    ``severity`` ('bad' or 'warn') and ``text`` make an issue line (``severity`` is None
    for a note alone); ``suggestion`` is the fix it calls for; ``note`` says what was left
    out of the computation and why.
    """

    severity: str | None = None
    text: str = ""
    suggestion: Suggestion | None = None
    note: str | None = None


@dataclass(frozen=True)
class Rules:
    """The thresholds :func:`linml.diagnose.data` was called with."""

    condition_target: float
    near_duplicate_tol: float
    scale_ratio: float
    vif: float
    index: float
    proportion: float


def _suggest(
    action: str, message: str, columns: list[str] | None = None, value: Any = None
) -> Suggestion:
    """A :class:`Suggestion` with its own copy of ``columns``."""
    return Suggestion(action, message, list(columns or []), value)


def _entries(count: int) -> str:
    return f"{count} non-finite/missing entr{'y' if count == 1 else 'ies'}"


def _quoted(names: list[str], limit: int = 5) -> str:
    return ", ".join(map(repr, names[:limit])) + (" …" if len(names) > limit else "")


def _fmt(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:.4g}"


def _r2(r2: float) -> str:
    """R² with enough digits to tell 0.9999 from 1 (``1 − R²`` to 2 significant digits)."""
    if r2 >= 1.0:
        return "1"
    digits = max(2, 1 - math.floor(math.log10(max(1.0 - r2, 1e-16))) + 1)
    return f"{r2:.{min(digits, 16)}f}"


def _more(total: int, what: str) -> list[Finding]:
    """The summary line for the findings of one kind beyond the first :data:`MAX_LISTED`."""
    if total > MAX_LISTED:
        return [Finding("warn", f"… and {total - MAX_LISTED} more {what} (see the full report)")]
    return []


# ---------------------------------------------------------------------------- input
def nonfinite_findings(nonfinite: NonFiniteSummary | None, row_kind: str) -> list[Finding]:
    """NaN/inf in ``X``: where they are (rows named as ``row_kind``), and what to remove."""
    if nonfinite is None:
        return []
    where = ", ".join(f"({row_kind} {i}, {c!r})" for i, c in nonfinite.first_positions[:3])
    return [
        Finding(
            "bad",
            f"{_entries(nonfinite.count)} in {nonfinite.rows} row(s), first at {where}",
            _suggest(
                "impute",
                f"remove or impute the {nonfinite.rows} row(s) with NaN/inf (columns "
                f"{_quoted(list(nonfinite.columns))}).",
                list(nonfinite.columns),
            ),
            note=nonfinite.note,
        )
    ]


def identifier_findings(ids: list[str]) -> list[Finding]:
    """Identifier columns ``ids``, left out of the analysis."""
    if not ids:
        return []
    return [
        Finding(
            "warn",
            f"identifier column(s) {_quoted(ids)} (one distinct integer per row): not a "
            "feature, left out of the analysis",
            _suggest(
                "drop",
                f"drop identifier column(s) {_quoted(ids)} before fitting: an id carries no "
                "signal, and its numeric scale (and any trend with row order) is an artefact.",
                ids,
            ),
            note=f"identifier column(s) {_quoted(ids)} left out of the linear algebra.",
        )
    ]


def wide_findings(n: int, p: int) -> list[Finding]:
    """More columns than rows: reported first, since every later finding is weak beside it."""
    if n >= p:
        return []
    return [
        Finding(
            "bad",
            f"more columns than rows ({p} columns, {n} rows): X has at least {p - n} exact null "
            "directions, least squares has no unique solution, and pairwise findings "
            "(correlations, near-duplicates) are weak evidence",
            _suggest(
                "ridge",
                f"with {p} columns and {n} rows only a regularized fit is well-posed: use ridge "
                "or lasso, or reduce the columns first (PCA, feature selection).",
            ),
        )
    ]


# ---------------------------------------------------------------------------- columns
def constant_findings(constant: list[str]) -> list[Finding]:
    """Constant columns: zero variance, the intercept's role."""
    if not constant:
        return []
    return [
        Finding(
            "warn",
            f"constant column(s) {_quoted(constant)}",
            _suggest(
                "drop",
                f"drop constant column(s) {_quoted(constant)} (zero variance; a model's "
                "intercept already plays their role).",
                constant,
            ),
        )
    ]


def duplicate_findings(groups: list[list[str]]) -> list[Finding]:
    """Groups of exactly equal columns: keep the first of each."""
    return [
        Finding(
            "bad",
            f"exact duplicate columns {_quoted(group)}",
            _suggest(
                "drop", f"drop {_quoted(group[1:])} (exact duplicate of {group[0]!r}).", group[1:]
            ),
        )
        for group in groups
    ]


def scale_findings(
    ratio: float | None, columns: tuple[str, str] | None, threshold: float
) -> list[Finding]:
    """Scale disparity ``ratio = max std / min std`` between ``columns`` above ``threshold``."""
    if ratio is None or columns is None or not ratio > threshold:
        return []
    hi_name, lo_name = columns
    return [
        Finding(
            "warn",
            f"column scales differ by {ratio:.3g}× (std of {hi_name!r} vs {lo_name!r})",
            _suggest(
                "standardize",
                f"standardize the columns (std ranges over {ratio:.3g}×, from {lo_name!r} to "
                f"{hi_name!r}): the raw condition number mostly measures units.",
                [hi_name, lo_name],
                ratio,
            ),
        )
    ]


# ---------------------------------------------------------------------------- spectra
def rank_findings(rank: int, n: int, p: int, rank_tol: float) -> list[Finding]:
    """Rank deficiency of the raw ``(n, p)`` block: ``rank < min(n, p)``."""
    if rank >= min(n, p):
        return []
    return [
        Finding(
            "bad",
            f"rank-deficient: rank {rank} < min(n, p) = {min(n, p)} (tolerance {rank_tol:.3g})",
        )
    ]


def near_duplicate_findings(pairs: list[CorrelatedPair]) -> list[Finding]:
    """Near-duplicate pairs ``|corr| > 1 − tol``: drop one of each."""
    found = [
        Finding(
            "warn",
            f"near-duplicate columns {pair.first!r} and {pair.second!r} "
            f"(corr {pair.correlation:+.6f})",
            _suggest(
                "drop",
                f"drop {pair.second!r} or {pair.first!r} (corr {pair.correlation:+.6f}): "
                "together they add a near-null direction.",
                [pair.second],
                pair.correlation,
            ),
        )
        for pair in pairs[:MAX_LISTED]
    ]
    return found + _more(len(pairs), "near-duplicate pairs")


def collinear_findings(relations: list[CollinearRelation]) -> list[Finding]:
    """Near-null combinations of the standardized columns: drop the dependent column."""
    found = [
        Finding(
            "warn",
            f"collinear: {rel.relation} (residual {rel.residual:.2g})",
            _suggest(
                "drop",
                f"drop {rel.dependent!r} (or another of {', '.join(rel.columns)}): {rel.relation}.",
                [rel.dependent],
            ),
        )
        for rel in relations[:MAX_LISTED]
    ]
    return found + _more(len(relations), "collinear relations")


def ill_conditioning_findings(
    cond_z: float, target: float, ridge_lambda: float | None
) -> list[Finding]:
    """Standardized condition number above ``target``, and the ridge ``λ`` that meets it.

    ``ridge_lambda`` is None when ``cond_z ≤ target`` (nothing to report).
    """
    if ridge_lambda is None:
        return []
    lam = ridge_lambda
    return [
        Finding(
            "warn",
            f"ill-conditioned: standardized condition number {cond_z:.3g} > target {target:g}",
            _suggest(
                "ridge",
                f"or keep every column and fit ridge on standardized X with λ ≈ {lam:.4g} "
                f"(Ridge(alpha={lam:.4g})): the condition number of the regularized problem, "
                f"sqrt((σmax²+λ)/(σmin²+λ)), is then {target:g}.",
                value=lam,
            ),
        )
    ]


# ---------------------------------------------------------------------------- VIF and BKW
def collinearity_rule_findings(
    names: list[str],
    vif: np.ndarray,
    dependencies: list[ConditionDependency],
    relations: list[CollinearRelation],
    pairs: list[CorrelatedPair],
    rules: Rules,
) -> list[Finding]:
    """The statistician's collinearity rules: ``VIF ≥ rules.vif`` and Belsley–Kuh–Welsch.

    ``vif`` holds ``VIF_j = 1 / (1 − R_j²)`` of the columns ``names``; ``dependencies`` the
    BKW directions (condition index ``≥ rules.index`` with two or more variance
    proportions ``≥ rules.proportion``). A dependency on exactly the columns of one of the
    ``relations`` or near-duplicate ``pairs`` already listed is not repeated.
    """
    found = []
    high = sorted(
        ((float(v), name) for name, v in zip(names, vif, strict=True) if v >= rules.vif),
        key=lambda t: -t[0],
    )
    if high:
        shown = ", ".join(f"{name!r} ({_fmt(v)})" for v, name in high[:MAX_LISTED])
        more = f" and {len(high) - MAX_LISTED} more" if len(high) > MAX_LISTED else ""
        found.append(
            Finding(
                "warn",
                f"variance inflation: VIF ≥ {rules.vif:g} for {shown}{more} "
                f"(VIF = 1/(1 − R²) on the other columns: R² ≥ {1 - 1 / rules.vif:.3g})",
            )
        )
    known = {frozenset(r.columns) for r in relations}
    known |= {frozenset((p.first, p.second)) for p in pairs}
    listed = [
        d
        for d in dependencies
        if frozenset(c for c in d.columns if c != "(intercept)") not in known
    ]
    found += [_dependency_finding(d, rules) for d in listed[:MAX_LISTED]]
    return found + _more(len(listed), "near-dependencies")


def _dependency_finding(d: ConditionDependency, rules: Rules) -> Finding:
    """One BKW dependency: confounded with the intercept, or a relation among columns."""
    involved = ", ".join(f"{c} {d.proportions[c]:.2f}" for c in d.columns)
    rule = (
        f"BKW: condition index {d.index:.3g} ≥ {rules.index:g}, variance proportions "
        f"{involved} ≥ {rules.proportion:g}"
    )
    others = [c for c in d.columns if c not in ("(intercept)", d.dependent)]
    if not others:
        mean = d.intercept
        return Finding(
            "warn",
            f"{d.dependent!r} varies little around its mean {mean:.4g}, confounded with "
            f"the intercept ({rule})",
            _suggest(
                "standardize",
                f"center {d.dependent!r} (subtract its mean {mean:.4g}): its coefficient and the "
                "intercept are confounded.",
                [d.dependent],
                d.index,
            ),
        )
    return Finding(
        "warn",
        f"near-dependency {d.relation} (R² {_r2(d.r_squared)}; {rule})",
        _suggest(
            "drop",
            f"drop {d.dependent!r} (or another of {', '.join(c for c in d.columns if c != '(intercept)')}), "
            f"combine them, or fit ridge: {d.relation} (R² {_r2(d.r_squared)}).",
            [d.dependent],
            d.index,
        ),
    )


# ---------------------------------------------------------------------------- target
def target_findings(target: TargetSummary | None, row_kind: str) -> list[Finding]:
    """``y``: its note (class labels) and its missing entries (rows named as ``row_kind``)."""
    if target is None:
        return []
    found = [Finding(note=target.note)] if target.note else []
    if target.n_missing:
        first = ", ".join(map(str, target.first_missing))
        found.append(
            Finding(
                "bad",
                f"y has {_entries(target.n_missing)}, first at {row_kind}(s) {first}",
                _suggest(
                    "fix_target",
                    f"drop or fill the {target.n_missing} row(s) where y is missing "
                    f"(first: {first}).",
                ),
            )
        )
    return found
