"""Recommenders: R ≈ P Q^T, a low-rank model of a matrix that is almost entirely missing.

* :class:`Interactions` — (user, item, value[, timestamp]) with any hashable ids, as CSR
  plus id maps; :func:`read_ratings` for CSV/Parquet and the common ratings-file layouts.
* Splits — :func:`holdout_split`, :func:`leave_k_out_split`, :func:`temporal_split`,
  :func:`kfold_split`.
* :class:`ALS` — explicit ratings with biases, weighted regularization, side features and
  fold-in; :class:`ImplicitALS` — Hu–Koren–Volinsky implicit feedback (CG or Cholesky);
  :class:`BPR` — Bayesian personalized ranking (SGD on sampled triples).
* Metrics — :func:`rmse`, :func:`mae`, :func:`precision_at_k`, :func:`recall_at_k`,
  :func:`map_at_k`, :func:`ndcg_at_k`, :func:`catalogue_coverage`; :func:`evaluate` runs k-fold.
* :func:`recommend_all` — top-n of every user as a blockwise Dask job, to Parquet (needs dask).
* Model selection — :func:`cross_validate`, :class:`GridSearchCV`, :class:`RandomizedSearchCV`,
  :func:`predefined_folds` (MovieLens-style ``u1.base``/``u1.test`` files).

>>> from linml.recommend import ALS, Interactions
>>> inter = Interactions.from_arrays([0, 0, 1], [0, 1, 1], [4.0, 2.0, 5.0])
>>> ALS(rank=1, n_iter=3, random_state=0).fit(inter).predict([1], [0]).shape
(1,)
"""

from linml.recommend._factor_model import ColdStartWarning, ScoreExplanation
from linml.recommend.als import ALS
from linml.recommend.batch import recommend_all
from linml.recommend.bpr import BPR
from linml.recommend.evaluate import evaluate, ranking_scores
from linml.recommend.implicit_als import ImplicitALS
from linml.recommend.interactions import Interactions, as_interactions, read_ratings
from linml.recommend.metrics import (
    catalogue_coverage,
    mae,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    rmse,
)
from linml.recommend.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    cross_validate,
    predefined_folds,
)
from linml.recommend.splits import holdout_split, kfold_split, leave_k_out_split, temporal_split

__all__ = [
    "ALS",
    "BPR",
    "ColdStartWarning",
    "GridSearchCV",
    "ImplicitALS",
    "Interactions",
    "RandomizedSearchCV",
    "ScoreExplanation",
    "as_interactions",
    "catalogue_coverage",
    "cross_validate",
    "evaluate",
    "holdout_split",
    "kfold_split",
    "leave_k_out_split",
    "mae",
    "map_at_k",
    "ndcg_at_k",
    "precision_at_k",
    "predefined_folds",
    "ranking_scores",
    "read_ratings",
    "recall_at_k",
    "recommend_all",
    "rmse",
    "temporal_split",
]
