"""Tests for linml.diagnose.data: planted defects are found, numbers match NumPy oracles."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from linml.diagnose import DataReport, data, ridge_lambda_for_condition
from linml.exceptions import LinmlInputError

RTOL = 1e-8


def _standardize(X):
    """Oracle: (X − mean) / std over the non-constant columns (population std)."""
    X = np.asarray(X, dtype=np.float64)
    keep = np.ptp(X, axis=0) > 0
    Xk = X[:, keep]
    return (Xk - Xk.mean(axis=0)) / Xk.std(axis=0)


def _well_conditioned(rng, n=200, p=4):
    return rng.standard_normal((n, p))


def _relation(report, dependent):
    found = [g for g in report.collinear_groups if g.dependent == dependent]
    assert found, f"no relation for {dependent!r}: {[g.relation for g in report.collinear_groups]}"
    return found[0]


# ---------------------------------------------------------------------------- collinearity
def test_planted_collinearity_found_with_its_coefficients(rng):
    X = _well_conditioned(rng, 300, 3)
    x3 = 2 * X[:, 1] - X[:, 2] + 1e-8 * rng.standard_normal(300)
    report = data(np.column_stack([X, x3]))
    rel = _relation(report, "x3")
    assert sorted(rel.columns) == ["x1", "x2", "x3"]
    np.testing.assert_allclose(rel.coefficients["x1"], 2.0, rtol=1e-6)
    np.testing.assert_allclose(rel.coefficients["x2"], -1.0, rtol=1e-6)
    assert abs(rel.intercept) < 1e-6
    assert rel.relation == "x3 ≈ 2·x1 - x2"
    assert rel.residual < 1e-3  # below 1 / condition_target
    assert len(report.collinear_groups) == 1  # x0 is independent: no other relation
    assert report.severity == "warn"
    assert any(s.action == "drop" and s.columns == ["x3"] for s in report.suggestions)


def test_collinearity_in_original_units_with_offset_and_scales(rng):
    """x3 = 0.5·x0 + 2000·x1 + 7 with x1 tiny: coefficients come back in the data's units."""
    x0 = 100 * rng.standard_normal(200)
    x1 = 1e-3 * rng.standard_normal(200)
    x2 = rng.standard_normal(200)
    x3 = 0.5 * x0 + 2000 * x1 + 7 + 1e-9 * rng.standard_normal(200)
    report = data(np.column_stack([x0, x1, x2, x3]), feature_names=["a", "b", "c", "d"])
    rel = _relation(report, "d")
    np.testing.assert_allclose(rel.coefficients["a"], 0.5, rtol=1e-6)
    np.testing.assert_allclose(rel.coefficients["b"], 2000.0, rtol=1e-6)
    np.testing.assert_allclose(rel.intercept, 7.0, rtol=1e-6)
    assert "c" not in rel.columns
    # the relation, evaluated on the data, reproduces the dependent column
    pred = rel.intercept + rel.coefficients["a"] * x0 + rel.coefficients["b"] * x1
    np.testing.assert_allclose(pred, x3, atol=1e-6)


def test_loose_relation_below_the_target_is_not_reported(rng):
    """x2 = x0 + x1 + noise with cond well under the target: no collinear group, verdict ok."""
    X = _well_conditioned(rng, 500, 2)
    x2 = X[:, 0] + X[:, 1] + 0.5 * rng.standard_normal(500)
    report = data(np.column_stack([X, x2]))
    assert report.standardized_condition_number < 1e3
    assert report.collinear_groups == []
    assert report.severity == "ok"
    assert "well-conditioned" in report.verdict


def test_condition_target_controls_what_counts_as_collinear(rng):
    X = _well_conditioned(rng, 500, 2)
    x2 = X[:, 0] + X[:, 1] + 0.01 * rng.standard_normal(500)
    X = np.column_stack([X, x2])
    cond = data(X).standardized_condition_number
    assert 10 < cond < 1e3
    assert data(X, condition_target=1e3).collinear_groups == []
    strict = data(X, condition_target=10)
    assert _relation(strict, "x2").columns == ["x0", "x1", "x2"]
    assert strict.ridge_lambda is not None and strict.ridge_lambda > 0


