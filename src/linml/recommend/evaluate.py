"""k-fold evaluation of a recommender spec: fit clones on train folds, score the test folds.

>>> from linml.datasets.ratings import make_low_rank_ratings
>>> from linml.recommend import ALS
>>> data = make_low_rank_ratings(200, 50, rank=2, ratings_per_user=20, random_state=0)
>>> table = evaluate(ALS(rank=2, n_iter=5, random_state=0), data, folds=3, random_state=0)
>>> list(table.columns)[:2], len(table)
(['rmse', 'mae'], 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import clone

from linml.exceptions import LinmlInputError
from linml.recommend import metrics as M
from linml.recommend._factor_model import topn_indices
from linml.recommend.interactions import Interactions, as_interactions
from linml.recommend.splits import kfold_split

__all__ = ["evaluate", "ranking_scores"]


def ranking_scores(
    model: Any, train: Interactions, test: Interactions, k: int = 10
) -> dict[str, float]:
    """precision/recall/MAP/NDCG@k and coverage of ``model`` (fitted on ``train``) on ``test``.

    Test users are the users with a test interaction; the training items are excluded from
    their lists; test values are the NDCG gains.
    """
    users = np.flatnonzero(np.diff(test.matrix.indptr) > 0)
    if users.size == 0:
        raise LinmlInputError("the test set has no interactions.")
    ranked = model._ranked_scores(model._user_idx(train.user_ids[users]), exclude_seen=True)
    top = topn_indices(ranked, k)  # (n_test_users, k) column indices, best first
    relevant = test.matrix[users]
    relevant = sp.csr_matrix(
        (np.abs(relevant.data), relevant.indices, relevant.indptr), shape=relevant.shape
    )
    return {
        f"precision@{k}": M.precision_at_k(top, relevant, k),
        f"recall@{k}": M.recall_at_k(top, relevant, k),
        f"map@{k}": M.map_at_k(top, relevant, k),
        f"ndcg@{k}": M.ndcg_at_k(top, relevant, k),
        "coverage": M.catalogue_coverage(top, test.n_items),
    }


def evaluate(
    model: Any,
    data: Any,
    *,
    folds: int = 5,
    k: int = 10,
    ranking: bool | None = None,
    random_state: Any = 0,
) -> pd.DataFrame:
    """k-fold cross-validation of an (unfitted) recommender.

    Parameters
    ----------
    model : ALS or ImplicitALS (or any estimator with the same fit/predict/recommend API)
        Cloned for every fold; never fitted in place.
    data : Interactions, scipy.sparse or (users, items, values)
    folds : int
        Number of folds (every interaction is tested once).
    k : int
        Cut-off of the ranking metrics.
    ranking : bool, optional
        Compute ranking metrics (precision/recall/MAP/NDCG@k, coverage); default: only for
        models without a rating scale (ImplicitALS). RMSE and MAE are computed for models with
        ``predict`` on explicit ratings (ALS).
    random_state : int or None
        Seed of the fold assignment.

    Returns
    -------
    pandas.DataFrame
        One row per fold, one column per metric (``.mean()`` / ``.std()`` summarize).
    """
    inter = as_interactions(data)
    explicit = hasattr(model, "global_mean_") or type(model).__name__ == "ALS"
    if ranking is None:
        ranking = not explicit
    rows = []
    for train, test in kfold_split(inter, folds, random_state=random_state):
        fitted = clone(model).fit(train)
        row: dict[str, float] = {}
        if explicit:
            users, items, values = test.to_triples()
            pred = fitted.predict(users, items)  # splits share the id maps: no unknown ids
            row["rmse"] = M.rmse(values, pred)
            row["mae"] = M.mae(values, pred)
        if ranking:
            row.update(ranking_scores(fitted, train, test, k))
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.index.name = "fold"
    return frame
