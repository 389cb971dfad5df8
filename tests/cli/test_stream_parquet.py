"""``linml regress`` / ``linml pca`` on a directory or glob of Parquet files: streamed fits equal
the in-memory fit of the concatenated table; bad input fails in one line naming the culprit."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from linml.cli.main import app

pytest.importorskip("pyarrow")
runner = CliRunner()

SIZES = (120, 57, 203)  # three files of unequal length


def _frame(n: int, rng: np.random.Generator) -> pd.DataFrame:
    X = rng.normal(size=(n, 4)) * [1.0, 3.0, 0.5, 2.0] + [0.0, 10.0, -2.0, 5.0]
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    df["y"] = X @ [1.5, -2.0, 0.7, 0.1] + 3.0 + rng.normal(size=n)
    return df


@pytest.fixture
def parquet_dir(tmp_path):
    """Three Parquet files and, beside them, the concatenated table as one Parquet file."""
    rng = np.random.default_rng(0)
    parts = [_frame(n, rng) for n in SIZES]
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, part in enumerate(parts):
        part.to_parquet(folder / f"part-{i}.parquet", index=False)
    whole = tmp_path / "whole.parquet"
    pd.concat(parts, ignore_index=True).to_parquet(whole, index=False)
    return folder, whole


def _json(args: list[str]) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("model", [["--model", "ols"], ["--model", "ridge", "--alpha", "3"]])
def test_regress_directory_equals_in_memory_fit(parquet_dir, model):
    folder, whole = parquet_dir
    streamed = _json(["regress", str(folder), "-t", "y", "--block-rows", "50", *model])
    memory = _json(["regress", str(whole), "-t", "y", "--test-size", "0", *model])
    assert streamed["streamed"] == {"rows": sum(SIZES), "blocks": 10, "files": 3}  # 3 + 2 + 5
    for name, value in memory["coefficients"].items():
        assert streamed["coefficients"][name] == pytest.approx(value, rel=1e-10, abs=1e-10)
    assert streamed["intercept"] == pytest.approx(memory["intercept"], rel=1e-10, abs=1e-10)
    for score in ("r2", "rmse", "mae"):
        assert streamed["scores"][score] == pytest.approx(memory["scores"][score], rel=1e-9)


def test_regress_glob_prints_streamed_line(parquet_dir):
    folder, _ = parquet_dir
    result = runner.invoke(app, ["regress", str(folder / "part-*.parquet"), "-t", "y"])
    assert result.exit_code == 0, result.output
    assert f"streamed {sum(SIZES)} rows in 3 blocks from 3 file(s)" in result.output
    for word in ("intercept", "R²", "training rows"):
        assert word in result.output


def test_pca_directory_equals_in_memory_fit(parquet_dir):
    folder, whole = parquet_dir
    args = ["--drop", "y", "--components", "2"]
    streamed = _json(["pca", str(folder), "--block-rows", "64", *args])
    memory = _json(["pca", str(whole), *args])
    assert streamed["n_samples"] == memory["n_samples"] == sum(SIZES)
    np.testing.assert_allclose(
        streamed["explained_variance"], memory["explained_variance"], rtol=1e-10
    )
    np.testing.assert_allclose(streamed["mean"], memory["mean"], rtol=1e-10, atol=1e-12)
    A, B = np.array(streamed["components"]), np.array(memory["components"])
    signs = np.sign(np.sum(A * B, axis=1))[:, None]  # align signs before comparing vectors
    np.testing.assert_allclose(A * signs, B, rtol=1e-8, atol=1e-10)


def _fails(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    return " ".join(result.output.split())


def test_glob_matching_nothing(tmp_path):
    out = _fails(["regress", str(tmp_path / "nothing-*.parquet"), "-t", "y"])
    assert "matches no file" in out


def test_directory_without_parquet(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    out = _fails(["pca", str(tmp_path)])
    assert "holds no Parquet files" in out


def test_mixed_schemas_name_the_file(parquet_dir):
    folder, _ = parquet_dir
    odd = _frame(10, np.random.default_rng(1)).rename(columns={"d": "e"})
    odd.to_parquet(folder / "part-9.parquet", index=False)
    out = _fails(["regress", str(folder), "-t", "y"])
    assert "mixed schemas: part-9.parquet lacks 'd' and has the extra 'e'" in out
    assert "part-0.parquet" in out


def test_non_numeric_column_named_with_drop_hint(parquet_dir):
    folder, _ = parquet_dir
    for path in sorted(folder.iterdir()):
        df = pd.read_parquet(path)
        df["city"] = "x"
        df.to_parquet(path, index=False)
    out = _fails(["pca", str(folder)])
    assert "column 'city' (text) in part-0.parquet is not numeric" in out
    assert "--drop city" in out
    ok = runner.invoke(app, ["regress", str(folder), "-t", "y", "--drop", "city"])
    assert ok.exit_code == 0, ok.output


def test_missing_cell_named_with_file_and_row(parquet_dir):
    folder, _ = parquet_dir
    df = pd.read_parquet(folder / "part-1.parquet")
    df.loc[7, "b"] = None
    df.to_parquet(folder / "part-1.parquet", index=False)
    out = _fails(["regress", str(folder), "-t", "y"])
    assert "column 'b' has a missing cell in part-1.parquet (row 8)" in out


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["regress", "-t", "y", "--model", "lasso"], "--model lasso cannot stream"),
        (["regress", "-t", "y", "--standardize"], "--standardize need(s) the whole table"),
        (["pca", "--save", "m.npz"], "--save need(s) the whole table"),
        (["regress", "-t", "nope"], "target column 'nope' not found"),
    ],
)
def test_refused_options(parquet_dir, args, match):
    folder, _ = parquet_dir
    out = _fails([args[0], str(folder), *args[1:]])
    assert match in out
