"""Train/test splits of :class:`~linml.recommend.Interactions` that keep the id maps.

Every split returns Interactions over the same users and items as its input (rows and
columns line up), so a model fitted on ``train`` scores ``test`` directly.

>>> from linml.recommend.interactions import Interactions
>>> inter = Interactions.from_arrays([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2], [1.0] * 6)
>>> train, test = leave_k_out_split(inter, k=1, random_state=0)
>>> train.nnz, test.nnz, train.shape == test.shape
(4, 2, True)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from linml._validation import check_random_state
from linml.exceptions import LinmlInputError
from linml.recommend.interactions import Interactions

__all__ = ["holdout_split", "kfold_split", "leave_k_out_split", "temporal_split"]


def _check_fraction(test_size: Any) -> float:
    if (
        isinstance(test_size, bool)
        or not isinstance(test_size, int | float)
        or not 0 < test_size < 1
    ):
        raise LinmlInputError(f"test_size={test_size!r} must be a number in (0, 1).")
    return float(test_size)


def _check_interactions(inter: Any) -> Interactions:
    if not isinstance(inter, Interactions):
        raise TypeError(
            f"expected Interactions, got {type(inter).__name__}; build one with "
            "Interactions.from_arrays(users, items, values)."
        )
    if inter.nnz == 0:
        raise LinmlInputError("the interactions are empty; nothing to split.")
    return inter


def holdout_split(
    inter: Interactions, test_size: float = 0.2, *, random_state: Any = None
) -> tuple[Interactions, Interactions]:
    """Random hold-out: each interaction goes to test with probability ``test_size``
    (exactly ``round(test_size * nnz)`` of them)."""
    inter = _check_interactions(inter)
    test_size = _check_fraction(test_size)
    rng = check_random_state(random_state)
    n_test = round(test_size * inter.nnz)
    test = np.zeros(inter.nnz, dtype=bool)
    test[rng.permutation(inter.nnz)[:n_test]] = True
    return inter.take(~test), inter.take(test)


def leave_k_out_split(
    inter: Interactions, k: int = 1, *, random_state: Any = None, min_train: int = 1
) -> tuple[Interactions, Interactions]:
    """Per user, ``k`` random interactions go to test — only for users keeping at least
    ``min_train`` in train (others stay whole in train)."""
    inter = _check_interactions(inter)
    for name, value, low in (("k", k, 1), ("min_train", min_train, 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise LinmlInputError(f"{name}={value!r} must be an integer >= {low}.")
    rng = check_random_state(random_state)
    rows = inter.rows
    counts = np.diff(inter.matrix.indptr)
    # rank of each entry within its user under a random order: random keys, sorted per row
    order = np.lexsort((rng.random_sample(inter.nnz), rows))
    rank = np.empty(inter.nnz, dtype=np.int64)
    rank[order] = np.arange(inter.nnz) - inter.matrix.indptr[rows[order]]
    eligible = counts[rows] >= k + min_train
    test = eligible & (rank < k)
    return inter.take(~test), inter.take(test)


def temporal_split(
    inter: Interactions, test_size: float = 0.2, *, per_user: bool = False
) -> tuple[Interactions, Interactions]:
    """The latest interactions go to test: globally (the last ``test_size`` share in time) or,
    with ``per_user``, the last ``test_size`` share of each user's history (at least one
    interaction stays in train). Needs timestamps."""
    inter = _check_interactions(inter)
    test_size = _check_fraction(test_size)
    if inter.timestamps is None:
        raise LinmlInputError(
            "temporal_split needs timestamps; build the Interactions with timestamps= "
            "or use holdout_split."
        )
    ts = inter.timestamps
    if not per_user:
        n_test = round(test_size * inter.nnz)
        order = np.argsort(ts, kind="stable")
        test = np.zeros(inter.nnz, dtype=bool)
        test[order[inter.nnz - n_test :]] = True
        return inter.take(~test), inter.take(test)
    rows = inter.rows
    counts = np.diff(inter.matrix.indptr)
    order = np.lexsort((ts, rows))  # by user, then time
    rank = np.empty(inter.nnz, dtype=np.int64)
    rank[order] = np.arange(inter.nnz) - inter.matrix.indptr[rows[order]]
    n_test_user = np.minimum(np.round(test_size * counts).astype(np.int64), counts - 1)
    test = rank >= (counts - n_test_user)[rows]
    return inter.take(~test), inter.take(test)


def kfold_split(
    inter: Interactions, n_splits: int = 5, *, random_state: Any = None
) -> Iterator[tuple[Interactions, Interactions]]:
    """``n_splits`` (train, test) pairs; every interaction is in exactly one test fold."""
    inter = _check_interactions(inter)
    if isinstance(n_splits, bool) or not isinstance(n_splits, int | np.integer) or n_splits < 2:
        raise LinmlInputError(f"n_splits={n_splits!r} must be an integer >= 2.")
    if n_splits > inter.nnz:
        raise LinmlInputError(
            f"n_splits={n_splits} exceeds the number of interactions ({inter.nnz})."
        )
    rng = check_random_state(random_state)
    fold = np.empty(inter.nnz, dtype=np.int64)
    fold[rng.permutation(inter.nnz)] = np.arange(inter.nnz) % n_splits
    for f in range(n_splits):
        yield inter.take(fold != f), inter.take(fold == f)