# ---------------------------------------------------------------------------- columns
def test_duplicate_constant_and_near_duplicate_columns(rng):
    a, b, c = rng.standard_normal((3, 100))
    df = pd.DataFrame(
        {
            "a": a,
            "const": np.full(100, 3.25),
            "b": b,
            "a_copy": a.copy(),
            "b_near": b + 1e-3 * rng.standard_normal(100),
            "c": c,
            "c_neg": -2 * c + 1e-3 * rng.standard_normal(100),
        }
    )
    report = data(df)
    assert report.constant_columns == ["const"]
    assert report.duplicate_groups == [["a", "a_copy"]]
    pairs = {(p.first, p.second): p.correlation for p in report.near_duplicates}
    assert set(pairs) == {("b", "b_near"), ("c", "c_neg")}
    assert pairs[("b", "b_near")] > 1 - 1e-3
    assert pairs[("c", "c_neg")] < -(1 - 1e-3)
    dropped = [s.columns for s in report.suggestions if s.action == "drop"]
    assert ["const"] in dropped and ["a_copy"] in dropped and ["b_near"] in dropped
    # exact duplicates and near-duplicate pairs are not repeated as collinear groups
    assert all(
        set(g.columns) not in ({"a", "a_copy"}, {"b", "b_near"}, {"c", "c_neg"})
        for g in report.collinear_groups
    )
    assert report.rank == 6  # 7 columns, one exact duplicate
    assert report.severity == "bad"


def test_near_duplicate_tol_is_respected(rng):
    a = rng.standard_normal(400)
    X = np.column_stack([a, a + 0.05 * rng.standard_normal(400)])  # corr ≈ 0.9988
    corr = np.corrcoef(X.T)[0, 1]
    assert data(X, near_duplicate_tol=1e-4).near_duplicates == []
    found = data(X, near_duplicate_tol=1e-2).near_duplicates
    assert len(found) == 1
    np.testing.assert_allclose(found[0].correlation, corr, rtol=1e-10)


def test_negative_zero_counts_as_a_duplicate():
    X = np.array([[0.0, -0.0, 1.0], [1.0, 1.0, 0.0], [2.0, 2.0, 5.0]])
    assert data(X).duplicate_groups == [["x0", "x1"]]


def test_no_false_alarms_on_well_conditioned_data(rng):
    report = data(_well_conditioned(rng, 300, 6))
    assert report.issues == []
    assert report.suggestions == []
    assert report.severity == "ok"
    assert report.rank == 6 and report.rank_at_target == 6
    assert report.ridge_lambda is None


def test_scale_disparity_names_the_columns_and_suggests_standardizing(rng):
    X = _well_conditioned(rng, 200, 3) * np.array([1.0, 1e5, 1e-2])
    report = data(X, feature_names=["mid", "big", "small"])
    assert report.scale_columns == ("big", "small")
    np.testing.assert_allclose(report.scale_ratio, X[:, 1].std() / X[:, 2].std(), rtol=RTOL)
    std = [s for s in report.suggestions if s.action == "standardize"]
    assert len(std) == 1 and "'big'" in std[0].message and "'small'" in std[0].message
    # scale alone: standardized X is fine, so no ridge suggestion
    assert report.standardized_condition_number < 10
    assert report.ridge_lambda is None


def test_no_standardize_suggestion_below_threshold(rng):
    X = _well_conditioned(rng, 200, 3) * np.array([1.0, 50.0, 1.0])
    report = data(X)
    assert not any(s.action == "standardize" for s in report.suggestions)
    assert any(s.action == "standardize" for s in data(X, scale_ratio_threshold=10).suggestions)


