"""Recommender metrics: rating error (RMSE, MAE) and top-k ranking quality.

Ranking metrics take ``recommended`` — a (n_users, n) array of item ids, best first — and
``relevant`` — per user, the items that count as hits: a sequence of collections (or of
dicts {item: gain} for graded relevance), or a scipy.sparse (n_users, n_items) matrix whose
stored entries are the relevant items (values = gains) when ``recommended`` holds column
indices. Users with no relevant item are left out of the averages. With ``h_j = 1`` when the
j-th recommendation is relevant (gain ``g_j``) and ``R`` the relevant set::

    precision@k = sum_{j<=k} h_j / k          recall@k = sum_{j<=k} h_j / |R|
    AP@k = sum_{j<=k} h_j precision@j / min(k, |R|)
    NDCG@k = sum_{j<=k} g_j / log2(j + 1)  /  (the same for the best possible order)

>>> rec = np.array([[1, 2, 3], [4, 5, 6]])
>>> rel = [{1, 3}, {9}]
>>> precision_at_k(rec, rel, k=3), recall_at_k(rec, rel, k=3)
(0.3333333333333333, 0.5)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from linml.exceptions import LinmlInputError

__all__ = [
    "catalogue_coverage",
    "mae",
    "map_at_k",
    "ndcg_at_k",
    "precision_at_k",
    "recall_at_k",
    "rmse",
]


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(y_true, dtype=np.float64).ravel()
    b = np.asarray(y_pred, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise LinmlInputError(f"y_true has {a.shape[0]} values but y_pred has {b.shape[0]}.")
    if a.size == 0:
        raise LinmlInputError("y_true is empty; need at least one rating.")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise LinmlInputError("y_true and y_pred must be finite (found NaN or inf).")
    return a, b


def rmse(y_true: Any, y_pred: Any) -> float:
    """Root mean squared error ``sqrt(mean((y_true - y_pred)^2))``.

    >>> rmse([1.0, 2.0], [1.0, 4.0])
    1.4142135623730951
    """
    a, b = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def mae(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error ``mean(|y_true - y_pred|)``.

    >>> mae([1.0, 2.0], [1.0, 4.0])
    1.0
    """
    a, b = _pair(y_true, y_pred)
    return float(np.mean(np.abs(a - b)))


