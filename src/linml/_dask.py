"""Dask glue: recognise dask collections, reduce row blocks to :class:`GramStats`, map predicts.

Nothing here imports dask at module import time: :func:`is_dask_collection` only looks at the
type of an object, and dask itself is imported inside the functions that need it, i.e. only when
a user has passed a dask collection (and so has dask installed).

The one-pass reduction: every row block ``b`` of ``X`` (rows ``start..stop-1``) becomes
``GramStats.from_block(X_b, y_b)`` (centered at the block's own mean), and the blocks are merged
by a pairwise tree of :meth:`GramStats.merge` (Chan, Golub & LeVeque), computed with the active
scheduler — a ``distributed`` client when one is the default, else dask's default scheduler.

>>> import numpy as np
>>> is_dask_collection(np.ones(3))
False
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from linml._validation import LinmlInputError
from linml.linalg.gram_stats import GramStats

__all__ = [
    "DaskFitInfo",
    "align_rows",
    "as_dask_array",
    "current_scheduler",
    "gram_stats",
    "is_dask_collection",
    "map_rows",
]


def is_dask_collection(obj: Any) -> bool:
    """True for a dask Array / DataFrame / Series, decided without importing dask.

    >>> is_dask_collection([1.0, 2.0])
    False
    """
    module = type(obj).__module__ or ""
    return module.split(".")[0] in ("dask", "dask_expr") and hasattr(obj, "__dask_graph__")


@dataclass
class DaskFitInfo:
    """How a fit on a dask collection ran, in one line for ``explain()``.

    Examples
    --------
    >>> DaskFitInfo(12, "distributed", 2, "centered Gram reduction").line()
    'dask: 12 row blocks on 2 workers (distributed), route: centered Gram reduction'
    >>> DaskFitInfo(1, "synchronous", None, "TSQR").line()
    'dask: 1 row block (synchronous), route: TSQR'
    """

    n_blocks: int
    scheduler: str
    n_workers: int | None
    route: str

    def line(self) -> str:
        blocks = f"{self.n_blocks} row block{'s' if self.n_blocks != 1 else ''}"
        where = (
            f" on {self.n_workers} worker{'s' if self.n_workers != 1 else ''}"
            if self.n_workers is not None
            else ""
        )
        return f"dask: {blocks}{where} ({self.scheduler}), route: {self.route}"


_SCHEDULER_NAMES = {
    "sync": "synchronous",
    "synchronous": "synchronous",
    "single-threaded": "synchronous",
    "threads": "threads",
    "threading": "threads",
    "processes": "processes",
    "multiprocessing": "processes",
    "distributed": "distributed",
    "dask.distributed": "distributed",
}


def current_scheduler() -> tuple[str, int | None]:
    """The scheduler a ``compute()`` would use now and its number of workers (None if unknown).

    A default ``distributed`` client wins, as in dask; otherwise ``dask.config``'s
    ``scheduler`` setting, else dask's default for arrays (``"threads"``).
    """
    import dask

    setting = dask.config.get("scheduler", None)
    name = _SCHEDULER_NAMES.get(setting, None) if isinstance(setting, str) else None
    if name in (None, "distributed") and "distributed" in sys.modules:
        from distributed import default_client

        try:
            client = default_client()
        except ValueError:  # no client is running
            client = None
        if client is not None:
            return "distributed", len(client.scheduler_info().get("workers", {}))
    if name is None or name == "distributed":
        return "threads", None
    return name, None


# ---------------------------------------------------------------------------- conversion
def _is_numeric(dtype: Any) -> bool:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return bool(is_numeric_dtype(dtype) or is_bool_dtype(dtype))


def _non_numeric(obj: Any) -> list[str]:
    """Names of the non-numeric columns of a dask DataFrame (or of a non-numeric Series)."""
    import dask.dataframe as dd

    if isinstance(obj, dd.DataFrame):
        return [str(col) for col, dt in obj.dtypes.items() if not _is_numeric(dt)]
    return [] if _is_numeric(obj.dtype) else [str(obj.name)]


def as_dask_array(obj: Any, name: str = "X") -> Any:
    """A dask array with known row-chunk sizes and one column chunk (row blocks only).

    A dask DataFrame/Series of numeric columns becomes an array via
    ``to_dask_array(lengths=True)``; a non-numeric column raises :class:`LinmlInputError`
    naming it. A NumPy array becomes a one-block dask array. 1-D stays 1-D.
    """
    import dask.array as da

    if isinstance(obj, da.Array):
        A = obj
    elif hasattr(obj, "to_dask_array"):
        bad = _non_numeric(obj)
        if bad:
            raise LinmlInputError(
                f"{name} has non-numeric column(s) {bad}; encode or drop them before fitting "
                "(e.g. select the numeric columns with df.select_dtypes('number'))."
            )
        try:
            A = obj.to_dask_array(lengths=True)
        except (TypeError, ValueError) as e:  # e.g. a pandas extension dtype
            raise LinmlInputError(
                f"{name} could not be turned into a numeric dask array ({e}); cast its columns "
                "to float first."
            ) from e
    else:
        A = da.from_array(np.asarray(obj))
    if A.ndim not in (1, 2):
        raise LinmlInputError(f"{name} must be 1-D or 2-D; got a {A.ndim}-D dask array.")
    if A.dtype.kind not in "biuf":
        raise LinmlInputError(
            f"{name} has dtype {A.dtype}; a numeric (float or integer) array is needed."
        )
    if any(np.isnan(c) for c in A.chunks[0]):
        A = A.compute_chunk_sizes()
    if A.ndim == 2 and len(A.chunks[1]) > 1:
        A = A.rechunk({1: -1})
    return A


def align_rows(y: Any, X: Any, name: str = "y") -> Any:
    """``y`` as a dask array with the row chunks of ``X`` (checked to have as many rows)."""
    import dask.array as da

    Y = as_dask_array(y, name) if is_dask_collection(y) else da.from_array(np.asarray(y))
    if Y.shape[0] != X.shape[0]:
        raise LinmlInputError(
            f"{name} has {Y.shape[0]} rows but X has {X.shape[0]}; pass one {name} value per row."
        )
    if Y.ndim == 2 and len(Y.chunks[1]) > 1:
        Y = Y.rechunk({0: X.chunks[0], 1: -1})
    elif Y.chunks[0] != X.chunks[0]:
        Y = Y.rechunk({0: X.chunks[0]})
    return Y


def check_block_finite(A: np.ndarray, name: str, block: int, start: int) -> None:
    """Raise naming the first non-finite row of row block ``block`` (global row ``start + i``)."""
    bad = ~np.isfinite(A)
    if bad.any():
        first = int(np.flatnonzero(bad.reshape(A.shape[0], -1).any(axis=1))[0])
        stop = start + A.shape[0]
        raise LinmlInputError(
            f"{name} has NaN or infinity in row {start + first} (row block {block}, rows "
            f"{start}..{stop - 1}); remove or impute it before fitting."
        )


def _finite_block(B: np.ndarray, name: str, block_info: Any = None) -> np.ndarray:
    (start, _stop), block = block_info[0]["array-location"][0], block_info[0]["chunk-location"][0]
    check_block_finite(B, name, block, start)
    return B


def checked_finite(Xd: Any, name: str = "X") -> Any:
    """``Xd`` with a lazy finiteness check on every row block (for the routes that bypass
    :func:`gram_stats`): the same error, naming the row, block and range."""
    meta = np.empty((0,) * Xd.ndim, Xd.dtype)
    return Xd.map_blocks(_finite_block, name, dtype=Xd.dtype, meta=meta)


def _block_stats(X_b, y_b, block: int, start: int, check_finite: bool) -> GramStats:
    X_b = np.asarray(X_b, dtype=np.float64)
    y_b = None if y_b is None else np.asarray(y_b, dtype=np.float64)
    if check_finite:
        check_block_finite(X_b, "X", block, start)
        if y_b is not None:
            check_block_finite(y_b, "y", block, start)
    return GramStats.from_block(X_b, y_b)


def _merge(a: GramStats, b: GramStats) -> GramStats:
    return a.merge(b)


def gram_stats(
    X: Any, y: Any = None, *, check_finite: bool = True
) -> tuple[GramStats, DaskFitInfo]:
    """One pass over the row blocks of a dask ``X`` (and ``y``) to merged :class:`GramStats`.

    Parameters
    ----------
    X : dask Array or DataFrame of shape (n, p)
    y : dask or NumPy array of shape (n,) or (n, t), optional
        Rechunked to the row chunks of ``X``.
    check_finite : bool
        Each block raises :class:`LinmlInputError` naming the global row and the block of its
        first NaN/inf.

    Returns
    -------
    stats : GramStats
        Equal (to round-off) to ``GramStats.from_block(X.compute(), y)``.
    info : DaskFitInfo
        Blocks, scheduler and workers; ``route`` is ``"centered Gram reduction"``.

    Examples
    --------
    >>> import dask, dask.array as da, numpy as np
    >>> X = da.from_array(np.arange(20.0).reshape(10, 2), chunks=(4, 2))
    >>> with dask.config.set(scheduler="synchronous"):
    ...     stats, info = gram_stats(X)
    >>> stats.n, stats.mean.tolist(), info.line()
    (10, [9.0, 10.0], 'dask: 3 row blocks (synchronous), route: centered Gram reduction')
    """
    import dask

    X = as_dask_array(X, "X")
    if X.ndim == 1:
        X = X[:, None]
    Y = None if y is None else align_rows(y, X)
    x_blocks = X.to_delayed()[:, 0]
    y_blocks = [None] * len(x_blocks) if Y is None else Y.to_delayed().reshape(len(x_blocks), -1)
    starts = np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]]).astype(int)
    block_fn = dask.delayed(_block_stats, pure=True)
    merge_fn = dask.delayed(_merge, pure=True)
    level = [
        block_fn(xb, None if Y is None else yb[0], b, int(starts[b]), check_finite)
        for b, (xb, yb) in enumerate(zip(x_blocks, y_blocks, strict=True))
    ]
    # pairwise tree of merges: depth log2(n_blocks), as in GramStats.combine
    while len(level) > 1:
        nxt = [merge_fn(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    scheduler, n_workers = current_scheduler()
    (stats,) = dask.compute(level[0])
    return stats, DaskFitInfo(len(x_blocks), scheduler, n_workers, "centered Gram reduction")


def map_rows(
    X: Any, func: Callable[[np.ndarray], np.ndarray], *, dtype: Any, n_columns: int | None
) -> Any:
    """Lazy row-wise ``func`` over the row blocks of a dask ``X`` (predict / transform).

    ``n_columns=None`` gives a 1-D ``(n,)`` result, else ``(n, n_columns)``.

    >>> import dask.array as da, numpy as np
    >>> X = da.ones((5, 2), chunks=(2, 2))
    >>> out = map_rows(X, lambda B: B.sum(axis=1), dtype=np.float64, n_columns=None)
    >>> out.chunks, out.compute().tolist()
    (((2, 2, 1),), [2.0, 2.0, 2.0, 2.0, 2.0])
    """
    X = as_dask_array(X, "X")
    if X.ndim == 1:
        X = X[:, None]
    dtype = np.dtype(dtype)
    if n_columns is None:
        return X.map_blocks(
            func, drop_axis=1, dtype=dtype, chunks=(X.chunks[0],), meta=np.empty((0,), dtype)
        )
    return X.map_blocks(
        func,
        dtype=dtype,
        chunks=(X.chunks[0], (int(n_columns),)),
        meta=np.empty((0, 0), dtype),
    )