# ---------------------------------------------------------------------------- numbers vs numpy
@pytest.mark.parametrize("shape", [(50, 4), (200, 10), (30, 30)])
@pytest.mark.parametrize("seed", [0, 1])
def test_condition_numbers_match_numpy_raw_and_standardized(shape, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(shape) * rng.uniform(0.01, 100, size=shape[1]) + 5
    X[:, 0] = 1.0  # a constant column: excluded from the standardized matrix
    report = data(X)
    np.testing.assert_allclose(report.condition_number, np.linalg.cond(X), rtol=1e-6)
    Z = _standardize(X)
    assert Z.shape[1] == shape[1] - 1
    np.testing.assert_allclose(report.standardized_condition_number, np.linalg.cond(Z), rtol=1e-6)
    np.testing.assert_allclose(
        report.singular_values, np.linalg.svd(X, compute_uv=False), rtol=1e-10
    )


def test_rank_deficient_condition_number_is_inf_and_rank_counted():
    X = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    report = data(X)
    assert report.rank == np.linalg.matrix_rank(X) == 1
    assert report.condition_number > 1e15 or report.condition_number == np.inf
    assert any(kind == "bad" and "rank-deficient" in text for kind, text in report.issues)


@given(
    n=st.integers(2, 30),
    p=st.integers(1, 12),
    r=st.integers(0, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_rank_equals_numpy_matrix_rank_on_low_rank_products(n, p, r, seed):
    rng = np.random.default_rng(seed)
    r = min(r, n, p)
    X = rng.standard_normal((n, r)) @ rng.standard_normal((r, p))  # rank r (almost surely)
    if r == 0:
        X = np.zeros((n, p))
    report = data(X)
    assert report.rank == np.linalg.matrix_rank(X)
    np.testing.assert_allclose(
        report.rank_tol,
        np.linalg.svd(X, compute_uv=False)[0] * max(n, p) * np.finfo(np.float64).eps,
        rtol=1e-10,
    )


def test_float32_input_uses_float32_tolerance(rng):
    X = _well_conditioned(rng, 40, 3).astype(np.float32)
    report = data(X)
    assert report.dtype == "float32"
    np.testing.assert_allclose(
        report.rank_tol,
        report.singular_values[0] * 40 * np.finfo(np.float32).eps,
        rtol=1e-12,
    )


# ---------------------------------------------------------------------------- ridge λ
def _augmented_cond(Z, lam):
    """Oracle: condition number of the ridge least-squares matrix [Z; √λ I]."""
    A = np.vstack([Z, np.sqrt(lam) * np.eye(Z.shape[1])])
    S = np.linalg.svd(A, compute_uv=False)
    return S[0] / S[-1]


@pytest.mark.parametrize("target", [10.0, 1e3, 1e5])
def test_ridge_lambda_achieves_the_condition_target(rng, target):
    X = _well_conditioned(rng, 120, 4)
    X = np.column_stack([X, X[:, 0] - 0.5 * X[:, 1] + 1e-7 * rng.standard_normal(120)])
    report = data(X, condition_target=target)
    lam = report.ridge_lambda
    assert lam is not None and lam > 0
    Z = _standardize(X)
    np.testing.assert_allclose(_augmented_cond(Z, lam), target, rtol=1e-6)
    # also in the σ form of the docstring, with the report's own singular values
    S = report.standardized_singular_values
    np.testing.assert_allclose(np.sqrt((S[0] ** 2 + lam) / (S[-1] ** 2 + lam)), target, rtol=1e-9)
    ridge = [s for s in report.suggestions if s.action == "ridge"]
    assert len(ridge) == 1 and ridge[0].value == lam


def test_ridge_lambda_on_wide_data_accounts_for_the_missing_singular_values(rng):
    """n < p: ZᵀZ has p − rank zero eigenvalues, so σmin = 0 and λ = σmax² / (t² − 1)."""
    X = _well_conditioned(rng, 8, 20)
    report = data(X)
    Z = _standardize(X)
    smax = np.linalg.svd(Z, compute_uv=False)[0]
    np.testing.assert_allclose(report.ridge_lambda, smax**2 / (1e3**2 - 1), rtol=1e-9)
    np.testing.assert_allclose(_augmented_cond(Z, report.ridge_lambda), 1e3, rtol=1e-6)
    assert any("collinear groups not listed" in note for note in report.notes)


@given(
    S=st.lists(st.floats(1e-6, 1e6), min_size=1, max_size=8),
    target=st.floats(1.5, 1e6),
)
def test_ridge_lambda_closed_form_property(S, target):
    S = np.sort(np.asarray(S))[::-1]
    lam = ridge_lambda_for_condition(S, S.size, target)
    assert lam >= 0
    kappa = np.sqrt((S[0] ** 2 + lam) / (S[-1] ** 2 + lam))
    if S[0] / S[-1] <= target:
        assert lam == 0.0
    else:
        np.testing.assert_allclose(kappa, target, rtol=1e-9)


def test_ridge_lambda_rejects_bad_target():
    with pytest.raises(LinmlInputError, match=r"condition_target=1\.0 must be a number > 1"):
        ridge_lambda_for_condition([2.0, 1.0], 2, 1.0)


# ---------------------------------------------------------------------------- NaN / inf
def test_nonfinite_entries_are_reported_with_positions_not_raised(rng):
    X = _well_conditioned(rng, 50, 3)
    X[4, 1] = np.nan
    X[9, 0] = np.inf
    X[9, 2] = -np.inf
    report = data(X, feature_names=["a", "b", "c"])
    nf = report.nonfinite
    assert nf is not None
    assert (nf.n_nan, nf.n_inf, nf.count, nf.rows) == (1, 2, 3, 2)
    assert nf.columns == {"a": 1, "b": 1, "c": 1}
    assert nf.first_positions == [(4, "b"), (9, "a"), (9, "c")]
    assert report.n_samples_used == 48 and report.n_features_used == 3
    assert any("finite block only" in note for note in report.notes)
    assert report.severity == "bad"
    assert any(s.action == "impute" for s in report.suggestions)
    # the linear algebra is exactly that of the finite rows
    finite = np.delete(X, [4, 9], axis=0)
    np.testing.assert_allclose(report.condition_number, np.linalg.cond(finite), rtol=1e-8)
    np.testing.assert_allclose(
        report.standardized_condition_number, np.linalg.cond(_standardize(finite)), rtol=1e-8
    )


def test_mostly_missing_column_is_dropped_instead_of_rows(rng):
    X = _well_conditioned(rng, 40, 3)
    X[::2, 2] = np.nan  # half the rows: dropping column 2 keeps more entries
    report = data(X)
    assert report.n_samples_used == 40
    assert report.nonfinite.columns_used == ["x0", "x1"]
    np.testing.assert_allclose(report.condition_number, np.linalg.cond(X[:, :2]), rtol=1e-8)


def test_all_nan_column_is_dropped_and_the_rest_analysed(rng):
    X = _well_conditioned(rng, 30, 3)
    X[:, 1] = np.nan
    report = data(X)
    assert report.nonfinite.columns_used == ["x0", "x2"]
    assert report.n_samples_used == 30
    assert report.rank == 2


def test_nothing_finite_left_skips_the_linear_algebra():
    X = np.array([[np.nan, 1.0], [2.0, np.nan]])
    report = data(X)
    assert report.rank is None and report.condition_number is None
    assert any("skipped" in note for note in report.notes)
    json.dumps(report.to_dict(), allow_nan=False)


# ---------------------------------------------------------------------------- y
def test_y_length_mismatch_raises():
    with pytest.raises(LinmlInputError, match="y has 3 rows but X has 4"):
        data(np.eye(4), np.arange(3.0))


def test_y_missing_values_and_correlations(rng):
    X = _well_conditioned(rng, 100, 4)
    y = 3 * X[:, 2] + 0.1 * rng.standard_normal(100)
    y[[5, 17]] = np.nan
    report = data(X, y)
    t = report.target
    assert t.kind == "numeric" and t.n_missing == 2 and t.first_missing == [5, 17]
    assert t.correlations[0][0] == "x2"
    keep = np.isfinite(y)
    np.testing.assert_allclose(
        t.correlations[0][1], np.corrcoef(X[keep, 2], y[keep])[0, 1], rtol=1e-10
    )
    assert any(s.action == "fix_target" and "5, 17" in s.message for s in report.suggestions)


def test_categorical_and_column_vector_targets(rng):
    X = _well_conditioned(rng, 30, 2)
    labels = np.array(["a", "b", "c"] * 10, dtype=object)
    labels[4] = None
    t = data(X, labels).target
    assert (t.kind, t.n_classes, t.n_missing, t.first_missing) == ("categorical", 3, 1, [4])
    t2 = data(X, X[:, :1] * 2).target  # (n, 1) is a single numeric target
    assert t2.kind == "numeric"
    np.testing.assert_allclose(abs(t2.correlations[0][1]), 1.0)


# ---------------------------------------------------------------------------- inputs
def test_dataframe_names_appear_everywhere(rng):
    base = _well_conditioned(rng, 80, 2)
    df = pd.DataFrame(
        {
            "income": base[:, 0],
            "age": base[:, 1],
            "score": base[:, 0] + base[:, 1] + 1e-9 * rng.standard_normal(80),
        }
    )
    report = data(df)
    assert report.feature_names == ["income", "age", "score"]
    rel = _relation(report, "score")
    assert "income" in rel.relation and "age" in rel.relation
    text = str(report)
    for name in ("income", "age", "score"):
        assert name in text
    assert json.loads(json.dumps(report.to_dict()))["feature_names"] == ["income", "age", "score"]


def test_nullable_dataframe_columns_are_read_as_nan():
    df = pd.DataFrame({"a": pd.array([1, None, 3, 4], dtype="Int64"), "b": [1.0, 0.0, 2.0, 5.0]})
    report = data(df)
    assert report.nonfinite.first_positions == [(1, "a")]


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.arange(5.0), r"must be 2-D .* 1-D array of shape \(5,\).*reshape\(-1, 1\)"),
        (np.zeros((0, 3)), r"X is empty \(shape \(0, 3\)\)"),
        (np.zeros((3, 0)), r"X is empty"),
        (np.zeros((2, 2, 2)), "got 3 dimensions"),
        (np.array([["a", "b"]]), "X must hold numbers"),
        (
            pd.DataFrame({"name": [f"user {i} wrote a long comment" for i in range(12)]}),
            "no column left",
        ),
    ],
)
def test_bad_X_raises_clear_errors(X, match):
    with pytest.raises(LinmlInputError, match=match):
        data(X)