def _gains(recommended: Any, relevant: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Gain of each of the top-k recommendations (n_users, k) and sorted ideal gains (n_users, k)
    of the relevant sets; rows for users without relevant items are dropped."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise LinmlInputError(f"k={k!r} must be an integer >= 1.")
    rec = np.asarray(recommended)
    if rec.ndim != 2:
        raise LinmlInputError(
            f"recommended must be 2-D (n_users, n), best first; got shape {rec.shape}."
        )
    n_users = rec.shape[0]
    if rec.shape[1] < k:
        raise LinmlInputError(
            f"recommended has {rec.shape[1]} items per user, fewer than k={k}; recommend more."
        )
    rec = rec[:, :k]
    if sp.issparse(relevant):
        R = sp.csr_matrix(relevant)
        if R.shape[0] != n_users:
            raise LinmlInputError(
                f"relevant has {R.shape[0]} rows but recommended has {n_users} users."
            )
        R.sum_duplicates()
        rows = np.repeat(np.arange(n_users), np.diff(R.indptr))
        keys = rows.astype(np.int64) * R.shape[1] + R.indices
        gains = R.data.astype(np.float64)
        if rec.dtype.kind not in "iu":
            raise LinmlInputError(
                "with a sparse relevant matrix, recommended must hold column indices."
            )
        query = (np.arange(n_users, dtype=np.int64)[:, None] * R.shape[1] + rec).ravel()
        g = np.zeros(query.shape[0])
        if keys.size:  # keys are sorted: canonical CSR is ordered by (row, column)
            pos = np.minimum(np.searchsorted(keys, query), keys.size - 1)
            hit = keys[pos] == query
            g[hit] = gains[pos[hit]]
        g = g.reshape(n_users, k)
        counts = np.diff(R.indptr)
        ideal = _ideal(R.data.astype(np.float64), R.indptr, k)
    else:
        if not isinstance(relevant, Sequence | np.ndarray) or len(relevant) != n_users:
            raise LinmlInputError(
                "relevant must hold one collection of items per user "
                f"({n_users}); got {type(relevant).__name__}"
                + (f" of length {len(relevant)}" if hasattr(relevant, "__len__") else "")
                + "."
            )
        users, items, vals = [], [], []
        for u, rel in enumerate(relevant):
            if isinstance(rel, dict):
                keys_u, gains_u = list(rel.keys()), [float(v) for v in rel.values()]
            else:
                keys_u = list(rel)
                gains_u = [1.0] * len(keys_u)
            users.extend([u] * len(keys_u))
            items.extend(keys_u)
            vals.extend(gains_u)
        frame = pd.DataFrame({"u": users, "i": pd.Series(items, dtype=object), "g": vals})
        frame = frame.drop_duplicates(["u", "i"], keep="last")
        index = pd.MultiIndex.from_arrays([frame["u"].to_numpy(), frame["i"].to_numpy()])
        query = pd.MultiIndex.from_arrays(
            [np.repeat(np.arange(n_users), k), pd.Series(rec.ravel(), dtype=object)]
        )
        pos = index.get_indexer(query)
        g_all = frame["g"].to_numpy()
        g = np.where(pos >= 0, g_all[np.maximum(pos, 0)] if g_all.size else 0.0, 0.0)
        g = g.reshape(n_users, k)
        frame = frame.sort_values("u", kind="stable")
        counts = np.bincount(frame["u"].to_numpy(dtype=np.int64), minlength=n_users)
        indptr = np.concatenate([[0], np.cumsum(counts)])
        ideal = _ideal(frame["g"].to_numpy(dtype=np.float64), indptr, k)
    keep = counts > 0
    return g[keep], ideal[keep], counts[keep]


def _ideal(gains: np.ndarray, indptr: np.ndarray, k: int) -> np.ndarray:
    """Top-k gains of each row (CSR layout), sorted descending, zero-padded. (n_rows, k)"""
    n = indptr.shape[0] - 1
    rows = np.repeat(np.arange(n), np.diff(indptr))
    order = np.lexsort((-gains, rows))  # by row, then gain descending
    rank_in_row = np.arange(gains.shape[0]) - indptr[rows[order]]
    out = np.zeros((n, k))
    take = rank_in_row < k
    out[rows[order][take], rank_in_row[take]] = gains[order][take]
    return out


def _mean(values: np.ndarray) -> float:
    if values.size == 0:
        raise LinmlInputError("no user has a relevant item; ranking metrics are undefined.")
    return float(values.mean())


def precision_at_k(recommended: Any, relevant: Any, k: int = 10) -> float:
    """Mean over users of (relevant items among the top k) / k."""
    g, _, _ = _gains(recommended, relevant, k)
    return _mean((g > 0).sum(axis=1) / k)


def recall_at_k(recommended: Any, relevant: Any, k: int = 10) -> float:
    """Mean over users of (relevant items among the top k) / (number of relevant items).

    >>> recall_at_k(np.array([[3, 1]]), [{1, 2, 5, 6}], k=2)
    0.25
    """
    g, _, counts = _gains(recommended, relevant, k)
    return _mean((g > 0).sum(axis=1) / counts)


def map_at_k(recommended: Any, relevant: Any, k: int = 10) -> float:
    """Mean average precision: AP@k = sum_j h_j precision@j / min(k, |R|), averaged.

    >>> map_at_k(np.array([[1, 9, 2]]), [{1, 2}], k=3)   # (1/1 + 2/3) / 2
    0.8333333333333333
    """
    g, _, counts = _gains(recommended, relevant, k)
    h = (g > 0).astype(np.float64)
    prec = np.cumsum(h, axis=1) / np.arange(1, k + 1)
    return _mean((h * prec).sum(axis=1) / np.minimum(counts, k))


def ndcg_at_k(recommended: Any, relevant: Any, k: int = 10) -> float:
    """Normalized discounted cumulative gain with linear gains (as sklearn's ``ndcg_score``).

    >>> round(ndcg_at_k(np.array([[2, 1]]), [{1: 1.0, 2: 0.0}], k=2), 6)   # 1/log2(3)
    0.63093
    """
    g, ideal, _ = _gains(recommended, relevant, k)
    discount = 1.0 / np.log2(np.arange(2, k + 2))  # 1 / log2(j + 1), j = 1..k
    dcg = g @ discount
    idcg = ideal @ discount
    ok = idcg > 0  # users whose relevant items all have zero gain have no defined NDCG
    return _mean(dcg[ok] / idcg[ok])


def catalogue_coverage(recommended: Any, n_items: int) -> float:
    """Share of the catalogue that appears in at least one recommendation list.

    >>> catalogue_coverage(np.array([[1, 2], [2, 3]]), n_items=10)
    0.3
    """
    if isinstance(n_items, bool) or not isinstance(n_items, int | np.integer) or n_items < 1:
        raise LinmlInputError(f"n_items={n_items!r} must be an integer >= 1.")
    rec = np.asarray(recommended)
    return float(np.unique(rec.ravel()).shape[0] / n_items)
