"""k-fold evaluation of a recommender spec: fit clones on train folds, score the test folds.

A thin front for :func:`~linml.recommend.cross_validate` with the fold assignment of
:func:`~linml.recommend.kfold_split` and a plain per-fold metrics table.

>>> from linml.datasets.ratings import make_low_rank_ratings
>>> from linml.recommend import ALS
>>> data = make_low_rank_ratings(200, 50, rank=2, ratings_per_user=20, random_state=0)
>>> table = evaluate(ALS(rank=2, n_iter=5, random_state=0), data, folds=3, random_state=0)
>>> list(table.columns)[:2], len(table)
(['rmse', 'mae'], 3)
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from linml.exceptions import LinmlInputError
from linml.recommend.interactions import as_interactions
from linml.recommend.model_selection import cross_validate, predicts_ratings, ranking_scores
from linml.recommend.splits import kfold_split

__all__ = ["evaluate", "ranking_scores"]


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
        Number of folds (every interaction is tested once; :func:`kfold_split`).
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
        :func:`~linml.recommend.cross_validate` gives the times and fallback counts too.
    """
    inter = as_interactions(data)
    explicit = predicts_ratings(model)
    if ranking is None:
        ranking = not explicit
    metrics = ["rmse", "mae"] if explicit else []
    if ranking:
        metrics += [f"{name}@{k}" for name in ("precision", "recall", "map", "ndcg", "coverage")]
    if not metrics:
        raise LinmlInputError(
            f"nothing to evaluate: {type(model).__name__} predicts no ratings and ranking=False; "
            "set ranking=True."
        )
    result = cross_validate(
        model, inter, cv=kfold_split(inter, folds, random_state=random_state), metrics=metrics
    )
    return result.folds[metrics].rename(columns={f"coverage@{k}": "coverage"})