def test_sparse_X_is_a_type_error():
    with pytest.raises(TypeError, match=r"scipy.sparse.*toarray"):
        data(sp.eye(3, format="csr"))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"condition_target": 1.0}, "condition_target=1.0 must be a number > 1"),
        ({"condition_target": "big"}, "condition_target='big'"),
        ({"near_duplicate_tol": 0.0}, r"near_duplicate_tol=0.0 must be a number in \(0, 1\)"),
        ({"near_duplicate_tol": 1.5}, "near_duplicate_tol=1.5"),
        ({"scale_ratio_threshold": 0.5}, "scale_ratio_threshold=0.5 must be a number >= 1"),
        ({"feature_names": ["a"]}, "feature_names has 1 names but X has 2 columns"),
    ],
)
def test_bad_options_raise_clear_errors(kwargs, match):
    with pytest.raises(LinmlInputError, match=match):
        data(np.eye(2), **kwargs)


def test_all_constant_X_does_not_crash():
    report = data(np.ones((5, 3)))
    assert report.constant_columns == ["x0", "x1", "x2"]
    assert report.standardized_condition_number is None
    assert any("every column is constant" in note for note in report.notes)


def test_single_column_and_single_row():
    assert data(np.array([[1.0], [2.0], [4.0]])).rank == 1
    one_row = data(np.array([[1.0, 2.0, 3.0]]))
    assert one_row.rank == 1
    assert one_row.constant_columns == ["x0", "x1", "x2"]


