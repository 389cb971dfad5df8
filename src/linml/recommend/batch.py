"""Top-n recommendations for every user as a blockwise Dask job (the nightly batch).

The users are cut into blocks of ``block_users``; each block is one task that runs the
model's own ranking path — ``S = _ranked_scores(u_block)`` (``(block, n_items)`` scores,
``-inf`` on seen items) and ``topn_indices(S, n, fill=-1)`` — and emits the rows
``(user, rank, item, score)``. So block ``b`` holds exactly what ``model.recommend(users_b, n)``
returns, and a worker holds one ``block_users × n_items`` score tile at a time.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from linml.exceptions import LinmlInputError
from linml.recommend._factor_model import FactorRecommender, topn_indices

__all__ = ["recommend_all"]

COLUMNS = ("user", "rank", "item", "score")


def _id_dtype(ids: np.ndarray) -> Any:
    """The column dtype of ids: int64 stays, text becomes object (pandas' str column)."""
    return ids.dtype if ids.dtype.kind in "iu" else object


def _meta(model: FactorRecommender) -> pd.DataFrame:
    """The empty frame with the output's columns and dtypes (dask's ``meta``)."""
    return pd.DataFrame(
        {
            "user": pd.Series([], dtype=_id_dtype(model.user_ids_)),
            "rank": pd.Series([], dtype=np.int64),
            "item": pd.Series([], dtype=_id_dtype(model.item_ids_)),
            "score": pd.Series([], dtype=np.float64),
        }
    )


def _block_frame(
    model: FactorRecommender, u_block: np.ndarray, n: int, exclude_seen: bool
) -> pd.DataFrame:
    """The (user, rank, item, score) rows of one block of user indices, best first per user."""
    S = model._ranked_scores(u_block, exclude_seen)  # (block, n_items), -inf on seen items
    top = topn_indices(S, n, fill=-1)  # (block, min(n, n_items)); -1: nothing left
    rows, slot = np.nonzero(top >= 0)  # eligible items sort first, so slot is the rank - 1
    items = top[rows, slot]
    frame = pd.DataFrame(
        {
            "user": model.user_ids_[u_block[rows]],
            "rank": (slot + 1).astype(np.int64),
            "item": model.item_ids_[items],
            "score": S[rows, items].astype(np.float64),
        }
    )
    return frame.astype(_meta(model).dtypes.to_dict())


def _write_block(frame: pd.DataFrame, directory: str, b: int) -> str:
    """One block's rows as ``part-{b:05d}.parquet`` in ``directory`` (pyarrow, no index)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = os.path.join(directory, f"part-{b:05d}.parquet")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), target)
    return target


def recommend_all(
    model: FactorRecommender,
    n: int = 10,
    users: Any = None,
    path: str | os.PathLike[str] | None = None,
    block_users: int = 10000,
    exclude_seen: bool = True,
) -> Any:
    """Top-``n`` items of every user (or of ``users``) of a fitted ALS/ImplicitALS/BPR model.

    A ``dask.delayed`` task per block of ``block_users`` users scores the block with the
    model's own path (``S = P_b Qᵀ`` plus the model's biases, seen items set to ``-inf``, then
    the top ``n`` of each row), so the output equals ``model.recommend(user, n)`` for each user.
    It runs on the active scheduler: a ``distributed`` client (the model is pickled to the
    workers) or dask's default.

    Parameters
    ----------
    model : ALS, ImplicitALS or BPR
        Fitted.
    n : int, default=10
        Items per user, at most. A user with fewer than ``n`` unseen items gets fewer rows
        (never an already-seen item, never a ``-inf`` score).
    users : sequence of user ids, optional
        Known users to score; default all training users, in the model's order.
    path : str or PathLike, optional
        A directory to write (it must not exist, or be empty): one Parquet file per block,
        ``part-00000.parquet`` …, columns ``user, rank, item, score``. Written in a temporary
        sibling directory that is renamed when every block is done, so a failure leaves no
        half result.
    block_users : int, default=10000
        Users per task (the task holds a ``block_users × n_items`` score matrix).
    exclude_seen : bool, default=True
        Leave out the items each user interacted with in training.

    Returns
    -------
    dask.dataframe.DataFrame or pathlib.Path
        Lazy rows ``(user, rank, item, score)``, one partition per block (``path=None``), or
        the written directory.

    Examples
    --------
    >>> import dask
    >>> from linml.recommend import ALS, Interactions
    >>> inter = Interactions.from_arrays([0, 0, 1, 2], [0, 1, 1, 2], [4.0, 2.0, 5.0, 3.0])
    >>> model = ALS(rank=2, n_iter=3, random_state=0).fit(inter)
    >>> with dask.config.set(scheduler="synchronous"):
    ...     top = recommend_all(model, n=2, block_users=2).compute()
    >>> top.columns.tolist(), len(top), int(top["rank"].max())
    (['user', 'rank', 'item', 'score'], 5, 2)
    """
    import dask

    if not isinstance(model, FactorRecommender):
        raise LinmlInputError(
            f"model must be a fitted ALS, ImplicitALS or BPR; got {type(model).__name__}."
        )
    check_is_fitted(model)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise LinmlInputError(f"n={n!r} must be an integer >= 1 (how many items per user).")
    if (
        isinstance(block_users, bool)
        or not isinstance(block_users, int | np.integer)
        or (block_users < 1)
    ):
        raise LinmlInputError(f"block_users={block_users!r} must be an integer >= 1.")
    if users is None:
        u_idx = np.arange(model.n_users_, dtype=np.int64)
    else:
        if np.ndim(users) == 0:
            raise LinmlInputError(f"users must be a list of user ids; got the single id {users!r}.")
        u_idx = np.asarray(model._user_idx(users), dtype=np.int64)
    target = None
    if path is not None:
        target = Path(path)
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise LinmlInputError(
                f"path={str(target)!r} exists and is not an empty directory; pass a new "
                "directory (recommend_all never mixes its files with others)."
            )
        if not target.parent.is_dir():
            raise LinmlInputError(f"path={str(target)!r}: its parent directory does not exist.")

    model_task = dask.delayed(model, pure=False)  # one key: pickled once per worker
    starts = range(0, u_idx.shape[0], int(block_users))
    frames = [
        dask.delayed(_block_frame, pure=True)(
            model_task, u_idx[s : s + int(block_users)], int(n), bool(exclude_seen)
        )
        for s in starts
    ]
    if target is None:
        import dask.dataframe as dd

        if not frames:
            return dd.from_pandas(_meta(model), npartitions=1)
        return dd.from_delayed(frames, meta=_meta(model), verify_meta=False)

    staging = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        writes = [
            dask.delayed(_write_block, pure=True)(frame, str(staging), b)
            for b, frame in enumerate(frames)
        ]
        dask.compute(*writes)
        if target.exists():
            target.rmdir()  # empty, checked above
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
