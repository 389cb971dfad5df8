"""Interactions: a users x items sparse matrix (CSR) plus the maps from ids to rows and columns.

Ids may be any hashable values (ints, strings, …). Rows and columns are the sorted unique
ids (insertion order when ids cannot be sorted); the matrix holds one value per observed
(user, item) pair, and optional timestamps aligned with ``matrix.data``.

Readers cover named-column CSV/Parquet tables and the common ratings-file layouts:
tab-separated ``user item rating timestamp`` without a header, ``::``-separated
(``user::item::rating::timestamp``) and ``userId,movieId,rating,timestamp`` CSV.

>>> inter = Interactions.from_arrays(["ann", "bob", "ann"], ["x", "y", "y"], [5.0, 3.0, 4.0])
>>> inter.shape, inter.nnz
((2, 2), 3)
>>> inter.user_ids.tolist(), inter.item_ids.tolist()
(['ann', 'bob'], ['x', 'y'])
>>> inter.matrix.toarray()
array([[5., 4.],
       [0., 3.]])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from linml._validation import check_finite
from linml.datasets.loaders import existing_file, reading
from linml.exceptions import LinmlInputError

__all__ = ["DUPLICATE_POLICIES", "Interactions", "as_interactions", "read_ratings"]

DUPLICATE_POLICIES = ("error", "last", "mean", "sum")

_USER_NAMES = ("user", "userid", "user_id", "uid", "users", "customer", "customer_id")
_ITEM_NAMES = ("item", "itemid", "item_id", "movieid", "movie_id", "movie", "iid", "product")
_RATING_NAMES = ("rating", "ratings", "value", "score", "count", "weight", "plays")
_TIME_NAMES = ("timestamp", "time", "ts", "date", "datetime")


def _as_ids(values: Any, name: str) -> np.ndarray:
    """A 1-D array of ids: int64 when integral, str when all strings, object otherwise."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise LinmlInputError(
            f"{name} must be 1-D (one id per interaction); got shape {arr.shape}."
        )
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "f":
        if arr.size and not np.isfinite(arr).all():
            raise LinmlInputError(f"{name} contains NaN or inf; every interaction needs an id.")
        if arr.size and np.all(arr == np.round(arr)):
            return arr.astype(np.int64)
        return arr
    if arr.dtype.kind in "US":
        return arr.astype(str)
    if arr.dtype == object:
        if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in arr):
            raise LinmlInputError(f"{name} contains missing ids (None/NaN); drop those rows.")
        if all(isinstance(v, str) for v in arr):
            return arr.astype(str)
        if all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in arr):
            return arr.astype(np.int64)
    return arr