# ---------------------------------------------------------------------------- output
def test_to_dict_is_strict_json(rng):
    X = _well_conditioned(rng, 30, 3)
    X = np.column_stack([X, X[:, 0], np.zeros(30)])  # rank-deficient: cond = inf
    X[2, 1] = np.nan
    report = data(X, np.arange(30.0))
    d = report.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert back["rank"] == report.rank
    assert back["severity"] == report.severity == "bad"
    assert back["verdict"] == report.verdict
    assert back["nonfinite"]["first_positions"] == [[2, "x1"]]
    assert isinstance(back["singular_values"], list)
    assert back["duplicate_groups"] == [["x0", "x3"]]


def test_rich_rendering_and_str_show_the_findings(rng):
    X = _well_conditioned(rng, 60, 2)
    X = np.column_stack([X, X[:, 0] + X[:, 1], np.full(60, 2.0)])
    report = data(X, feature_names=["u", "v", "w", "k"])
    console = Console(record=True, width=120, color_system="truecolor", force_terminal=True)
    console.print(report)
    text = console.export_text(clear=False)
    assert "w ≈ u + v" in text
    assert "'k'" in text
    assert "ridge" in text.lower()
    assert "\x1b[" in console.export_text(styles=True)  # coloured verdicts
    plain = str(report)
    assert "w ≈ u + v" in plain and "\x1b[" not in plain
    assert isinstance(report, DataReport)


