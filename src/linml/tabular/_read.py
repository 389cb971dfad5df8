"""Read a table the way it was written: sniffed delimiter, header and decimal mark; file lines kept.

The DataFrame :func:`read_table` returns is indexed by where each row sits in the file, so
every later message can name it as an editor shows it: for CSV/TSV the index is the 1-based
**line number** (index name ``"line"``; the header is line 1, so the first data row is line 2),
for Parquet and NPZ the 1-based **row number** (index name ``"row"``).
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from linml.exceptions import LinmlInputError

__all__ = ["read_table", "row_label"]

_TEXT = {".csv", ".tsv", ".txt", ".tab", ".dat"}
_PARQUET = {".parquet", ".pq"}
_SNIFF_BYTES = 64 * 1024
_DELIMITERS = ",;\t|"
_NUMBER = re.compile(r"^\s*[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?\s*$")
_COMMA_DECIMAL = re.compile(r"^\s*[-+]?\d+,\d+\s*$")


def row_label(df: pd.DataFrame, index_label: Any) -> str:
    """How to name one row of a table from :func:`read_table` in a message: ``line 17`` or ``row 3``.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1]}, index=pd.Index([2], name="line"))
    >>> row_label(df, 2)
    'line 2'
    """
    kind = df.index.name if df.index.name in ("line", "row") else "row"
    return f"{kind} {index_label}"


def _sniff(sample: str, path: Path) -> str:
    """The delimiter of a text table: csv.Sniffer over the first lines, else by extension."""
    lines = [ln for ln in sample.splitlines() if ln.strip()][:50]
    if not lines:
        raise LinmlInputError(f"{str(path)!r} holds no data (the file is empty).")
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        pass
    # Sniffer gives up on one-column files and on ragged quoting: count candidates per line
    counts = {d: [ln.count(d) for ln in lines] for d in _DELIMITERS}
    consistent = [d for d, c in counts.items() if min(c) > 0 and len(set(c)) == 1]
    if consistent:
        return max(consistent, key=lambda d: counts[d][0])
    return "\t" if path.suffix.lower() == ".tsv" else ","


def _split_first_line(sample: str, sep: str) -> list[str]:
    for line in sample.splitlines():
        if line.strip():
            return next(csv.reader([line], delimiter=sep))
    return []


def _looks_like_data(fields: list[str]) -> bool:
    """A first line whose every field is a number is data, not a header (e.g. ``14.23,1.71,…``)."""
    return (
        bool(fields)
        and all(_NUMBER.match(f) for f in fields if f.strip())
        and any(f.strip() for f in fields)
    )


def read_table(
    path: str | os.PathLike[str],
    *,
    sep: str | None = None,
    header: bool | None = None,
    decimal: str | None = None,
) -> pd.DataFrame:
    r"""Read a CSV, TSV, Parquet or NPZ table, sniffing what a CSV does not say about itself.

    Parameters
    ----------
    path : str or path-like
        ``.csv``/``.tsv``/``.txt`` (any delimiter among ``, ; \t |``), ``.parquet``/``.pq``, or
        ``.npz`` (one 2-D array, columns ``x0, x1, …``, or 1-D arrays of equal length).
    sep : str, optional
        Field delimiter; sniffed from the first 64 KiB when omitted (``csv.Sniffer``, then a
        consistent-count rule).
    header : bool, optional
        Whether line 1 names the columns. When omitted, a first line whose every field is a
        number is taken as data and the columns are named ``x0, x1, …``.
    decimal : {".", ","}, optional
        Decimal mark. When omitted it is ``","`` if the delimiter is ``;`` and most
        non-numeric-looking fields are of the form ``14,23``; else ``"."``.

    Returns
    -------
    pandas.DataFrame
        Indexed by the 1-based file line (``index.name == "line"``) for text files, by the
        1-based row (``"row"``) otherwise. Blank lines are skipped without shifting the
        numbering. ``df.attrs`` records ``source``, ``sep``, ``header`` and ``decimal``.

    Raises
    ------
    LinmlInputError
        Missing file, unknown extension, a line with the wrong number of fields (its line
        number is named), or an empty table.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w", encoding="utf-8-sig").write("a;b\n1,5;x\n\n2,5;y\n")
    >>> df = read_table(p)
    >>> df["a"].tolist(), df.index.tolist(), df.attrs["sep"], df.attrs["decimal"]
    ([1.5, 2.5], [2, 4], ';', ',')
    """
    p = Path(path)
    if p.is_dir():
        raise LinmlInputError(f"cannot read {str(p)!r}: it is a directory, not a table file.")
    if not p.is_file():
        raise LinmlInputError(f"cannot read {str(p)!r}: no such file.")
    suffix = p.suffix.lower()
    if suffix in _PARQUET or suffix == ".npz":
        df = _read_binary(p, suffix)
        df.index = pd.RangeIndex(1, len(df) + 1, name="row")
        df.attrs.update(source=str(p), sep=None, header=True, decimal=None)
        return _check_nonempty(df, p)
    if suffix not in _TEXT:
        raise LinmlInputError(
            f"cannot read {str(p)!r}: unknown file type {suffix!r}; use .csv, .tsv, .parquet or .npz."
        )
    return _read_text(p, sep, header, decimal)


def _check_nonempty(df: pd.DataFrame, p: Path) -> pd.DataFrame:
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise LinmlInputError(f"{str(p)!r} holds no data (shape {df.shape}).")
    return df


def _read_binary(p: Path, suffix: str) -> pd.DataFrame:
    try:
        if suffix == ".npz":
            with np.load(p, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
            if len(arrays) == 1 and next(iter(arrays.values())).ndim == 2:
                A = next(iter(arrays.values()))
                return pd.DataFrame(A, columns=[f"x{j}" for j in range(A.shape[1])])
            shapes = {a.shape for a in arrays.values()}
            if arrays and all(a.ndim == 1 for a in arrays.values()) and len(shapes) == 1:
                return pd.DataFrame(arrays)
            raise LinmlInputError(
                f"{str(p)!r}: an NPZ table must hold one 2-D array or 1-D arrays of equal length."
            )
        return pd.read_parquet(p)
    except LinmlInputError:
        raise
    except Exception as e:  # pyarrow/zipfile raise many types; one message for all
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        kind = "npz" if suffix == ".npz" else "parquet"
        raise LinmlInputError(f"cannot read {str(p)!r} as {kind}: {first}") from None


def _read_text(p: Path, sep: str | None, header: bool | None, decimal: str | None) -> pd.DataFrame:
    try:
        with open(p, encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(_SNIFF_BYTES)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:  # not UTF-8: Latin-1 decodes every byte (Excel's default)
        with open(p, encoding="latin-1", newline="") as handle:
            sample = handle.read(_SNIFF_BYTES)
        encoding = "latin-1"
    if sep is None:
        sep = _sniff(sample, p)
    if len(sep) != 1 and sep != r"\s+":
        raise LinmlInputError(
            f"the delimiter {sep!r} must be one character such as ',', ';' or a tab."
        )
    first = _split_first_line(sample, sep)
    if header is None:
        header = not _looks_like_data(first)
    if decimal is None:
        decimal = "." if sep == "," else _guess_decimal(sample, sep, header)
    if decimal not in (".", ","):
        raise LinmlInputError(f"the decimal mark {decimal!r} must be '.' or ','.")
    if decimal == sep:
        raise LinmlInputError(f"the decimal mark {decimal!r} cannot also be the delimiter.")
    options: dict[str, Any] = dict(
        sep=sep,
        decimal=decimal,
        encoding=encoding,
        skip_blank_lines=False,
        header=0 if header else None,
        engine="c",
    )
    try:
        df = pd.read_csv(p, **options)
    except pd.errors.ParserError as e:
        raise LinmlInputError(_parser_message(p, str(e), header)) from None
    except pd.errors.EmptyDataError:
        raise LinmlInputError(f"{str(p)!r} holds no data (the file is empty).") from None
    except (OSError, ValueError) as e:
        first_line = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise LinmlInputError(f"cannot read {str(p)!r}: {first_line}") from None
    if not header:
        df.columns = [f"x{j}" for j in range(df.shape[1])]
    else:
        _check_header(first, p)
        df.columns = [str(c).strip() for c in df.columns]
    # file line of each row: the header is line 1; blank lines stay as all-NaN rows until here
    df.index = pd.RangeIndex(2 if header else 1, len(df) + (2 if header else 1), name="line")
    df = df.loc[~df.isna().all(axis=1)]
    df.attrs.update(source=str(p), sep=sep, header=bool(header), decimal=decimal)
    return _check_nonempty(df, p)


def _guess_decimal(sample: str, sep: str, header: bool) -> str:
    """',' when the fields that are not plain numbers mostly look like ``14,23``."""
    rows = list(csv.reader(io.StringIO(sample), delimiter=sep))[1 if header else 0 :][:200]
    fields = [f for row in rows for f in row if f.strip()]
    comma = sum(bool(_COMMA_DECIMAL.match(f)) for f in fields)
    return "," if comma and comma >= 0.2 * len(fields) else "."


def _parser_message(p: Path, text: str, header: bool) -> str:
    """pandas says 'Error tokenizing data. C error: Expected 3 fields in line 5, saw 4'."""
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        expected, line, saw = m.groups()
        return (
            f"{str(p)!r}, line {line}: {saw} fields where the {'header' if header else 'first line'} "
            f"has {expected}; check the delimiter (--sep) or quoting on that line."
        )
    first = (text.strip().splitlines() or ["unreadable"])[0]
    return f"cannot read {str(p)!r}: {first}"


def _check_header(fields: list[str], p: Path) -> None:
    names = [f.strip() for f in fields]
    dup = sorted({c for c in names if names.count(c) > 1})
    if dup:
        raise LinmlInputError(
            f"{str(p)!r}, line 1: column name(s) {', '.join(map(repr, dup[:5]))} appear more than "
            "once; rename them so each column has its own name."
        )
