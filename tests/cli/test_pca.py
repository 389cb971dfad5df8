"""`linml pca`: the explained-variance table, scores and scree plot written atomically, one-line errors."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.decomposition import PCA as SkPCA
from typer.testing import CliRunner

from linml.cli.main import app

runner = CliRunner()


@pytest.fixture
def iris_csv(tmp_path):
    data = load_iris(as_frame=True).frame
    path = tmp_path / "iris.csv"
    data.to_csv(path, index=False)
    return path


def test_table_and_scores_match_sklearn(iris_csv, tmp_path):
    out = tmp_path / "scores.csv"
    result = runner.invoke(
        app, ["pca", str(iris_csv), "--components", "2", "--drop", "target", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "cumulative" in result.output and "PC4" in result.output
    assert "kept 2 component(s): 97.77% of the variance" in result.output
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["line", "PC1", "PC2"]  # file line of each row first
    scores = scores.drop(columns="line")
    X = load_iris().data
    ref = SkPCA(2).fit_transform(X)
    np.testing.assert_allclose(np.abs(scores.to_numpy()), np.abs(ref), atol=1e-8)


def test_fraction_standardize_whiten_and_plot(iris_csv, tmp_path):
    png = tmp_path / "scree.png"
    result = runner.invoke(
        app,
        [
            "pca",
            str(iris_csv),
            "-k",
            "0.95",
            "--standardize",
            "--whiten",
            "--drop",
            "target",
            "--plot",
            str(png),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "kept 2 component(s)" in result.output and "standardized" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-k", "7"], "n_components=7 must be <= min(n_samples, n_features)=4"),
        (["-k", "1.5"], "must be in (0, 1]"),
        (["-k", "abc"], "must be an integer K or a fraction"),
        (["--drop", "nope"], "--drop column(s) 'nope' not found"),
    ],
)
def test_bad_input_one_line_exit_2_and_no_output(iris_csv, tmp_path, args, message):
    out = tmp_path / "scores.csv"
    base = ["pca", str(iris_csv), "--out", str(out)]
    if "--drop" not in args:
        base += ["--drop", "target"]
    result = runner.invoke(app, base + args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not out.exists()


def test_constant_column_with_standardize(tmp_path):
    path = tmp_path / "c.csv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [5.0, 5.0, 5.0]}).to_csv(path, index=False)
    result = runner.invoke(app, ["pca", str(path), "--standardize", "--json"])
    assert result.exit_code == 0, result.output
    # StandardScaler leaves a constant column at 0 (scale 1): it adds a zero-variance axis
    ratios = __import__("json").loads(result.stdout)["explained_variance_ratio"]
    assert ratios[0] == pytest.approx(1.0) and ratios[1] == pytest.approx(0.0, abs=1e-12)


def test_missing_file():
    result = runner.invoke(app, ["pca", "no/such/file.csv"])
    assert result.exit_code == 2
    assert "no such file" in result.output