# ---------------------------------------------------------------------------- issue 12: VIF, BKW
LONGLEY_COLUMNS = ["GNPDEFL", "GNP", "UNEMP", "ARMED", "POP", "YEAR"]


def _longley():
    """NIST's Longley (y, x1 … x6) as a DataFrame with statsmodels' column names."""
    from pathlib import Path

    raw = np.loadtxt(
        Path(__file__).parents[1] / "data" / "nist" / "Longley.csv", delimiter=",", skiprows=1
    )
    return pd.DataFrame(raw[:, 1:], columns=LONGLEY_COLUMNS), raw[:, 0]


def test_longley_is_flagged_by_vif_and_condition_indices():
    """Issue 12: Longley (VIF up to 1,788) reported no collinearity at the defaults."""
    X, y = _longley()
    report = data(X, y)
    assert report.standardized_condition_number < 1e3  # the old rule alone saw nothing
    np.testing.assert_allclose(report.vif["GNP"], 1788.51, atol=0.006)
    np.testing.assert_allclose(report.vif["YEAR"], 758.98, atol=0.006)
    assert report.vif["ARMED"] < 10
    assert report.max_condition_index == pytest.approx(43_000, rel=0.01)
    deps = report.dependencies
    assert [set(d.columns) for d in deps] == [
        {"(intercept)", "GNP", "UNEMP", "YEAR"},
        {"GNPDEFL", "POP"},
    ]
    assert deps[0].dependent == "YEAR" and deps[0].relation.startswith("YEAR ≈ ")
    assert "GNP" in deps[0].relation and "UNEMP" in deps[0].relation
    assert deps[0].r_squared > 0.99
    assert report.severity == "warn"
    assert "VIF" in report.verdict and "'GNP'" in report.verdict
    texts = [text for _, text in report.issues]
    assert any("near-dependency YEAR ≈" in t and "condition index 4.33e+04" in t for t in texts)
    # collinearity comes before the (units-only) scale finding
    assert texts.index(next(t for t in texts if "column scales" in t)) > 1


def test_dependency_relation_reproduces_the_column(rng):
    """The relation x_d ≈ Σ c_j x_j + b of a BKW dependency, evaluated on the data, is x_d
    to its R²; its coefficients equal a plain lstsq of x_d on [1, the involved columns]."""
    X = rng.standard_normal((150, 5)) * [1.0, 50.0, 1.0, 3.0, 1.0] + [0.0, 100.0, 0.0, 5.0, 0.0]
    X[:, 3] = 0.5 * X[:, 1] - 2 * X[:, 2] + 4 + 1e-3 * rng.standard_normal(150)
    report = data(X)
    (dep,) = [d for d in report.dependencies if "x3" in d.columns]
    assert set(dep.coefficients) | {dep.dependent} == {"x1", "x2", "x3"}
    d = int(dep.dependent[1:])
    others = [int(c[1:]) for c in dep.coefficients]
    A = np.column_stack([np.ones(150), X[:, others]])
    coef = np.linalg.lstsq(A, X[:, d], rcond=None)[0]
    np.testing.assert_allclose(list(dep.coefficients.values()), coef[1:], rtol=1e-8)
    np.testing.assert_allclose(dep.intercept, coef[0], rtol=1e-6)
    resid = X[:, d] - A @ coef
    np.testing.assert_allclose(
        dep.r_squared, 1 - resid @ resid / np.sum((X[:, d] - X[:, d].mean()) ** 2), rtol=1e-9
    )