def _factorize(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques): sorted uniques when the ids can be sorted, first-seen order otherwise."""
    try:
        codes, uniques = pd.factorize(ids, sort=True)
    except TypeError:  # mixed types that cannot be compared
        codes, uniques = pd.factorize(ids, sort=False)
    uniques = np.asarray(uniques)
    if ids.dtype.kind in "iuUf":
        uniques = uniques.astype(ids.dtype)
    return codes.astype(np.int64), uniques


class Interactions:
    """Observed (user, item, value) triples as a CSR users x items matrix plus id maps.

    Parameters
    ----------
    matrix : scipy.sparse matrix, (n_users, n_items)
        Stored entries are the observed interactions (explicit zeros are kept as observed).
    user_ids : array-like, (n_users,), optional
        Id of each row; default ``0..n_users-1``.
    item_ids : array-like, (n_items,), optional
        Id of each column; default ``0..n_items-1``.
    timestamps : array-like, (nnz,), optional
        One timestamp per stored entry, in the order of the canonical CSR ``matrix.data``.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix, (n_users, n_items), float64
    user_ids, item_ids : ndarray
    timestamps : ndarray or None

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> inter = Interactions(sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 2.0]])))
    >>> inter.to_frame()
       user  item  value
    0     0     0    1.0
    1     1     1    2.0
    """

    def __init__(
        self,
        matrix: Any,
        user_ids: Any = None,
        item_ids: Any = None,
        timestamps: Any = None,
    ) -> None:
        if not sp.issparse(matrix):
            raise TypeError(
                f"matrix must be a scipy.sparse users x items matrix; got {type(matrix).__name__}. "
                "Use Interactions.from_arrays(users, items, values) for triples."
            )
        M = sp.csr_matrix(matrix, dtype=np.float64)
        if not M.has_canonical_format:
            if timestamps is not None:
                raise LinmlInputError(
                    "timestamps need a canonical CSR matrix (sorted indices, no duplicates); "
                    "build with Interactions.from_arrays instead."
                )
            M.sum_duplicates()
        check_finite(M, "ratings")
        n_users, n_items = M.shape
        self.matrix = M
        self.user_ids = (
            np.arange(n_users, dtype=np.int64)
            if user_ids is None
            else _as_ids(user_ids, "user_ids")
        )
        self.item_ids = (
            np.arange(n_items, dtype=np.int64)
            if item_ids is None
            else _as_ids(item_ids, "item_ids")
        )
        if self.user_ids.shape[0] != n_users or self.item_ids.shape[0] != n_items:
            raise LinmlInputError(
                f"user_ids ({self.user_ids.shape[0]}) and item_ids ({self.item_ids.shape[0]}) must "
                f"match the matrix shape {M.shape}."
            )
        if timestamps is not None:
            timestamps = np.asarray(timestamps)
            if timestamps.shape != (M.nnz,):
                raise LinmlInputError(
                    f"timestamps must have one entry per interaction ({M.nnz}); got shape "
                    f"{timestamps.shape}."
                )
        self.timestamps = timestamps
        self._user_index: pd.Index | None = None
        self._item_index: pd.Index | None = None

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_arrays(
        cls,
        users: Any,
        items: Any,
        values: Any = None,
        timestamps: Any = None,
        *,
        duplicates: str = "error",
        user_ids: Any = None,
        item_ids: Any = None,
    ) -> Interactions:
        """Build from parallel arrays of user ids, item ids and values (default 1).

        Parameters
        ----------
        users, items : array-like, (n,)
            Ids of any hashable type.
        values : array-like, (n,), optional
            Ratings or counts; all ones when omitted (implicit feedback).
        timestamps : array-like, (n,), optional
            Kept aligned with the matrix entries; used by :func:`~linml.recommend.temporal_split`.
        duplicates : {"error", "last", "mean", "sum"}
            What to do when a (user, item) pair occurs more than once: raise, keep the last
            occurrence (input order), average, or add the values (counts). Timestamps follow
            the last occurrence for "last" and the latest time otherwise.
        user_ids, item_ids : array-like, optional
            Fix the row/column id maps (e.g. to share them with another split); every id in
            ``users``/``items`` must be among them.
        """
        if duplicates not in DUPLICATE_POLICIES:
            raise LinmlInputError(
                f"duplicates={duplicates!r} must be one of {', '.join(map(repr, DUPLICATE_POLICIES))}."
            )
        users = _as_ids(users, "users")
        items = _as_ids(items, "items")
        n = users.shape[0]
        if items.shape[0] != n:
            raise LinmlInputError(f"users has {n} entries but items has {items.shape[0]}.")
        if n == 0:
            raise LinmlInputError("no interactions given (empty data); need at least one rating.")
        if values is None:
            values = np.ones(n)
        values = np.asarray(values)
        if values.dtype.kind not in "biuf":
            raise LinmlInputError(f"values must be numeric; got dtype {values.dtype}.")
        values = values.astype(np.float64, copy=False)
        if values.shape != (n,):
            raise LinmlInputError(f"values must have shape ({n},) like users; got {values.shape}.")
        check_finite(values, "ratings")
        if timestamps is not None:
            timestamps = np.asarray(timestamps)
            if timestamps.shape != (n,):
                raise LinmlInputError(f"timestamps must have shape ({n},); got {timestamps.shape}.")
        rows, uids = _encode(users, user_ids, "users")
        cols, iids = _encode(items, item_ids, "items")
        n_items = iids.shape[0]
        keys = rows * n_items + cols
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        is_new = np.empty(n, dtype=bool)
        is_new[:1] = True
        np.not_equal(keys[1:], keys[:-1], out=is_new[1:])
        group = np.cumsum(is_new) - 1  # group of each sorted entry
        starts = np.flatnonzero(is_new)
        ends = np.append(starts[1:], n) - 1  # last (in input order, stable) entry per group
        vals = values[order]
        if starts.shape[0] != n:
            if duplicates == "error":
                first = int(np.flatnonzero(~is_new)[0])
                u, i = uids[keys[first] // n_items], iids[keys[first] % n_items]
                u, i = (v.item() if isinstance(v, np.generic) else v for v in (u, i))
                raise LinmlInputError(
                    f"duplicate interaction for user {u!r}, item {i!r} ({n - starts.shape[0]} "
                    "duplicates in all); choose duplicates='last', 'mean' or 'sum'."
                )
            if duplicates == "last":
                vals = vals[ends]
            else:
                sums = np.bincount(group, weights=vals)
                vals = sums if duplicates == "sum" else sums / np.bincount(group)
            if timestamps is not None:
                ts = timestamps[order]
                if duplicates == "last":
                    timestamps = ts[ends]
                else:
                    timestamps = np.maximum.reduceat(ts, starts)
        elif timestamps is not None:
            timestamps = timestamps[order]
        ukeys = keys[starts]
        M = sp.csr_matrix(
            (vals, (ukeys // n_items, ukeys % n_items)), shape=(uids.shape[0], n_items)
        )
        # entries were already sorted by (row, col) and unique, so CSR order equals key order
        M.has_canonical_format = True
        return cls(M, uids, iids, timestamps)

    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        *,
        user: str | None = None,
        item: str | None = None,
        rating: str | None = "auto",
        timestamp: str | None = "auto",
        duplicates: str = "error",
    ) -> Interactions:
        """Build from a DataFrame with named columns.

        ``user``/``item`` default to the first column named like a user (``user``, ``userId``,
        ``user_id``…) or item (``item``, ``movieId``…); ``rating="auto"`` finds ``rating``,
        ``value``, ``score``, ``count``…, and ``rating=None`` means implicit data (all ones).
        ``timestamp="auto"`` uses a ``timestamp``/``time`` column when there is one.
        """
        if df.shape[0] == 0:
            raise LinmlInputError("the ratings table holds no rows (empty data).")
        user_col = _pick_column(df, user, _USER_NAMES, "user")
        item_col = _pick_column(df, item, _ITEM_NAMES, "item")
        rating_col = None if rating is None else _pick_column(df, rating, _RATING_NAMES, "rating")
        if timestamp == "auto":
            time_col = _find_column(df, _TIME_NAMES)
        else:
            time_col = None if timestamp is None else _pick_column(df, timestamp, (), "timestamp")
        values = None
        if rating_col is not None:
            series = df[rating_col]
            if not pd.api.types.is_numeric_dtype(series):
                raise LinmlInputError(
                    f"rating column {rating_col!r} is not numeric (dtype {series.dtype}); "
                    "fix the file or choose another column."
                )
            values = series.to_numpy(dtype=np.float64)
            if not np.isfinite(values).all():
                row = int(np.flatnonzero(~np.isfinite(values))[0])
                raise LinmlInputError(
                    f"rating column {rating_col!r} contains NaN or inf at row {row}; remove or "
                    "fill the missing ratings first."
                )
        ts = None
        if time_col is not None:
            ts = df[time_col].to_numpy()
            if ts.dtype.kind == "M":
                ts = ts.astype("datetime64[ns]").astype(np.int64)
        return cls.from_arrays(
            df[user_col].to_numpy(), df[item_col].to_numpy(), values, ts, duplicates=duplicates
        )

    # ------------------------------------------------------------------ views
    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    @property
    def n_users(self) -> int:
        return self.matrix.shape[0]

    @property
    def n_items(self) -> int:
        return self.matrix.shape[1]

    @property
    def nnz(self) -> int:
        return self.matrix.nnz

    @property
    def rows(self) -> np.ndarray:
        """Row (user) index of each stored entry, in CSR order."""
        return np.repeat(np.arange(self.n_users), np.diff(self.matrix.indptr))

    @property
    def cols(self) -> np.ndarray:
        """Column (item) index of each stored entry, in CSR order."""
        return self.matrix.indices.astype(np.int64)

    @property
    def values(self) -> np.ndarray:
        return self.matrix.data

    def __repr__(self) -> str:
        density = self.nnz / max(1, self.n_users * self.n_items)
        return (
            f"Interactions({self.n_users} users x {self.n_items} items, {self.nnz} interactions, "
            f"density {density:.3g}{', timestamped' if self.timestamps is not None else ''})"
        )

    def to_triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(user ids, item ids, values) of every stored entry, in CSR order."""
        return self.user_ids[self.rows], self.item_ids[self.cols], self.values.copy()

    def to_frame(self) -> pd.DataFrame:
        """A DataFrame with columns user, item, value (and timestamp)."""
        users, items, values = self.to_triples()
        frame = pd.DataFrame({"user": users, "item": items, "value": values})
        if self.timestamps is not None:
            frame["timestamp"] = self.timestamps
        return frame

    def take(self, mask: Any) -> Interactions:
        """The interactions selected by ``mask`` (boolean or indices over entries, CSR order),
        keeping the same id maps — so train and test splits share rows and columns."""
        mask = np.asarray(mask)
        if mask.dtype != bool:
            keep = np.zeros(self.nnz, dtype=bool)
            keep[mask] = True
            mask = keep
        rows, cols = self.rows[mask], self.cols[mask]
        M = sp.csr_matrix((self.values[mask], (rows, cols)), shape=self.shape)
        M.has_canonical_format = True  # a subsequence of a canonical CSR stays canonical
        ts = None if self.timestamps is None else self.timestamps[mask]
        out = Interactions(M, self.user_ids, self.item_ids, ts)
        out._user_index, out._item_index = self._user_index, self._item_index
        return out

    # ------------------------------------------------------------------ id lookup
    def user_index(self, ids: Any, *, allow_unknown: bool = False) -> np.ndarray:
        """Row indices of user ``ids`` (-1 for unknown ids when ``allow_unknown``)."""
        if self._user_index is None:
            self._user_index = pd.Index(self.user_ids)
        return lookup(self._user_index, ids, "user", allow_unknown)

    def item_index(self, ids: Any, *, allow_unknown: bool = False) -> np.ndarray:
        """Column indices of item ``ids`` (-1 for unknown ids when ``allow_unknown``)."""
        if self._item_index is None:
            self._item_index = pd.Index(self.item_ids)
        return lookup(self._item_index, ids, "item", allow_unknown)


