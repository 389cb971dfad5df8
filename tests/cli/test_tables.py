"""The tables that failed on the first try (issue: real tables in) now work from the command line."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine
from typer.testing import CliRunner

from linml.cli.main import app

runner = CliRunner()


@pytest.fixture
def wine():
    return load_wine(as_frame=True).frame


def _json(args):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_semicolon_decimal_comma_bom_file_classifies_like_the_plain_one(tmp_path, wine):
    plain = tmp_path / "wine.csv"
    wine.to_csv(plain, index=False)
    german = tmp_path / "wine_de.csv"
    wine.to_csv(german, sep=";", decimal=",", index=False, encoding="utf-8-sig")
    a = _json(["classify", str(plain), "-t", "target"])
    b = _json(["classify", str(german), "-t", "target"])
    assert a["scores"] == pytest.approx(b["scores"], rel=1e-12)
    assert b["n_features"] == 13


def test_headerless_file_keeps_every_row_and_names_columns(tmp_path, wine):
    path = tmp_path / "wine.csv"
    wine.to_csv(path, index=False, header=False)
    data = _json(["classify", str(path), "-t", "x13"])
    assert data["n_train"] + data["n_test"] == 178  # not 177 with the first row as a header
    missing = runner.invoke(app, ["classify", str(path), "-t", "target"])
    assert missing.exit_code == 2 and "the columns are: x0, x1" in missing.output


def test_id_column_is_not_a_regression_feature(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"patient_id": np.arange(1000, 1100), "dose": rng.normal(size=100)})
    frame["response"] = 2 * frame["dose"] + 0.1 * rng.normal(size=100)
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    data = _json(["regress", str(path), "-t", "response"])
    assert list(data["coefficients"]) == ["dose"]
    roles = {r["name"]: r["role"] for r in data["columns"]["roles"]}
    assert roles["patient_id"] == "identifier"


def test_stray_question_marks_and_categories_in_a_cars_table(tmp_path):
    rng = np.random.default_rng(1)
    n = 60
    hp = rng.uniform(60, 200, n).round()
    origin = rng.choice(["USA", "Europe", "Japan"], n)
    mpg = 50 - 0.15 * hp + np.where(origin == "Japan", 3, 0) + rng.normal(0, 1, n)
    frame = pd.DataFrame(
        {
            "name": [f"car {i}" for i in range(n)],
            "hp": hp.astype(object),
            "origin": origin,
            "mpg": mpg,
        }
    )
    frame.loc[[4, 9], "hp"] = "?"
    path = tmp_path / "cars.csv"
    frame.to_csv(path, index=False)
    data = _json(["regress", str(path), "-t", "mpg"])
    assert set(data["coefficients"]) == {"hp", "missingindicator_hp", "origin_Japan", "origin_USA"}
    assert data["scores"]["r2"] > 0.8
    roles = {r["name"]: r for r in data["columns"]["roles"]}
    assert roles["hp"]["role"] == "numeric"
    assert "2 non-number(s) ('?') read as missing" in roles["hp"]["action"]
    assert roles["name"]["role"] == "identifier"


def test_missing_error_names_the_file_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n1,2,3\n4,,6\n7,8,9\n1,1,1\n")
    result = runner.invoke(
        app, ["regress", str(path), "-t", "y", "--missing", "error", "--test-size", "0"]
    )
    assert result.exit_code == 2
    assert "line 3, column 'b'" in result.output and "--missing impute" in result.output
    bad = runner.invoke(app, ["regress", str(path), "-t", "y", "--missing", "fill"])
    assert (
        bad.exit_code == 2 and "--missing 'fill' must be one of: impute, drop, error" in bad.output
    )


def test_continuous_target_is_refused_by_classify(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"x": np.arange(214.0), "price": np.linspace(1, 9, 214)}).to_csv(path, index=False)
    result = runner.invoke(app, ["classify", str(path), "-t", "price"])
    assert result.exit_code == 2 and "linml regress" in result.output
