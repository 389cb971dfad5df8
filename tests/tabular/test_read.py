"""read_table: delimiter, header, decimal mark and BOM sniffed; rows indexed by file line."""

import numpy as np
import pandas as pd
import pytest

from linml.exceptions import LinmlInputError
from linml.tabular import read_table, row_label


def test_comma_csv_is_indexed_by_file_line(penguins_csv, penguins):
    df = read_table(penguins_csv)
    assert df.index.name == "line"
    assert df.index[0] == 2  # line 1 is the header
    assert list(df.columns) == list(penguins.columns)
    assert df.attrs["sep"] == "," and df.attrs["header"] is True
    np.testing.assert_allclose(df["body_mass_g"], penguins["body_mass_g"])


def test_semicolon_file_is_sniffed(tmp_path, wine_frame):
    path = tmp_path / "wine.csv"
    wine_frame.to_csv(path, sep=";", index=False)
    df = read_table(path)
    assert df.attrs["sep"] == ";"
    assert list(df.columns) == list(wine_frame.columns)
    np.testing.assert_allclose(df["alcohol"], wine_frame["alcohol"], rtol=1e-12)


def test_headerless_file_gets_x_names_and_keeps_its_first_row(tmp_path, wine_frame):
    path = tmp_path / "wine.csv"
    wine_frame.to_csv(path, index=False, header=False)
    df = read_table(path)
    assert df.attrs["header"] is False
    assert len(df) == len(wine_frame)  # 178 rows, not 177
    assert list(df.columns) == [f"x{j}" for j in range(wine_frame.shape[1])]
    assert df.index[0] == 1


def test_no_header_can_be_forced_and_header_too(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("1,2\n3,4\n")
    assert list(read_table(path, header=True).columns) == ["1", "2"]
    assert read_table(path, header=False).shape == (2, 2)


def test_decimal_comma_and_bom(tmp_path, wine_frame):
    path = tmp_path / "wine_de.csv"
    wine_frame.head(20).to_csv(path, sep=";", decimal=",", index=False, encoding="utf-8-sig")
    df = read_table(path)
    assert df.columns[0] == "alcohol"  # the BOM is not part of the first name
    assert df.attrs["decimal"] == ","
    np.testing.assert_allclose(df["alcohol"], wine_frame["alcohol"].head(20), rtol=1e-12)
    assert not pd.api.types.is_numeric_dtype(read_table(path, decimal=".")["alcohol"])


def test_blank_lines_do_not_shift_line_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n\n3,4\n")
    df = read_table(path)
    assert df.index.tolist() == [2, 4]
    assert row_label(df, 4) == "line 4"


def test_tsv_and_explicit_sep(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("a\tb\n1\t2\n3\t4\n")
    assert read_table(path).attrs["sep"] == "\t"
    assert read_table(path, sep="\t").shape == (2, 2)


def test_parquet_and_npz_rows_are_numbered_from_one(tmp_path, penguins):
    path = tmp_path / "p.parquet"
    penguins.to_parquet(path)
    df = read_table(path)
    assert df.index.name == "row" and df.index[0] == 1
    npz = tmp_path / "a.npz"
    np.savez(npz, X=np.arange(6.0).reshape(3, 2))
    assert list(read_table(npz).columns) == ["x0", "x1"]


def test_latin1_file_is_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("name,v\nJos\xe9,1\nZo\xeb,2\n".encode("latin-1"))
    assert read_table(path)["name"].tolist() == ["José", "Zoë"]


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("a,b\n1,2\n3,4,5\n", ".csv", "line 3: 3 fields where the header has 2"),
        ("", ".csv", "holds no data"),
        ("a,a\n1,2\n", ".csv", "line 1: column name(s) 'a' appear more than once"),
        ("x", ".xlsx", "unknown file type '.xlsx'"),
    ],
)
def test_bad_files_name_the_line(tmp_path, content, suffix, message):
    path = tmp_path / f"t{suffix}"
    path.write_text(content)
    with pytest.raises(LinmlInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_table(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(LinmlInputError, match="no such file"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(LinmlInputError, match="is a directory"):
        read_table(tmp_path)


def test_bad_options(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b\n1;2\n")
    with pytest.raises(LinmlInputError, match=r"must be '\.' or ','"):
        read_table(path, decimal=":")
    with pytest.raises(LinmlInputError, match="cannot also be the delimiter"):
        read_table(path, sep=",", decimal=",")
    with pytest.raises(LinmlInputError, match="one character"):
        read_table(path, sep=";;")


def test_round_trip_of_any_numeric_frame(tmp_path):
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    @settings(max_examples=25, deadline=None)
    @given(
        arrays(
            np.float64,
            st.tuples(st.integers(1, 8), st.integers(1, 4)),
            elements=st.floats(-1e6, 1e6, allow_nan=False),
        ),
        st.sampled_from([",", ";", "\t"]),
    )
    def check(values, sep):
        frame = pd.DataFrame(values, columns=[f"c{j}" for j in range(values.shape[1])])
        path = tmp_path / "h.csv"
        frame.to_csv(path, sep=sep, index=False)
        got = read_table(path, sep=sep)
        np.testing.assert_allclose(got.to_numpy(dtype=float), values, rtol=1e-15, atol=0)
        assert got.index.tolist() == list(range(2, 2 + len(values)))

    check()