#: how many unknown ids an error message lists
_SHOW_UNKNOWN = 3


def lookup(
    index: pd.Index, ids: Any, what: str, allow_unknown: bool, hint: str | None = None
) -> np.ndarray:
    """Positions of ``ids`` in ``index``; unknown ids raise unless allowed.

    The error names the first few unknown ids, how many there are, and the way out:
    ``hint`` (e.g. ``'pass unknown="fallback" to …'``), by default fold-in for users.
    """
    query = _as_query(ids, index)
    positions = index.get_indexer(query)
    if positions.dtype.kind != "i":  # pragma: no cover - pandas always returns ints
        positions = positions.astype(np.int64)
    if not allow_unknown and (positions < 0).any():
        bad_at = np.flatnonzero(positions < 0)
        shown = []
        for value in query[bad_at]:
            value = value.item() if isinstance(value, np.generic) else value
            if value not in shown:
                shown.append(value)
            if len(shown) == _SHOW_UNKNOWN:
                break
        listed = ", ".join(repr(v) for v in shown)
        if hint is None:
            hint = "pass its ratings to fold it in" if what == "user" else ""
        raise LinmlInputError(
            f"unknown {what} id {shown[0]!r} ({bad_at.shape[0]} unknown of {query.shape[0]} "
            f"given, e.g. {listed}; the model knows {len(index)} {what}s). Check the id's type "
            "and spelling" + (f", or {hint}." if hint else ".")
        )
    return positions.astype(np.int64)


