"""`--json`: every reporting command prints one JSON object on stdout and nothing else."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, make_blobs
from typer.testing import CliRunner

from linml.cli.main import app
from tests.cli.test_recommend import _ratings

runner = CliRunner()


def _json(args):
    """Run the command and parse stdout as exactly one JSON object."""
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)  # fails on any table or note printed beside it
    assert isinstance(payload, dict)
    return payload, result


@pytest.fixture
def diabetes_csv(tmp_path):
    path = tmp_path / "diabetes.csv"
    load_diabetes(as_frame=True).frame.to_csv(path, index=False)
    return path


@pytest.fixture
def blobs_csv(tmp_path):
    X, _ = make_blobs(90, centers=3, n_features=3, random_state=0)
    path = tmp_path / "blobs.csv"
    pd.DataFrame(X, columns=["a", "b", "c"]).to_csv(path, index=False)
    return path


def test_regress_json(diabetes_csv, tmp_path):
    out = tmp_path / "pred.csv"
    data, result = _json(
        ["regress", str(diabetes_csv), "-t", "target", "-m", "ridge", "--json", "--out", str(out)]
    )
    assert data["command"] == "regress" and data["model"] == "ridge"
    assert data["estimator"] == "Ridge"
    assert (data["n_train"], data["n_test"], data["n_features"]) == (354, 88, 10)
    assert set(data["scores"]) == {"r2", "rmse", "mae"}
    assert {"r2", "rmse", "mae", "prediction"} <= set(data["baseline"])
    assert data["scores"]["rmse"] < data["baseline"]["rmse"]
    assert list(data["coefficients"]) == [
        "age",
        "sex",
        "bmi",
        "bp",
        "s1",
        "s2",
        "s3",
        "s4",
        "s5",
        "s6",
    ]
    assert isinstance(data["intercept"], float)
    assert data["explanation"]["facts"]
    assert f"wrote {out}" in result.stderr and out.exists()


def test_classify_json(wine_csv):
    data, _ = _json(["classify", str(wine_csv), "-t", "target", "--json"])
    assert data["command"] == "classify" and data["model"] == "logistic"
    assert set(data["scores"]) == {"accuracy", "balanced_accuracy", "log_loss"}
    assert data["scores"]["log_loss"] is not None  # logistic has predict_proba
    assert data["classes"] == ["0", "1", "2"]
    assert (data["n_train"], data["n_test"]) == (133, 45)
    assert data["baseline"]["strategy"] == "majority class"
    matrix = np.array(data["confusion_matrix"]["matrix"])
    assert matrix.shape == (3, 3) and matrix.sum() == 45
    assert set(data["per_class"]["0"]) == {"precision", "recall", "f1", "support"}


def test_classify_json_log_loss_is_null_without_predict_proba(wine_csv):
    data, _ = _json(["classify", str(wine_csv), "-t", "target", "-m", "svc", "--json"])
    assert data["scores"]["log_loss"] is None
    assert data["details"]["support_vectors"] > 0


def test_cluster_json(blobs_csv):
    data, _ = _json(["cluster", str(blobs_csv), "-k", "3", "--json"])
    assert data["command"] == "cluster" and data["method"] == "spectral"
    assert sum(data["cluster_sizes"]) == 90 and len(data["cluster_sizes"]) == 3
    assert data["features"] == ["a", "b", "c"]
    assert len(data["eigenvalues"]) > 3 and data["eigengap"] > 0
    kmeans, _ = _json(["cluster", str(blobs_csv), "-k", "3", "--method", "kmeans", "--json"])
    assert kmeans["eigenvalues"] is None and kmeans["inertia"] > 0


def test_pca_json(blobs_csv):
    data, _ = _json(["pca", str(blobs_csv), "-k", "2", "--json"])
    assert data["command"] == "pca" and data["n_components"] == 2
    assert len(data["explained_variance_ratio"]) == 3  # the whole spectrum
    assert np.array(data["components"]).shape == (2, 3)
    np.testing.assert_allclose(data["cumulative_variance_ratio"][-1], 1.0)
    assert data["kept_variance_ratio"] == pytest.approx(data["cumulative_variance_ratio"][1])


def test_diagnose_json(blobs_csv):
    data, _ = _json(["diagnose", str(blobs_csv), "--json"])
    assert data["command"] == "diagnose"
    assert data["feature_names"] == ["a", "b", "c"] and data["severity"] in ("ok", "warn", "bad")


def test_recommend_eval_json(tmp_path):
    args = ["recommend", "eval", str(_ratings(tmp_path)), "--folds", "3", "--rank", "2"]
    data, _ = _json([*args, "--n-iter", "2", "--json"])
    assert data["command"] == "recommend eval" and data["folds"] == 3 and data["at"] == 10
    assert {"rmse", "mae"} <= set(data["scores"]) and len(data["per_fold"]) == 3


def test_recommend_fit_and_top_json(tmp_path):
    model = tmp_path / "m.npz"
    args = ["recommend", "fit", str(_ratings(tmp_path)), "--rank", "2", "--n-iter", "2"]
    data, result = _json([*args, "--out", str(model), "--json"])
    assert data["command"] == "recommend fit" and data["train_rmse"] > 0
    assert "wrote" in result.stderr and model.exists()
    data, _ = _json(["recommend", "top", str(model), "--user", "4", "-n", "2", "--json"])
    assert [r["rank"] for r in data["results"]] == [1, 2]


def test_search_query_json(tmp_path):
    docs = tmp_path / "docs.txt"
    docs.write_text("cats purr\ndogs bark\nkittens are young cats\n")
    index = tmp_path / "docs.npz"
    build = runner.invoke(
        app, ["search", "build", str(docs), "--out", str(index), "--components", "2"]
    )
    assert build.exit_code == 0, build.output
    data, _ = _json(["search", "query", str(index), "young cats", "-k", "2", "--json"])
    assert data["command"] == "search query" and data["kind"] == "documents"
    assert [set(r) for r in data["results"]] == [{"id", "score", "document"}] * 2


def test_nan_becomes_null(tmp_path):
    """R² of a constant held-out target is NaN: JSON says null (allow_nan=False elsewhere)."""
    path = tmp_path / "flat.csv"
    pd.DataFrame({"x": np.arange(10.0), "y": 1.0}).to_csv(path, index=False)
    data, _ = _json(["regress", str(path), "-t", "y", "--json"])
    assert data["scores"]["r2"] is None and data["scores"]["rmse"] >= 0
