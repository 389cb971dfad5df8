"""``linml regress``: fits from the registry, prints coefficients and scores, fails in one line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes
from typer.testing import CliRunner

from linml.cli.main import app

runner = CliRunner()


@pytest.fixture
def diabetes_csv(tmp_path):
    path = tmp_path / "diabetes.csv"
    load_diabetes(as_frame=True).frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["--model", "ols"],
        ["--model", "ols", "--solver", "qr"],
        ["--model", "ridge", "--alpha", "0.1"],
        ["--model", "ridgecv", "--alphas", "0.001,0.01,0.1"],
    ],
)
def test_fits_and_reports(diabetes_csv, args):
    result = runner.invoke(app, ["regress", str(diabetes_csv), "--target", "target", *args])
    assert result.exit_code == 0, result.output
    for word in ("bmi", "intercept", "R²", "RMSE", "condition number"):
        assert word in result.output


def test_writes_predictions_matching_the_library(diabetes_csv, tmp_path):
    from linml.linear_model import Ridge

    out = tmp_path / "pred.csv"
    result = runner.invoke(
        app,
        [
            "regress",
            str(diabetes_csv),
            "-t",
            "target",
            "-m",
            "ridge",
            "--alpha",
            "0.5",
            "--out",
            str(out),
            "--test-size",
            "0.25",
            "--seed",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    pred = pd.read_csv(out)
    assert list(pred.columns) == ["line", "target", "prediction", "split"]
    assert pred["line"].tolist() == list(range(2, 444))  # the file line of each row
    assert (pred["split"] == "test").sum() == round(0.25 * 442)
    X, y = load_diabetes(return_X_y=True)
    train = pred["split"].to_numpy() == "train"
    model = Ridge(alpha=0.5).fit(X[train], y[train])
    np.testing.assert_allclose(pred["prediction"], model.predict(X), rtol=1e-10)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "nope"], "target column 'nope' not found"),
        (["--target", "target", "--model", "svm"], "unknown --model 'svm'"),
        (["--target", "target", "--alphas", "a,b", "--model", "ridgecv"], "--alphas"),
        (["--target", "target", "--model", "ridge", "--alpha", "-1"], "alpha=-1.0"),
        (["--target", "target", "--model", "ols", "--solver", "lu"], "solver='lu'"),
        (["--target", "target", "--test-size", "1.5"], "--test-size"),
    ],
)
def test_bad_input_one_line_exit_2_no_output_file(diabetes_csv, tmp_path, args, message):
    out = tmp_path / "pred.csv"
    result = runner.invoke(app, ["regress", str(diabetes_csv), *args, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_non_numeric_and_unreadable_files(tmp_path):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"a": ["x", "y", "z"], "t": [1.0, 2.0, 4.0]}).to_csv(bad, index=False)
    result = runner.invoke(app, ["regress", str(bad), "--target", "t", "--drop", "a"])
    assert result.exit_code == 2 and "no feature columns left" in result.output
    result = runner.invoke(app, ["regress", str(bad), "--target", "a"])
    assert (
        result.exit_code == 2
        and "target column 'a' is not numeric (line 2 holds 'x')" in result.output
    )
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"not parquet at all")
    result = runner.invoke(app, ["regress", str(junk), "--target", "t"])
    assert result.exit_code == 2 and "cannot read" in result.output
    result = runner.invoke(app, ["regress", str(tmp_path / "missing.csv"), "--target", "t"])
    assert result.exit_code == 2 and "no such file" in result.output


def test_existing_output_untouched_on_failure(diabetes_csv, tmp_path):
    out = tmp_path / "pred.csv"
    out.write_text("keep me")
    result = runner.invoke(
        app, ["regress", str(diabetes_csv), "-t", "target", "-m", "nope", "--out", str(out)]
    )
    assert result.exit_code == 2 and out.read_text() == "keep me"


def _scores_row(output, label):
    line = next(line for line in output.splitlines() if line.startswith(f"│ {label}"))
    return [float(c) for c in line.strip("│").split("│")[1:]]


def test_reports_mae_and_the_mean_only_baseline(diabetes_csv):
    result = runner.invoke(app, ["regress", str(diabetes_csv), "-t", "target", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "MAE" in result.stdout
    r2, rmse, mae = _scores_row(result.stdout, "ols")
    b_r2, b_rmse, b_mae = _scores_row(result.stdout, "baseline: training mean")
    # the baseline predicts the training mean for every held-out row
    _, y = load_diabetes(return_X_y=True)
    perm = np.random.default_rng(1).permutation(len(y))
    test, train = perm[: round(0.2 * len(y))], perm[round(0.2 * len(y)) :]
    resid = y[test] - y[train].mean()
    assert b_rmse == pytest.approx(np.sqrt(np.mean(resid**2)), rel=1e-3)
    assert b_mae == pytest.approx(np.mean(np.abs(resid)), rel=1e-3)
    assert b_r2 <= 0.01 < r2 and rmse < b_rmse and mae < b_mae


@pytest.fixture
def wide_csv(tmp_path):
    """60 features; coefficient j is j, so the largest |coef| are x59, x58, …"""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 60))
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(60)])
    frame["y"] = X @ np.arange(60.0) + 0.01 * rng.standard_normal(300)
    path = tmp_path / "wide.csv"
    frame.to_csv(path, index=False)
    return path


def test_wide_coefficients_show_the_top_20_and_write_all(wide_csv, tmp_path):
    coef_out = tmp_path / "coef.csv"
    result = runner.invoke(
        app,
        ["regress", str(wide_csv), "-t", "y", "--coef-out", str(coef_out)],
        env={"COLUMNS": "120"},
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    coefs = out[out.index("coefficients") :]
    shown = [line.split("│")[1].strip() for line in coefs.splitlines() if line.startswith("│ x")]
    assert shown == [f"x{j}" for j in range(59, 39, -1)]  # by |coef|, largest first
    assert "… and 40 more (full table: --coef-out FILE / --json)" in out
    table = pd.read_csv(coef_out)
    assert list(table.columns) == ["feature", "coef"] and len(table) == 61
    assert table["feature"].iloc[-1] == "(intercept)"
    np.testing.assert_allclose(table["coef"].iloc[:60], np.arange(60.0), atol=1e-2)
    assert f"wrote {coef_out}" in out


def test_narrow_coefficients_keep_column_order(diabetes_csv):
    result = runner.invoke(app, ["regress", str(diabetes_csv), "-t", "target"])
    coefs = result.stdout[result.stdout.index("coefficients") :]
    shown = [line.split("│")[1].strip() for line in coefs.splitlines() if "│" in line]
    assert [s for s in shown if s in ("age", "bmi", "s6")] == ["age", "bmi", "s6"]
    assert "more (full table" not in result.stdout


def test_standardize_fits_on_training_scaled_features(diabetes_csv, tmp_path):
    import json

    from linml.linear_model import Ridge

    result = runner.invoke(
        app,
        ["regress", str(diabetes_csv), "-t", "target", "-m", "ridge", "--standardize", "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["standardized"] is True
    X, y = load_diabetes(return_X_y=True)
    perm = np.random.default_rng(0).permutation(len(y))
    train = perm[round(0.2 * len(y)) :]
    mu, sd = X[train].mean(axis=0), X[train].std(axis=0)
    model = Ridge(alpha=1.0).fit((X[train] - mu) / sd, y[train])
    np.testing.assert_allclose(list(data["coefficients"].values()), model.coef_, rtol=1e-8)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--model", "ols", "--alpha", "1"],
            "--alpha applies to --model elasticnet or lasso or ridge, not 'ols'",
        ),
        (["--model", "ridge", "--max-iter", "5"], "--max-iter applies to --model"),
    ],
)
def test_options_of_other_models_are_refused(diabetes_csv, args, message):
    result = runner.invoke(app, ["regress", str(diabetes_csv), "-t", "target", *args])
    assert result.exit_code == 2
    assert message in result.stderr
