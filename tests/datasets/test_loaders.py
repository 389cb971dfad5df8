"""Tabular loading: formats, and clear errors for the usual mistakes."""

import numpy as np
import pandas as pd
import pytest

from linml.datasets import load_table, table_to_xy


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet"])
def test_round_trip_formats(tmp_path, suffix):
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4]})
    path = tmp_path / f"t{suffix}"
    if suffix == ".parquet":
        df.to_parquet(path)
    else:
        df.to_csv(path, index=False, sep="\t" if suffix == ".tsv" else ",")
    pd.testing.assert_frame_equal(load_table(path), df, check_dtype=False)


def test_npz_matrix(tmp_path):
    np.savez(tmp_path / "m.npz", X=np.eye(3))
    df = load_table(tmp_path / "m.npz")
    assert list(df.columns) == ["x0", "x1", "x2"]


def test_missing_file():
    with pytest.raises(ValueError, match="no such file"):
        load_table("/nonexistent/file.csv")


def test_unknown_extension(tmp_path):
    (tmp_path / "x.xlsx").write_text("hi")
    with pytest.raises(ValueError, match=r"unknown file type '\.xlsx'"):
        load_table(tmp_path / "x.xlsx")


def test_unreadable_parquet(tmp_path):
    (tmp_path / "x.parquet").write_text("not parquet")
    with pytest.raises(ValueError, match=r"cannot read .* as parquet"):
        load_table(tmp_path / "x.parquet")


def test_missing_target_lists_columns():
    with pytest.raises(ValueError, match=r"target column 'z' not found; the columns are: a, b"):
        table_to_xy(pd.DataFrame({"a": [1], "b": [2]}), "z")


def test_non_numeric_column_named():
    with pytest.raises(ValueError, match=r"non-numeric column\(s\) 'c'"):
        table_to_xy(pd.DataFrame({"a": [1.0], "c": ["x"], "t": [1.0]}), "t")
