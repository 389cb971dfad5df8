"""Read tabular files into DataFrames and split them into a numeric X and a target y.

>>> import pandas as pd
>>> X, y, names = table_to_xy(pd.DataFrame({"a": [1, 2], "b": [3, 4], "t": [0.5, 1.5]}), "t")
>>> names, X.shape, y.tolist()
(['a', 'b'], (2, 2), [0.5, 1.5])
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from linml.exceptions import LinmlInputError

__all__ = ["load_table", "table_to_xy"]

_READERS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}


def load_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV, TSV, Parquet or NPZ file into a DataFrame, with clear errors.

    An ``.npz`` file must hold one 2-D array (columns named ``x0, x1, …``) or 1-D arrays of
    equal length (one column each).

    Raises
    ------
    LinmlInputError
        Missing or unreadable file, unknown extension, or an empty table.
    """
    p = Path(path)
    if not p.is_file():
        raise LinmlInputError(f"cannot read {str(p)!r}: no such file.")
    suffix = p.suffix.lower()
    kind = _READERS.get(suffix, "npz" if suffix == ".npz" else None)
    if kind is None:
        raise LinmlInputError(
            f"cannot read {str(p)!r}: unknown file type {suffix!r}; use .csv, .tsv, .parquet or .npz."
        )
    try:
        if kind == "csv":
            df = pd.read_csv(p)
        elif kind == "tsv":
            df = pd.read_csv(p, sep="\t")
        elif kind == "parquet":
            df = pd.read_parquet(p)
        else:
            df = _read_npz(p)
    except LinmlInputError:
        raise
    except (
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        UnicodeDecodeError,
        OSError,
        ValueError,
    ) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise LinmlInputError(f"cannot read {str(p)!r} as {kind}: {first}") from e
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
