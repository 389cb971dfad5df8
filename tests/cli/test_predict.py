"""`--save` → `linml predict` / `linml explain` round trips on raw tables with categorical columns."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split
from typer.testing import CliRunner

from linml.cli.main import app
from linml.io import load
from linml.linear_model import LogisticRegression
from linml.tabular import prepare, read_table
from tests.tabular.conftest import penguins_like

runner = CliRunner()


@pytest.fixture
def tables(tmp_path):
    train = tmp_path / "penguins.csv"
    penguins_like(80, seed=1).to_csv(train, index=False)
    new = penguins_like(25, seed=2).drop(columns=["species"])
    new.loc[0, "island"] = "Atlantis"  # unseen category
    new.loc[1, "bill_length_mm"] = np.nan  # imputed as in training
    new = new[list(reversed(new.columns))]  # column order does not matter, names do
    fresh = tmp_path / "new.csv"
    new.to_csv(fresh, index=False)
    return train, fresh


def _ok(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result


def test_classify_save_predict_matches_the_in_process_pipeline(tables, tmp_path):
    train, fresh = tables
    model = tmp_path / "m.npz"
    _ok(["classify", str(train), "-t", "species", "--save", str(model)])
    out = tmp_path / "pred.csv"
    result = _ok(["predict", str(model), str(fresh), "--out", str(out)])
    assert "wrote 25 prediction(s)" in result.output
    pred = pd.read_csv(out)
    assert list(pred.columns)[:2] == ["line", "prediction"]
    assert pred["line"].tolist() == list(range(2, 27))  # input row order, file lines
    assert {c for c in pred.columns if c.startswith("proba_")} == {
        "proba_Adelie",
        "proba_Chinstrap",
        "proba_Gentoo",
    }
    # the oracle: the same steps in process (same split, same preprocessing, same model)
    prep = prepare(read_table(train), "species", task="classify")
    X_tr, _, y_tr, _ = train_test_split(
        prep.X, prep.y, test_size=0.25, random_state=0, stratify=prep.y
    )
    pipe = prep.pipeline(LogisticRegression()).fit(X_tr, y_tr)
    new = read_table(fresh)
    assert pred["prediction"].tolist() == pipe.predict(new[list(prep.X.columns)]).tolist()
    np.testing.assert_allclose(
        pred[["proba_Adelie", "proba_Chinstrap", "proba_Gentoo"]].to_numpy(),
        pipe.predict_proba(new[list(prep.X.columns)]),
        rtol=1e-12,
        atol=1e-15,
    )
    # and the saved file loads in process to the same predictions
    assert load(model).predict(new).tolist() == pred["prediction"].tolist()


def test_regress_save_predict_json_and_explain(tables, tmp_path):
    train, fresh = tables
    model = tmp_path / "r.npz"
    args = ["regress", str(train), "-t", "body_mass_g", "-m", "ridge", "--drop", "species"]
    _ok([*args, "--save", str(model)])
    data = json.loads(_ok(["predict", str(model), str(fresh), "--json"]).stdout)
    assert data["model"] == "Ridge" and data["kind"] == "regressor" and data["n_rows"] == 25
    assert len(data["prediction"]) == 25 and all(np.isfinite(data["prediction"]))
    text = _ok(["explain", str(model)]).output
    assert "preprocessing" in text and "OneHotEncoder" in text and "Ridge" in text
    info = json.loads(_ok(["explain", str(model), "--json"]).stdout)
    assert info["model"] == "Ridge"
    assert {s["name"] for s in info["preprocessing"]} >= {"num", "cat"}
    assert info["explanation"]["facts"]


def test_pca_and_kmeans_save_predict(tables, tmp_path):
    train, fresh = tables
    pca = tmp_path / "p.npz"
    _ok(["pca", str(train), "-k", "2", "--drop", "species", "--save", str(pca)])
    data = json.loads(_ok(["predict", str(pca), str(fresh), "--json"]).stdout)
    assert data["kind"] == "transformer" and len(data["columns"]) == 3  # line + 2 components
    km = tmp_path / "k.npz"
    labels_out = tmp_path / "labels.csv"
    args = ["cluster", str(train), "-k", "3", "--method", "kmeans", "--drop", "species"]
    _ok([*args, "--standardize", "--save", str(km), "--out", str(labels_out)])
    again = json.loads(_ok(["predict", str(km), str(train), "--json"]).stdout)
    # nearest centroid reproduces KMeans' own labels on its training rows
    assert again["prediction"] == pd.read_csv(labels_out)["cluster"].tolist()


def test_predict_errors_are_one_line(tables, tmp_path):
    train, fresh = tables
    model = tmp_path / "m.npz"
    _ok(["classify", str(train), "-t", "species", "--save", str(model)])
    short = tmp_path / "short.csv"
    pd.read_csv(fresh).drop(columns=["island"]).to_csv(short, index=False)
    result = runner.invoke(app, ["predict", str(model), str(short)])
    assert result.exit_code == 2
    assert "column(s) 'island' used by the model are missing" in result.output
    not_model = tmp_path / "x.npz"
    not_model.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["predict", str(not_model), str(fresh)])
    assert result.exit_code == 2 and "allow_pickle" not in result.output
    result = runner.invoke(
        app, ["predict", str(model), str(fresh), "--out", str(tmp_path / "no" / "p.csv")]
    )
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(app, ["classify", str(train), "-t", "species", "--save", str(tmp_path)])
    assert result.exit_code == 2 and "is a directory" in result.output