def test_vif_matches_regressions_on_tall_data_through_the_qr_stand_in(rng):
    """data() computes VIF from the R factor (n > p + 1); it must equal 1/(1 − R²)."""
    X = rng.standard_normal((400, 4))
    X[:, 3] = X[:, 0] + 0.3 * X[:, 1] + 0.2 * rng.standard_normal(400)
    report = data(X)
    for j in range(4):
        A = np.column_stack([np.ones(400), np.delete(X, j, axis=1)])
        r = X[:, j] - A @ np.linalg.lstsq(A, X[:, j], rcond=None)[0]
        vif = np.sum((X[:, j] - X[:, j].mean()) ** 2) / (r @ r)
        np.testing.assert_allclose(report.vif[f"x{j}"], vif, rtol=1e-9)


def test_star98_like_crash_regression_at_every_condition_target():
    """Issue 12: star98 with condition_target=30 raised IndexError in _collinear_relations.
    Same cause here: z0 + z1 − 0.12·z2 ≈ 0 put the dependent outside its own support."""
    rng = np.random.default_rng(0)
    a, e, d, c = rng.standard_normal((4, 200))
    X = np.column_stack([a, -a + 0.12 * e, e + 1e-3 * d, c])
    for target in (10, 20, 30, 50, 1e3):
        report = data(X, condition_target=target)
        for rel in report.collinear_groups:
            assert rel.dependent in rel.columns
    assert [set(d.columns) for d in data(X).dependencies] == [{"x0", "x1", "x2"}]


def test_vif_and_bkw_thresholds_and_their_validation(rng):
    a, b, e = rng.standard_normal((3, 200))
    X = np.column_stack([a, b, a + b + 0.01 * e])
    assert data(X).dependencies and data(X).severity == "warn"
    off = data(X, vif_threshold=1e12, condition_index_threshold=1e12)
    assert off.dependencies == [] and off.severity == "ok"
    assert off.vif["x2"] > 1e3  # still measured, only not reported
    strict = data(X, proportion_threshold=1.0)
    assert strict.dependencies == []
    for kwargs, match in [
        ({"vif_threshold": 1.0}, "vif_threshold=1.0 must be a number > 1"),
        ({"condition_index_threshold": 0}, "condition_index_threshold=0 must be a number > 1"),
        ({"proportion_threshold": 0.0}, r"proportion_threshold=0.0 must be a number in \(0, 1\]"),
    ]:
        with pytest.raises(LinmlInputError, match=match):
            data(X, **kwargs)


def test_low_variation_column_is_confounded_with_the_intercept(rng):
    """x ~ 1000 + N(0, 1): BKW pairs it with the intercept; the fix is centering."""
    X = np.column_stack([rng.standard_normal(100), 1000 + rng.standard_normal(100)])
    report = data(X)
    (dep,) = report.dependencies
    assert set(dep.columns) == {"(intercept)", "x1"} and dep.coefficients == {}
    assert any("'x1' varies little around its mean" in t for _, t in report.issues)
    assert any(s.action == "standardize" and "center 'x1'" in s.message for s in report.suggestions)


def test_vif_and_dependencies_in_json_and_rendering():
    X, y = _longley()
    X["GNP_copy"] = X["GNP"]
    report = data(X, y)
    d = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert d["vif"]["GNP"] > 1000 and "GNP_copy" not in d["vif"]  # duplicates reported apart
    assert d["dependencies"][0]["columns"][0] == "(intercept)"
    assert d["vif_threshold"] == 10 and d["condition_index_threshold"] == 30
    text = str(report)
    assert "variance inflation factors ≥ 10" in text
    assert "Belsley–Kuh–Welsch: condition index ≥ 30 with ≥ 2 variance proportions ≥ 0.5" in text
    assert "largest condition index (BKW)" in text and "4.328e+04" in text


def test_exact_dependence_vif_is_inf_and_json_null(rng):
    a, b = rng.standard_normal((2, 50))
    report = data(np.column_stack([a, b, a - b]))
    assert all(math.isinf(v) for v in report.vif.values())
    assert json.loads(json.dumps(report.to_dict()))["vif"]["x0"] is None