def _as_query(ids: Any, index: pd.Index) -> np.ndarray:
    query = np.asarray(ids)
    if query.ndim == 0:
        query = query.reshape(1)
    # command-line ids arrive as strings: match integer ids when they look like integers
    if index.dtype.kind in "iu" and query.dtype.kind in "UO" and query.size:
        try:
            query = np.array([int(v) for v in query], dtype=np.int64)
        except (TypeError, ValueError):
            pass
    return query


def _encode(ids: np.ndarray, known: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    if known is None:
        return _factorize(ids)
    known = _as_ids(known, f"{what} id map")
    codes = lookup(pd.Index(known), ids, what.rstrip("s"), allow_unknown=False)
    return codes, known


def _find_column(df: pd.DataFrame, candidates: Sequence[str]) -> str | None:
    lowered = {str(c).lower(): c for c in df.columns}
    for name in candidates:
        if name in lowered:
            return lowered[name]
    return None


def _pick_column(
    df: pd.DataFrame, requested: str | None, candidates: Sequence[str], role: str
) -> Any:
    columns = ", ".join(map(repr, [str(c) for c in df.columns][:20]))
    if requested is not None and requested != "auto":
        if requested in df.columns:
            return requested
        raise LinmlInputError(f"{role} column {requested!r} not found; the columns are: {columns}.")
    found = _find_column(df, candidates)
    if found is None:
        raise LinmlInputError(
            f"no {role} column found (looked for {', '.join(candidates[:4])}…); the columns are: "
            f"{columns}. Name it explicitly ({role}=...)."
        )
    return found


def _sniff_layout(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    with open(path, encoding="utf-8", errors="replace") as handle:
        first = handle.readline()
    if "::" in first:
        return "colons"
    tokens = first.strip().split("\t")
    if len(tokens) >= 3:
        try:
            float(tokens[2])
            return "tab"
        except ValueError:
            return "tsv"
    return "csv"


_HEADERLESS = ["user", "item", "rating", "timestamp"]


def read_ratings(
    path: str | os.PathLike[str],
    *,
    layout: str = "auto",
    user: str | None = None,
    item: str | None = None,
    rating: str | None = "auto",
    timestamp: str | None = "auto",
    duplicates: str = "error",
) -> Interactions:
    """Read a ratings file into :class:`Interactions`.

    Parameters
    ----------
    path : str or PathLike
        The file.
    layout : {"auto", "csv", "tsv", "parquet", "tab", "colons"}
        ``csv``/``tsv``/``parquet``: a table with a header row of column names;
        ``tab``: headerless tab-separated ``user item rating timestamp`` (MovieLens 100k);
        ``colons``: headerless ``user::item::rating::timestamp`` (MovieLens 1M). ``auto``
        decides from the extension and the first line.
    user, item, rating, timestamp, duplicates
        As in :meth:`Interactions.from_frame` (column names for tables).

    Raises
    ------
    LinmlInputError
        Missing file, unreadable table, a missing column (the message lists those there
        are), non-numeric or NaN ratings, duplicates under ``duplicates="error"``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "ratings.csv")
    >>> _ = open(path, "w").write("userId,movieId,rating,timestamp\\n1,10,4.0,5\\n2,10,3.5,6\\n")
    >>> read_ratings(path)
    Interactions(2 users x 1 items, 2 interactions, density 1, timestamped)
    """
    p = existing_file(path)
    layouts = ("auto", "csv", "tsv", "parquet", "tab", "colons")
    if layout not in layouts:
        raise LinmlInputError(f"layout={layout!r} must be one of {', '.join(map(repr, layouts))}.")
    if layout == "auto":
        layout = _sniff_layout(p)
    with reading(p, layout):
        if layout == "parquet":
            df = pd.read_parquet(p)
        elif layout in ("tab", "colons"):
            sep = "\t" if layout == "tab" else "::"
            df = pd.read_csv(p, sep=sep, header=None, engine="python" if sep == "::" else "c")
            if df.shape[1] < 3:
                raise LinmlInputError(
                    f"{str(p)!r}: a {layout}-separated ratings file needs at least 3 columns "
                    f"(user, item, rating[, timestamp]); found {df.shape[1]}."
                )
            df.columns = (_HEADERLESS + [f"extra{j}" for j in range(df.shape[1])])[: df.shape[1]]
        else:
            df = pd.read_csv(p, sep="\t" if layout == "tsv" else ",")
    return Interactions.from_frame(
        df, user=user, item=item, rating=rating, timestamp=timestamp, duplicates=duplicates
    )


def as_interactions(X: Any, *, duplicates: str = "error", name: str = "X") -> Interactions:
    """Coerce an :class:`Interactions`, a scipy.sparse users x items matrix or a
    ``(users, items, values)`` triple (values optional) into :class:`Interactions`."""
    if isinstance(X, Interactions):
        return X
    if sp.issparse(X):
        if X.shape[0] == 0 or X.shape[1] == 0 or X.nnz == 0:
            raise LinmlInputError(
                f"{name} is an empty {X.shape[0]}x{X.shape[1]} sparse matrix (no interactions)."
            )
        return Interactions(X)
    if isinstance(X, pd.DataFrame):
        return Interactions.from_frame(X, duplicates=duplicates)
    if isinstance(X, tuple | list) and len(X) in (2, 3):
        return Interactions.from_arrays(*X, duplicates=duplicates)
    if isinstance(X, np.ndarray) and X.ndim == 2:
        raise TypeError(
            f"{name} is a dense {X.shape} array; pass scipy.sparse.csr_matrix({name}) (stored "
            "entries are the observed ratings) or a (users, items, values) triple."
        )
    raise TypeError(
        f"{name} must be Interactions, a scipy.sparse users x items matrix or a (users, items, "
        f"values) tuple; got {type(X).__name__}."
    )
