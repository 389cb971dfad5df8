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
    assert list(pred.columns) == ["row", "target", "prediction", "split"]
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
    pd.DataFrame({"a": ["x", "y", "z"], "b": [1.0, 2.0, 3.0], "t": [1.0, 2.0, 4.0]}).to_csv(bad)
    result = runner.invoke(app, ["regress", str(bad), "--target", "t"])
    assert result.exit_code == 2 and "non-numeric column(s) 'a'" in result.output
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