# ---------------------------------------------------------------------------- identifiers, classes, wide
@pytest.mark.parametrize("name", ["id", "customer_id", "ID", "Unnamed: 0", "rowId", "row"])
def test_named_identifier_column_is_reported_not_a_scale_problem(rng, name):
    X = pd.DataFrame(rng.standard_normal((50, 3)), columns=["a", "b", "c"])
    X.insert(0, name, rng.permutation(50) * 1000 + 17)  # unique integers, arbitrary scale
    report = data(X)
    assert report.identifier_columns == [name]
    assert report.scale_ratio < 100  # its scale is not compared with the features'
    assert not any(s.action == "standardize" for s in report.suggestions)
    assert any(s.action == "drop" and s.columns == [name] for s in report.suggestions)
    assert any("identifier" in t for _, t in report.issues)
    assert name not in report.vif and report.n_features_used == 3


def test_row_number_column_is_an_identifier_but_a_year_is_not(rng):
    X = pd.DataFrame(rng.standard_normal((40, 2)), columns=["a", "b"])
    X["n"] = np.arange(1, 41)[::-1]  # 40 … 1: row numbers, unnamed
    X["YEAR"] = np.arange(1950, 1990)  # consecutive unique integers, but a real feature
    report = data(X)
    assert report.identifier_columns == ["n"]
    assert "YEAR" in report.vif
    assert data(_longley()[0]).identifier_columns == []


def test_small_tables_do_not_call_one_to_n_an_identifier():
    X = np.column_stack([np.arange(1.0, 6.0), [2.0, 7.0, 1.0, 8.0, 3.0]])
    assert data(X).identifier_columns == []


@pytest.mark.parametrize(
    ("y", "classes"), [(np.arange(60) % 2, [0, 1]), (np.arange(60) % 4 + 1.0, [1, 2, 3, 4])]
)
def test_zero_one_and_small_integer_targets_are_classes(rng, y, classes):
    X = rng.standard_normal((60, 2))
    t = data(X, y).target
    assert (t.kind, t.n_classes, t.classes) == ("categorical", len(classes), classes)
    assert "class labels" in t.note and "linml classify" in t.note
    assert len(t.correlations) == 2  # still correlated with the columns
    assert any("class labels" in note for note in data(X, y).notes)
    assert data(X, y + 0.5 * (y == y.max())).target.kind == "numeric"  # not integer any more
    assert data(X, np.arange(60.0)).target.kind == "numeric"  # too many values


def test_wide_data_leads_with_more_columns_than_rows(rng):
    """p ≫ n: chance correlations make pairwise findings; the first finding says why."""
    base = rng.standard_normal((10, 3))
    X = np.column_stack([base, base @ rng.standard_normal((3, 60))])  # many near-duplicates too
    report = data(X)
    kind, text = report.issues[0]
    assert kind == "bad" and text.startswith("more columns than rows (63 columns, 10 rows)")
    assert report.verdict == text
    assert report.suggestions[0].action == "ridge"
    assert report.vif == {} and report.dependencies == []
    assert any("VIF and condition indices not computed" in note for note in report.notes)


def test_dataframe_with_text_dates_and_bools_is_encoded_and_rows_named_by_file_line(tmp_path):
    """Category/date/bool columns are diagnosed after encoding; NaN is named by file line."""
    from linml.tabular import read_table

    rng = np.random.default_rng(0)
    n = 40
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "island": rng.choice(["Biscoe", "Dream"], n),
            "when": pd.date_range("2020-01-01", periods=n, freq="7D").strftime("%Y-%m-%d"),
            "flag": rng.random(n) > 0.5,
            "y": rng.normal(size=n),
        }
    )
    frame.loc[5, "x"] = np.nan
    frame.loc[9, "y"] = np.nan
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    df = read_table(path)
    report = data(df.drop(columns=["y"]), df["y"])
    assert "island_Biscoe" in report.feature_names and "when_year" in report.feature_names
    assert report.nonfinite.first_positions == [(7, "x")]  # row 5 sits on file line 7
    assert any("line 7, 'x'" in text for _, text in report.issues)
    assert report.target.first_missing == [11]
    assert any("one-hot encoded 'island'" in note for note in report.notes)
