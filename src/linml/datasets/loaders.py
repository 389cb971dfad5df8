"""Read tabular files into DataFrames and split them into a numeric X and a target y.

:func:`existing_file` and :func:`reading` give every reader of data files (these and
``linml.recommend.read_ratings``) the same errors: a missing file, or what a parser raises,
becomes a :class:`~linml.exceptions.LinmlInputError` naming the file and its layout.

>>> import pandas as pd
>>> X, y, names = table_to_xy(pd.DataFrame({"a": [1, 2], "b": [3, 4], "t": [0.5, 1.5]}), "t")
>>> names, X.shape, y.tolist()
(['a', 'b'], (2, 2), [0.5, 1.5])
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from linml.exceptions import LinmlInputError

__all__ = ["load_table", "table_to_xy"]

_READERS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}


#: what the parsers raise on a file they cannot read
_READ_ERRORS = (
    pd.errors.ParserError,
    pd.errors.EmptyDataError,
    UnicodeDecodeError,
    OSError,
    ValueError,
)


def existing_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`~pathlib.Path`, raising ``LinmlInputError`` unless it is a file.

    Parameters
    ----------
    path : str or PathLike

    Returns
    -------
    Path
    """
    p = Path(path)
    if not p.is_file():
        raise LinmlInputError(f"cannot read {str(p)!r}: no such file.")
    return p


@contextlib.contextmanager
def reading(p: Path, layout: str) -> Iterator[None]:
    """Parse ``p`` inside this block: a parser error leaves it as ``LinmlInputError``
    ``"cannot read '<p>' as <layout>: <first line of the error>"``, chained to the error.

    A ``LinmlInputError`` raised in the block (a ``ValueError`` too) passes unchanged.

    Parameters
    ----------
    p : Path
        The file being read.
    layout : str
        How it is read (``csv``, ``parquet``, ``colons``…), for the message.
    """
    try:
        yield
    except LinmlInputError:
        raise
    except _READ_ERRORS as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise LinmlInputError(f"cannot read {str(p)!r} as {layout}: {first}") from e


def load_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV, TSV, Parquet or NPZ file into a DataFrame, with clear errors.

    An ``.npz`` file must hold one 2-D array (columns named ``x0, x1, …``) or 1-D arrays of
    equal length (one column each).

    Raises
    ------
    LinmlInputError
        Missing or unreadable file, unknown extension, or an empty table.
    """
    p = existing_file(path)
    suffix = p.suffix.lower()
    kind = _READERS.get(suffix, "npz" if suffix == ".npz" else None)
    if kind is None:
        raise LinmlInputError(
            f"cannot read {str(p)!r}: unknown file type {suffix!r}; use .csv, .tsv, .parquet or .npz."
        )
    with reading(p, kind):
        if kind == "csv":
            df = pd.read_csv(p)
        elif kind == "tsv":
            df = pd.read_csv(p, sep="\t")
        elif kind == "parquet":
            df = pd.read_parquet(p)
        else:
            df = _read_npz(p)
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise LinmlInputError(f"{str(p)!r} holds no data (shape {df.shape}).")
    return df


def _read_npz(p: Path) -> pd.DataFrame:
    with np.load(p, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    if len(arrays) == 1 and next(iter(arrays.values())).ndim == 2:
        A = next(iter(arrays.values()))
        return pd.DataFrame(A, columns=[f"x{j}" for j in range(A.shape[1])])
    if all(a.ndim == 1 for a in arrays.values()) and len({a.shape for a in arrays.values()}) == 1:
        return pd.DataFrame(arrays)
    raise LinmlInputError(
        f"{str(p)!r}: an NPZ table must hold one 2-D array or 1-D arrays of equal length."
    )


def table_to_xy(
    df: pd.DataFrame, target: str | None = None
) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Split a DataFrame into float64 ``X`` (all numeric columns but ``target``) and ``y``.

    Raises
    ------
    LinmlInputError
        The target column is missing (the message lists the columns there are) or a
        feature column is not numeric (the message names it and suggests encoding it).
    """
    columns = [str(c) for c in df.columns]
    df = df.set_axis(columns, axis=1)
    y = None
    if target is not None:
        if target not in columns:
            shown = ", ".join(columns[:20]) + (" …" if len(columns) > 20 else "")
            raise LinmlInputError(f"target column {target!r} not found; the columns are: {shown}.")
        y = df[target].to_numpy()
        df = df.drop(columns=[target])
    non_numeric = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    if non_numeric:
        raise LinmlInputError(
            f"non-numeric column(s) {', '.join(map(repr, non_numeric[:5]))}"
            f"{' …' if len(non_numeric) > 5 else ''}: encode them as numbers (e.g. one-hot) or drop them."
        )
    if df.shape[1] == 0:
        raise LinmlInputError("no feature columns left after removing the target.")
    X = df.to_numpy(dtype=np.float64)
    return X, y, list(df.columns)
