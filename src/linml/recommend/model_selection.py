"""Model selection for recommenders: cross-validation and grid / randomized parameter search.

* :func:`cross_validate` — fit clones of an (unfitted) recommender on the train part of every
  fold and score its test part: rating error (``rmse``, ``mae``) for models that predict
  ratings (ALS), top-k ranking quality (``precision@k``, ``recall@k``, ``map@k``, ``ndcg@k``,
  ``coverage@k``) for any recommender.
* :class:`GridSearchCV`, :class:`RandomizedSearchCV` — the same folds for every setting of a
  parameter grid (or of ``n_iter`` draws from distributions), the best setting refitted on
  all the data.
* :func:`predefined_folds` — (train, test) pairs read from files such as MovieLens-100k's
  ``u1.base`` / ``u1.test`` … ``u5.base`` / ``u5.test``.

Lower is better for ``rmse`` and ``mae``; higher for the ranking metrics.

>>> from linml.datasets.ratings import make_low_rank_ratings
>>> from linml.recommend import ALS
>>> data = make_low_rank_ratings(200, 50, rank=2, ratings_per_user=20, random_state=0)
>>> search = GridSearchCV(ALS(n_iter=5, random_state=0), {"rank": [1, 2]}, cv=3,
...                       random_state=0).fit(data)
>>> sorted(search.best_params_), len(search.cv_results_["params"])
(['rank'], 2)
"""

from __future__ import annotations

import inspect
import os
import re
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import ParameterGrid, ParameterSampler

from linml._validation import check_random_state
from linml.exceptions import LinmlInputError
from linml.recommend import metrics as M
from linml.recommend._factor_model import ColdStartWarning, topn_indices
from linml.recommend._progress import progress_bar
from linml.recommend.als import ALS
from linml.recommend.interactions import Interactions, as_interactions, read_ratings

__all__ = [
    "CVResult",
    "GridSearchCV",
    "RandomizedSearchCV",
    "cross_validate",
    "predefined_folds",
    "ranking_scores",
]

#: metrics computed from predicted ratings; lower is better
RATING_METRICS = ("rmse", "mae")
#: ranking metrics, written ``name@k``; higher is better
RANKING_METRICS = ("precision", "recall", "map", "ndcg", "coverage")
_RANKING_PATTERN = re.compile(r"^(precision|recall|map|ndcg|coverage)@([0-9]+)$")
_VALID = "rmse, mae, precision@K, recall@K, map@K, ndcg@K, coverage@K (K >= 1, e.g. ndcg@10)"


# ---------------------------------------------------------------------------- metrics
def ranking_scores(
    model: Any, train: Interactions, test: Interactions, k: int = 10
) -> dict[str, float]:
    """precision/recall/MAP/NDCG@k and coverage of ``model`` (fitted on ``train``) on ``test``.

    Test users are the users with a test interaction; the training items are excluded from
    their lists; the absolute test values are the NDCG gains. ``train`` and ``test`` must
    share their id maps (as every split does).

    Examples
    --------
    >>> from linml.recommend import ImplicitALS, Interactions, leave_k_out_split
    >>> inter = Interactions.from_arrays([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 3], [1.0] * 6)
    >>> train, test = leave_k_out_split(inter, k=1, random_state=0)
    >>> model = ImplicitALS(rank=2, n_iter=3, random_state=0).fit(train)
    >>> sorted(ranking_scores(model, train, test, k=2))
    ['coverage', 'map@2', 'ndcg@2', 'precision@2', 'recall@2']
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


def predicts_ratings(model: Any) -> bool:
    """Whether ``model`` predicts ratings on a scale (ALS), so RMSE and MAE apply."""
    return isinstance(model, ALS) or hasattr(model, "global_mean_")


def lower_is_better(metric: str) -> bool:
    """``rmse`` and ``mae`` are errors (lower is better); the ranking metrics are not."""
    return metric in RATING_METRICS


def _parse_metric(metric: Any) -> tuple[str, int | None]:
    """(base name, k) of a metric name: ``"rmse"`` → ("rmse", None), ``"ndcg@10"`` → ("ndcg", 10)."""
    if isinstance(metric, str):
        if metric in RATING_METRICS:
            return metric, None
        match = _RANKING_PATTERN.match(metric)
        if match and int(match[2]) >= 1:
            return match[1], int(match[2])
        if metric in RANKING_METRICS:
            raise LinmlInputError(
                f"metric {metric!r} needs a cut-off: write it as {metric}@K, e.g. {metric}@10."
            )
    raise LinmlInputError(f"unknown metric {metric!r}; the valid metrics are {_VALID}.")


def check_metrics(metrics: Any, model: Any) -> tuple[str, ...]:
    """The metric names as a tuple, each valid and applicable to ``model``."""
    names = (metrics,) if isinstance(metrics, str) else metrics
    if not isinstance(names, Sequence) or isinstance(names, bytes) or len(names) == 0:
        raise LinmlInputError(
            f"metrics={metrics!r} must be a metric name or a non-empty sequence of them ({_VALID})."
        )
    names = tuple(names)
    if len(set(names)) != len(names):
        raise LinmlInputError(f"metrics={names!r} lists a metric more than once.")
    for name in names:
        base, _ = _parse_metric(name)
        if base in RATING_METRICS and not predicts_ratings(model):
            raise LinmlInputError(
                f"metric {name!r} compares predicted with true ratings, but "
                f"{type(model).__name__} scores preferences, not ratings; choose a ranking "
                "metric such as 'ndcg@10' or 'precision@10'."
            )
    return names


def default_metric(model: Any) -> str:
    """``rmse`` for a model that predicts ratings, ``ndcg@10`` otherwise."""
    return "rmse" if predicts_ratings(model) else "ndcg@10"


# ---------------------------------------------------------------------------- folds
def _check_n_splits(n_splits: Any, inter: Interactions) -> int:
    if isinstance(n_splits, bool) or not isinstance(n_splits, int | np.integer) or n_splits < 2:
        raise LinmlInputError(f"cv={n_splits!r} must be an integer >= 2 (the number of folds).")
    if n_splits > inter.nnz:
        raise LinmlInputError(
            f"cv={n_splits} exceeds the number of interactions ({inter.nnz}); use fewer folds."
        )
    return int(n_splits)


def user_stratified_folds(
    inter: Interactions, n_splits: int = 5, *, random_state: Any = None
) -> list[tuple[Interactions, Interactions]]:
    """k-fold over the interactions, stratified by user.

    Each user's interactions are dealt round-robin, in a random order and from a random
    starting fold, to the ``n_splits`` folds: a user with ``n_u`` interactions has
    ``floor(n_u / n_splits)`` or ``ceil(n_u / n_splits)`` of them in every test fold, so a
    user with at least two interactions always keeps some in train. Every interaction is in
    exactly one test fold.

    Examples
    --------
    >>> inter = Interactions.from_arrays([0] * 4 + [1] * 4, [0, 1, 2, 3] * 2, [1.0] * 8)
    >>> [(tr.nnz, te.nnz) for tr, te in user_stratified_folds(inter, 2, random_state=0)]
    [(4, 4), (4, 4)]
    """
    n_splits = _check_n_splits(n_splits, inter)
    rng = check_random_state(random_state)
    rows = inter.rows
    indptr = inter.matrix.indptr
    # rank of each entry within its user under a random order: random keys, sorted per row
    order = np.lexsort((rng.random_sample(inter.nnz), rows))
    rank = np.empty(inter.nnz, dtype=np.int64)
    rank[order] = np.arange(inter.nnz) - indptr[rows[order]]
    # a random first fold per user, so the remainders do not all land in fold 0
    start = rng.randint(n_splits, size=inter.n_users)
    fold = (rank + start[rows]) % n_splits
    out = []
    for f in range(n_splits):
        test = fold == f
        if not test.any():  # only possible with about as many folds as interactions
            raise LinmlInputError(
                f"fold {f} of {n_splits} has no test interaction; use fewer folds."
            )
        out.append((inter.take(~test), inter.take(test)))
    return out


def _check_pair(pair: Any, j: int) -> tuple[Interactions, Interactions]:
    if (
        not isinstance(pair, tuple | list)
        or len(pair) != 2
        or not all(isinstance(p, Interactions) for p in pair)
    ):
        raise LinmlInputError(
            f"cv: fold {j} must be a (train, test) pair of Interactions; got "
            f"{type(pair).__name__}. Build folds with kfold_split or predefined_folds."
        )
    train, test = pair
    for name, part in (("train", train), ("test", test)):
        if part.nnz == 0:
            raise LinmlInputError(f"cv: the {name} part of fold {j} holds no interactions.")
    return train, test


def resolve_folds(
    cv: Any, interactions: Interactions | None, random_state: Any = None
) -> list[tuple[Interactions, Interactions]]:
    """The (train, test) pairs that ``cv`` names (see :func:`cross_validate`)."""
    if isinstance(cv, int | np.integer) and not isinstance(cv, bool):
        if interactions is None:
            raise LinmlInputError(
                f"cv={cv} splits the interactions, but none were given; pass them, or pass "
                "cv as a list of (train, test) pairs."
            )
        return user_stratified_folds(interactions, cv, random_state=random_state)
    pairs = None
    if isinstance(cv, str | bytes):
        pass
    elif hasattr(cv, "split") and callable(cv.split):
        pairs = cv.split(interactions)
    elif callable(cv):
        pairs = cv(interactions)
    elif isinstance(cv, Iterable) and not isinstance(cv, Mapping):
        pairs = cv
    if pairs is None:
        raise LinmlInputError(
            f"cv={cv!r} must be a number of folds (int >= 2), a splitter (a callable or an "
            "object with .split(interactions) giving (train, test) pairs) or a list of "
            "(train, test) Interactions pairs (see predefined_folds)."
        )
    folds = [_check_pair(pair, j) for j, pair in enumerate(pairs)]
    if not folds:
        raise LinmlInputError("cv gave no (train, test) pairs; need at least one fold.")
    return folds


def predefined_folds(
    pairs: Any,
    *,
    layout: str = "auto",
    duplicates: str = "error",
) -> list[tuple[Interactions, Interactions]]:
    """(train, test) Interactions read from files, e.g. MovieLens-100k's ``u1.base``/``u1.test``.

    Parameters
    ----------
    pairs : sequence of (train path, test path), or a directory
        Each file is read by :func:`~linml.recommend.read_ratings` (MovieLens-100k's
        tab-separated ``user item rating timestamp`` without a header is recognized). A
        directory stands for its ``u1.base``/``u1.test`` … ``u5.base``/``u5.test`` files
        (those present).
    layout, duplicates
        As in :func:`~linml.recommend.read_ratings`.

    Returns
    -------
    list of (train, test) Interactions
        Both parts of a pair share the union of the two files' user and item ids, so rows
        and columns line up as in every split; a test user or item that is absent from its
        training file is a row or column with no training data (scored by the model's
        fallback, counted in ``n_fallback`` by :func:`cross_validate`).

    Raises
    ------
    LinmlInputError
        No pairs, a missing or unreadable file, or a (user, item) pair that is in both files
        of a fold (a test rating must not be in its training file).

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> _ = open(os.path.join(folder, "u1.base"), "w").write("1\\t10\\t4\\t0\\n2\\t10\\t3\\t0\\n")
    >>> _ = open(os.path.join(folder, "u1.test"), "w").write("1\\t20\\t5\\t1\\n")
    >>> [(train.nnz, test.nnz, train.shape) for train, test in predefined_folds(folder)]
    [(2, 1, (2, 2))]
    """
    if isinstance(pairs, str | os.PathLike) and Path(pairs).is_dir():
        folder = Path(pairs)
        pairs = [
            (folder / f"u{j}.base", folder / f"u{j}.test")
            for j in range(1, 6)
            if (folder / f"u{j}.base").is_file()
        ]
        if not pairs:
            raise LinmlInputError(
                f"{str(folder)!r} holds no u1.base … u5.base files; pass the (train, test) "
                "file pairs explicitly."
            )
    if isinstance(pairs, str | bytes | os.PathLike) or not isinstance(pairs, Sequence):
        raise LinmlInputError(
            "pairs must be a sequence of (train path, test path) or a directory with "
            f"u1.base/u1.test … files; got {pairs!r}."
        )
    if len(pairs) == 0:
        raise LinmlInputError("pairs is empty; give at least one (train path, test path).")
    folds = []
    for j, pair in enumerate(pairs):
        if isinstance(pair, str | bytes | os.PathLike) or len(pair) != 2:
            raise LinmlInputError(f"pairs[{j}]={pair!r} must be a (train path, test path) pair.")
        base_path, test_path = pair
        base = read_ratings(base_path, layout=layout, duplicates=duplicates)
        test = read_ratings(test_path, layout=layout, duplicates=duplicates)
        # union of the ids (sorted when sortable), shared by both parts
        user_ids = np.asarray(pd.Index(base.user_ids).union(pd.Index(test.user_ids)))
        item_ids = np.asarray(pd.Index(base.item_ids).union(pd.Index(test.item_ids)))
        parts = []
        for part in (base, test):
            users, items, values = part.to_triples()
            parts.append(
                Interactions.from_arrays(
                    users, items, values, part.timestamps, user_ids=user_ids, item_ids=item_ids
                )
            )
        train, test_part = parts
        # cells stored in both parts: (row, column) keys present in the two CSRs
        overlap = np.intersect1d(
            train.rows * train.n_items + train.cols,
            test_part.rows * test_part.n_items + test_part.cols,
        ).shape[0]
        if overlap:
            raise LinmlInputError(
                f"{str(test_path)!r}: {overlap} (user, item) pair(s) also appear in "
                f"{str(base_path)!r}; a test rating must not be in its training file."
            )
        folds.append((train, test_part))
    return folds


# ---------------------------------------------------------------------------- scoring
def _predict_accepts_unknown(model: Any) -> bool:
    try:
        return "unknown" in inspect.signature(model.predict).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return False


def _same_maps(train: Interactions, test: Interactions) -> bool:
    def same(a: np.ndarray, b: np.ndarray) -> bool:
        return a is b or (a.shape == b.shape and a.dtype == b.dtype and bool(np.all(a == b)))

    return same(train.user_ids, test.user_ids) and same(train.item_ids, test.item_ids)


def score_fold(
    fitted: Any, train: Interactions, test: Interactions, metrics: Sequence[str]
) -> tuple[dict[str, float], int]:
    """Scores of ``fitted`` (fitted on ``train``) on ``test``, and the number of test cells
    whose user or item has no training data (scored by the model's fallback).

    Rating metrics score every test cell: ids the model does not know go through
    ``predict(..., unknown="fallback")`` (biases or the global mean for ALS), known ids with
    no training data get what the fit gave them (zero factors: the same biases). Ranking
    metrics rank the model's items for every test user (users with no training data by the
    model's cold-start ranking, e.g. popularity); test cells of users or items the model does
    not know cannot be ranked and are left out of the relevant sets.
    """
    users, items, values = test.to_triples()
    if _same_maps(train, test):
        u, i = test.rows, test.cols
    else:
        u = train.user_index(users, allow_unknown=True)
        i = train.item_index(items, allow_unknown=True)
    known = (u >= 0) & (i >= 0)
    n_u = np.diff(train.matrix.indptr)
    n_i = np.bincount(train.matrix.indices, minlength=train.n_items)
    cold = ~known | (n_u[np.maximum(u, 0)] == 0) | (n_i[np.maximum(i, 0)] == 0)
    scores: dict[str, float] = {}
    with warnings.catch_warnings():
        # counted in n_fallback instead of one warning per fold
        warnings.simplefilter("ignore", ColdStartWarning)
        rating = [m for m in metrics if m in RATING_METRICS]
        if rating:
            if known.all():
                pred = fitted.predict(users, items)
            elif _predict_accepts_unknown(fitted):
                pred = fitted.predict(users, items, unknown="fallback")
            else:
                raise LinmlInputError(
                    f"{int((~known).sum())} test ratings have users/items absent from the "
                    f"training part and {type(fitted).__name__}.predict has no fallback; "
                    "build the folds with shared id maps (kfold_split, predefined_folds)."
                )
            for m in rating:
                scores[m] = M.rmse(values, pred) if m == "rmse" else M.mae(values, pred)
        ks = sorted({k for _, k in map(_parse_metric, metrics) if k is not None})
        if ks:
            aligned = test
            if not _same_maps(train, test):
                aligned = Interactions(
                    sp.csr_matrix((values[known], (u[known], i[known])), shape=train.shape),
                    train.user_ids,
                    train.item_ids,
                )
            for k in ks:
                found = ranking_scores(fitted, train, aligned, k)
                found[f"coverage@{k}"] = found.pop("coverage")
                scores.update({m: found[m] for m in metrics if m in found})
    return {m: scores[m] for m in metrics}, int(cold.sum())


@dataclass
class _FoldScore:
    scores: dict[str, float]
    fit_time: float
    score_time: float
    n_train: int
    n_test: int
    n_fallback: int
    model: Any


def _fit_and_score(
    model: Any,
    params: dict[str, Any],
    train: Interactions,
    test: Interactions,
    metrics: Sequence[str],
    keep_model: bool,
    threads: int | None,
) -> _FoldScore:
    if threads is not None:  # a worker process: share the cores with the other workers
        import numba

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    est = clone(model)
    if params:
        est.set_params(**params)
    t0 = perf_counter()
    est.fit(train)
    t1 = perf_counter()
    scores, n_fallback = score_fold(est, train, test, metrics)
    t2 = perf_counter()
    return _FoldScore(
        scores, t1 - t0, t2 - t1, train.nnz, test.nnz, n_fallback, est if keep_model else None
    )


def _run(
    tasks: list[tuple[Any, dict[str, Any], Interactions, Interactions]],
    metrics: Sequence[str],
    keep_models: bool,
    n_jobs: Any,
    verbose: bool | int,
    title: str,
) -> list[_FoldScore]:
    """Fit and score every (model, params, train, test) task, in order, on ``n_jobs`` workers."""
    from joblib import Parallel, delayed, effective_n_jobs

    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs == 0
    ):
        raise LinmlInputError(f"n_jobs={n_jobs!r} must be None, -1 or a non-zero integer.")
    workers = min(effective_n_jobs(n_jobs), len(tasks))
    threads = None
    if workers > 1:
        import numba

        threads = max(1, numba.config.NUMBA_NUM_THREADS // workers)
    out = []
    with progress_bar(verbose, title, len(tasks)) as advance:
        results = Parallel(n_jobs=workers, return_as="generator")(
            delayed(_fit_and_score)(model, params, train, test, metrics, keep_models, threads)
            for model, params, train, test in tasks
        )
        for j, result in enumerate(results):
            out.append(result)
            advance(f"fit {j + 1}/{len(tasks)}")
    return out


# ---------------------------------------------------------------------------- cross_validate
@dataclass
class CVResult:
    """What :func:`cross_validate` returns.

    Attributes
    ----------
    folds : pandas.DataFrame
        One row per fold (index ``fold``): one column per metric, then ``fit_time`` and
        ``score_time`` (seconds), ``n_train``, ``n_test`` and ``n_fallback`` (test cells
        whose user or item had no training data in that fold, scored by the model's
        fallback).
    metrics : tuple of str
        The metric names, in the order asked.
    models : list or None
        The fitted model of each fold, with ``return_models=True``.
    """

    folds: pd.DataFrame
    metrics: tuple[str, ...]
    models: list[Any] | None = None

    @property
    def summary(self) -> pd.DataFrame:
        """Mean and standard deviation (``ddof=0``) over the folds of each metric and time."""
        columns = [*self.metrics, "fit_time", "score_time", "n_fallback"]
        return pd.DataFrame(
            {"mean": self.folds[columns].mean(), "std": self.folds[columns].std(ddof=0)}
        )

    def mean(self, metric: str) -> float:
        """The mean of ``metric`` over the folds."""
        return float(self.folds[self._column(metric)].mean())

    def std(self, metric: str) -> float:
        """The standard deviation (``ddof=0``) of ``metric`` over the folds."""
        return float(self.folds[self._column(metric)].std(ddof=0))

    def _column(self, metric: str) -> str:
        if metric not in self.folds.columns:
            raise LinmlInputError(
                f"no column {metric!r}; the columns are {', '.join(self.folds.columns)}."
            )
        return metric

    def __str__(self) -> str:
        lines = [f"{len(self.folds)}-fold cross-validation"]
        for m in self.metrics:
            lines.append(f"  {m}: {self.mean(m):.4f} ± {self.std(m):.4f}")
        lines.append(f"  fit time: {self.mean('fit_time'):.3g} s per fold")
        return "\n".join(lines)


def cross_validate(
    model: Any,
    interactions: Any = None,
    *,
    cv: Any = 5,
    metrics: Any = None,
    n_jobs: int | None = None,
    return_models: bool = False,
    random_state: Any = None,
    verbose: bool | int = False,
) -> CVResult:
    """Cross-validate an (unfitted) recommender: fit a clone per fold, score the test part.

    Parameters
    ----------
    model : recommender
        Any estimator with the ALS / ImplicitALS API (``get_params``/``set_params``,
        ``fit(Interactions)``, ``predict`` for rating metrics, ``_ranked_scores`` for ranking
        metrics). Cloned for every fold; never fitted in place.
    interactions : Interactions, scipy.sparse or (users, items, values), optional
        The data to split; may be None when ``cv`` is a list of (train, test) pairs.
    cv : int, splitter or list of (train, test) pairs, default=5
        ``int``: that many folds of the interactions, stratified by user
        (:func:`user_stratified_folds`, seeded by ``random_state``); a splitter: a callable
        ``cv(interactions)`` or an object with ``cv.split(interactions)`` that gives
        (train, test) pairs (e.g. ``functools.partial(kfold_split, n_splits=5)``); or the
        pairs themselves — a list such as ``list(kfold_split(inter, 5))`` or the predefined
        folds of :func:`predefined_folds`.
    metrics : str or sequence of str, optional
        ``"rmse"``, ``"mae"`` (models that predict ratings) and ``"precision@k"``,
        ``"recall@k"``, ``"map@k"``, ``"ndcg@k"``, ``"coverage@k"`` (any recommender).
        Default: ``("rmse", "mae")`` for ALS, ``("precision@10", "ndcg@10")`` otherwise.
    n_jobs : int or None
        Folds run in parallel in ``n_jobs`` joblib (loky) worker processes; None: one at a
        time. The numba kernels of a fit already use every core, so ``n_jobs > 1`` only pays
        when a fold is too small to keep the cores busy, or its serial parts (Python
        orchestration, scoring, the top-k ranking) dominate; each worker then gets
        ``cores / n_jobs`` numba threads. The scores do not depend on ``n_jobs``.
    return_models : bool
        Keep each fold's fitted model in ``result.models``.
    random_state : int, RandomState or None
        Seed of the fold assignment when ``cv`` is an int.
    verbose : bool
        Show a progress bar over the folds.

    Returns
    -------
    CVResult
        ``result.folds`` — one row per fold: the metrics, ``fit_time``, ``score_time``,
        ``n_train``, ``n_test``, ``n_fallback``; ``result.summary`` — their mean and std;
        ``result.models`` — the fitted models (or None).

    Notes
    -----
    Test cells whose user or item has no training data in a fold (a user whose every rating
    fell in the test part, an item only the test file has) are scored by the model's
    fallback — for ALS ``mu + b_i``, ``mu + b_u`` or ``mu``, ``predict(unknown="fallback")``;
    for rankings the cold-start order (item biases or popularity) — and counted per fold in
    ``n_fallback``.

    Examples
    --------
    >>> from linml.datasets.ratings import make_low_rank_ratings
    >>> from linml.recommend import ALS
    >>> data = make_low_rank_ratings(200, 50, rank=2, ratings_per_user=20, random_state=0)
    >>> result = cross_validate(ALS(rank=2, n_iter=5, random_state=0), data, cv=3,
    ...                         random_state=0)
    >>> list(result.folds.columns[:2]), len(result.folds)
    (['rmse', 'mae'], 3)
    >>> bool(result.mean("rmse") < 1.0)
    True
    """
    if not isinstance(return_models, bool):
        raise LinmlInputError(f"return_models={return_models!r} must be True or False.")
    if metrics is None:
        metrics = ("rmse", "mae") if predicts_ratings(model) else ("precision@10", "ndcg@10")
    metrics = check_metrics(metrics, model)
    inter = None if interactions is None else as_interactions(interactions, name="interactions")
    folds = resolve_folds(cv, inter, random_state)
    tasks = [(model, {}, train, test) for train, test in folds]
    results = _run(tasks, metrics, return_models, n_jobs, verbose, type(model).__name__)
    frame = pd.DataFrame(
        [
            {
                **r.scores,
                "fit_time": r.fit_time,
                "score_time": r.score_time,
                "n_train": r.n_train,
                "n_test": r.n_test,
                "n_fallback": r.n_fallback,
            }
            for r in results
        ]
    )
    frame.index.name = "fold"
    return CVResult(frame, metrics, [r.model for r in results] if return_models else None)


# ---------------------------------------------------------------------------- searches
def _check_values(name: str, values: Any, owner: str, allow_distribution: bool) -> None:
    if allow_distribution and hasattr(values, "rvs"):
        return
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Sequence | np.ndarray):
        what = "a list of values or a distribution with .rvs" if allow_distribution else "a list"
        raise LinmlInputError(
            f"{owner}: the values of {name!r} must be {what}; got {values!r} "
            f"(write {name!r}: [{values!r}] for a single value)."
        )
    if len(values) == 0:
        raise LinmlInputError(f"{owner}: {name!r} has no values; give at least one.")


def _check_space(space: Any, model: Any, owner: str, allow_distribution: bool) -> list[dict]:
    """The grid(s) as a list of dicts, every name a parameter of ``model``."""
    grids = [space] if isinstance(space, Mapping) else space
    if not isinstance(grids, Sequence) or isinstance(grids, str | bytes):
        raise LinmlInputError(
            f"{owner}: expected a dict {{parameter: values}} (or a list of them); got "
            f"{type(space).__name__}."
        )
    if len(grids) == 0 or any(isinstance(g, Mapping) and len(g) == 0 for g in grids):
        raise LinmlInputError(
            f"{owner} is empty; give at least one parameter with values, e.g. "
            "{'rank': [8, 16, 32]}."
        )
    valid = sorted(model.get_params(deep=False))
    for grid in grids:
        if not isinstance(grid, Mapping):
            raise LinmlInputError(f"{owner}: every grid must be a dict; got {grid!r}.")
        for name, values in grid.items():
            if name not in valid:
                raise LinmlInputError(
                    f"{owner}: {type(model).__name__} has no parameter {name!r}; the valid "
                    f"names are: {', '.join(valid)}."
                )
            _check_values(name, values, owner, allow_distribution)
    return [dict(g) for g in grids]


class _BaseSearch(BaseEstimator, ABC):
    """The shared fit of GridSearchCV and RandomizedSearchCV (not public)."""

    @abstractmethod
    def _candidates(self) -> list[dict[str, Any]]:
        """The parameter settings to cross-validate, validated against the model."""

    def _store_search_params(
        self,
        model: Any,
        cv: Any,
        metric: Any,
        refit: bool,
        n_jobs: int | None,
        random_state: Any,
        verbose: bool | int,
    ) -> None:
        """Store, unchanged, the ``__init__`` parameters every search has (``__init__`` only
        stores its parameters, as scikit-learn's ``get_params`` and ``clone`` need)."""
        self.model = model
        self.cv = cv
        self.metric = metric
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, interactions: Any = None, y: Any = None) -> _BaseSearch:
        """Cross-validate every setting on the same folds; refit the best on all the data.

        Parameters
        ----------
        interactions : Interactions, scipy.sparse or (users, items, values), optional
            Split by ``cv`` (when an int or a splitter) and used for the refit; may be None
            when ``cv`` is a list of (train, test) pairs and ``refit=False``.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        model = self.model
        if not hasattr(model, "get_params") or not hasattr(model, "fit"):
            raise LinmlInputError(
                f"model must be a recommender estimator (ALS, ImplicitALS, …); got "
                f"{type(model).__name__}."
            )
        metric = default_metric(model) if self.metric is None else self.metric
        metrics = check_metrics(metric, model)
        if not isinstance(self.refit, bool):
            raise LinmlInputError(f"refit={self.refit!r} must be True or False.")
        candidates = self._candidates()
        for params in candidates:  # bad values fail here, before any fit
            est = clone(model).set_params(**params)
            if hasattr(est, "_check_params"):
                est._check_params()
        inter = None if interactions is None else as_interactions(interactions, name="interactions")
        if self.refit and inter is None:
            raise LinmlInputError(
                "refit=True refits the best setting on all the data: pass the interactions to "
                "fit(), or set refit=False."
            )
        folds = resolve_folds(self.cv, inter, self.random_state)
        tasks = [(model, p, train, test) for p in candidates for train, test in folds]
        results = _run(tasks, metrics, False, self.n_jobs, self.verbose, f"{type(self).__name__}")
        n_folds = len(folds)
        self.n_splits_ = n_folds
        self.metric_ = metrics[0]
        self.metrics_ = metrics
        self.cv_results_ = _cv_results(candidates, results, metrics, n_folds)
        best = int(np.argmin(self.cv_results_[f"rank_test_{metrics[0]}"]))
        self.best_index_ = best
        self.best_params_ = dict(candidates[best])
        self.best_score_ = float(self.cv_results_[f"mean_test_{metrics[0]}"][best])
        if self.refit:
            t0 = perf_counter()
            self.best_estimator_ = clone(model).set_params(**self.best_params_).fit(inter)
            self.refit_time_ = perf_counter() - t0
        return self

    def results_table(self) -> pd.DataFrame:
        """One row per setting, best first: ``rank_test_<metric>``, the parameters, ``<metric>_mean`` and
        ``<metric>_std`` of every metric, and the mean ``fit_time`` (seconds) per fold.

        The index is the setting's position in ``cv_results_["params"]``.
        """
        if not hasattr(self, "cv_results_"):
            raise LinmlInputError(
                f"this {type(self).__name__} is not fitted yet; call fit(interactions) first."
            )
        res = self.cv_results_
        names = list(dict.fromkeys(n for p in res["params"] for n in p))
        rank = f"rank_test_{self.metric_}"  # not "rank": ALS has a parameter of that name
        table = pd.DataFrame({rank: res[rank]})
        for name in names:
            table[name] = [p.get(name) for p in res["params"]]
        for m in self.metrics_:
            table[f"{m}_mean"] = res[f"mean_test_{m}"]
            table[f"{m}_std"] = res[f"std_test_{m}"]
        table["fit_time"] = res["mean_fit_time"]
        table["n_fallback"] = res["mean_n_fallback"]
        return table.sort_values(rank, kind="stable")

    # -- the refitted best model, for convenience
    def _best(self) -> Any:
        if not hasattr(self, "best_estimator_"):
            raise LinmlInputError(
                "no best_estimator_: fit the search first (with refit=True, the default)."
            )
        return self.best_estimator_

    def predict(self, *args: Any, **kwargs: Any) -> np.ndarray:
        """``best_estimator_.predict``."""
        return self._best().predict(*args, **kwargs)

    def recommend(self, *args: Any, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
        """``best_estimator_.recommend``."""
        return self._best().recommend(*args, **kwargs)


def _cv_results(
    candidates: list[dict[str, Any]],
    results: list[_FoldScore],
    metrics: Sequence[str],
    n_folds: int,
) -> dict[str, Any]:
    """scikit-learn's ``cv_results_`` layout: one entry per setting in every array."""
    n = len(candidates)
    out: dict[str, Any] = {"params": [dict(p) for p in candidates]}
    for name in dict.fromkeys(k for p in candidates for k in p):
        column = np.ma.masked_all(n, dtype=object)
        for j, p in enumerate(candidates):
            if name in p:
                column[j] = p[name]
        out[f"param_{name}"] = column

    def grid(values: Callable[[_FoldScore], float]) -> np.ndarray:  # (n_settings, n_folds)
        return np.array([values(r) for r in results], dtype=np.float64).reshape(n, n_folds)

    for m in metrics:
        scores = grid(lambda r, m=m: r.scores[m])
        for f in range(n_folds):
            out[f"split{f}_test_{m}"] = scores[:, f]
        mean = scores.mean(axis=1)
        out[f"mean_test_{m}"] = mean
        out[f"std_test_{m}"] = scores.std(axis=1)
        # rank 1 is best; ties share the better rank; NaN (a failed score) ranks last
        key = np.where(np.isnan(mean), np.inf, mean if lower_is_better(m) else -mean)
        out[f"rank_test_{m}"] = rankdata(key, method="min").astype(np.int64)
    for what in ("fit_time", "score_time"):
        times = grid(lambda r, what=what: getattr(r, what))
        out[f"mean_{what}"] = times.mean(axis=1)
        out[f"std_{what}"] = times.std(axis=1)
    out["mean_n_fallback"] = grid(lambda r: r.n_fallback).mean(axis=1)
    return out


class GridSearchCV(_BaseSearch):
    """Exhaustive search over a recommender's parameter grid, scored by cross-validation.

    Every setting is fitted on the same folds (drawn once per ``fit``); the best mean score
    of ``metric`` wins (lowest for ``rmse``/``mae``, highest for ranking metrics; ties go to
    the first setting) and is refitted on all the data.

    Parameters
    ----------
    model : recommender
        The (unfitted) estimator whose parameters are searched (ALS, ImplicitALS, …).
    param_grid : dict {parameter: list of values}, or a list of such dicts
        E.g. ``{"rank": [8, 16, 32], "reg": [0.01, 0.1]}``: the product of the lists.
    cv : int, splitter or list of (train, test) pairs, default=5
        As in :func:`cross_validate`.
    metric : str or sequence of str, optional
        The selection metric (the first, if several; the others are reported too). Default:
        ``"rmse"`` for models that predict ratings, ``"ndcg@10"`` otherwise.
    refit : bool, default=True
        Refit the best setting on all the interactions as ``best_estimator_``.
    n_jobs : int or None
        Parallel (setting, fold) fits, as in :func:`cross_validate`.
    random_state : int, RandomState or None
        Seed of the fold assignment when ``cv`` is an int.
    verbose : bool
        A progress bar over settings × folds.

    Attributes
    ----------
    cv_results_ : dict of arrays
        As scikit-learn's: ``params``, ``param_<name>``, ``split<j>_test_<metric>``,
        ``mean_test_<metric>``, ``std_test_<metric>``, ``rank_test_<metric>``,
        ``mean_fit_time``, ``std_fit_time``, ``mean_score_time``, ``std_score_time`` and
        ``mean_n_fallback``.
    best_index_ : int
    best_params_ : dict
    best_score_ : float
        Mean over the folds of the selection metric, for the best setting.
    best_estimator_ : recommender
        With ``refit=True``: the best setting fitted on all the data.
    metric_ : str
        The selection metric; ``metrics_`` all the metrics.
    n_splits_ : int
    refit_time_ : float

    Notes
    -----
    Settings that differ only in ``reg`` could be fitted warm-started along a decreasing
    ``reg`` path; the factor models have no ``warm_start`` parameter, so every setting is a
    plain fit from its own random start (exactly what ``clone(model).set_params(**p).fit``
    gives).

    Examples
    --------
    >>> from linml.datasets.ratings import make_low_rank_ratings
    >>> from linml.recommend import ALS
    >>> data = make_low_rank_ratings(200, 50, rank=2, ratings_per_user=20, noise=0.1,
    ...                              random_state=0)
    >>> search = GridSearchCV(ALS(rank=2, n_iter=5, random_state=0),
    ...                       {"reg": [0.05, 100.0]}, cv=3, random_state=0).fit(data)
    >>> search.best_params_
    {'reg': 0.05}
    >>> search.results_table()[["rank_test_rmse", "reg"]].to_numpy().tolist()
    [[1.0, 0.05], [2.0, 100.0]]
    """

    def __init__(
        self,
        model: Any,
        param_grid: Any,
        *,
        cv: Any = 5,
        metric: Any = None,
        refit: bool = True,
        n_jobs: int | None = None,
        random_state: Any = None,
        verbose: bool | int = False,
    ) -> None:
        self.param_grid = param_grid
        self._store_search_params(model, cv, metric, refit, n_jobs, random_state, verbose)

    def _candidates(self) -> list[dict[str, Any]]:
        grids = _check_space(self.param_grid, self.model, "param_grid", False)
        return list(ParameterGrid(grids))


class RandomizedSearchCV(_BaseSearch):
    """Search over ``n_iter`` random settings of a recommender, scored by cross-validation.

    Parameters
    ----------
    model : recommender
        The (unfitted) estimator whose parameters are searched.
    param_distributions : dict {parameter: list or distribution}, or a list of such dicts
        Lists are sampled uniformly, distributions (anything with ``.rvs``, e.g.
        ``scipy.stats.loguniform(1e-3, 1)``) by ``rvs``. When every entry is a list the
        settings are drawn without replacement (so at most the size of the grid).
    n_iter : int, default=10
        How many settings.
    cv, metric, refit, n_jobs, verbose
        As in :class:`GridSearchCV`.
    random_state : int, RandomState or None
        Seed of the draws of the settings and of the fold assignment.

    Attributes
    ----------
    cv_results_, best_index_, best_params_, best_score_, best_estimator_, metric_, n_splits_
        As in :class:`GridSearchCV`.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from linml.datasets.ratings import make_low_rank_ratings
    >>> from linml.recommend import ALS
    >>> data = make_low_rank_ratings(200, 50, rank=2, ratings_per_user=20, random_state=0)
    >>> search = RandomizedSearchCV(ALS(rank=2, n_iter=3, random_state=0),
    ...                             {"reg": loguniform(1e-3, 1.0)}, n_iter=3, cv=2,
    ...                             random_state=0).fit(data)
    >>> len(search.cv_results_["params"])
    3
    """

    def __init__(
        self,
        model: Any,
        param_distributions: Any,
        *,
        n_iter: int = 10,
        cv: Any = 5,
        metric: Any = None,
        refit: bool = True,
        n_jobs: int | None = None,
        random_state: Any = None,
        verbose: bool | int = False,
    ) -> None:
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self._store_search_params(model, cv, metric, refit, n_jobs, random_state, verbose)

    def _candidates(self) -> list[dict[str, Any]]:
        spaces = _check_space(self.param_distributions, self.model, "param_distributions", True)
        n_iter = self.n_iter
        if isinstance(n_iter, bool) or not isinstance(n_iter, int | np.integer) or n_iter < 1:
            raise LinmlInputError(f"n_iter={n_iter!r} must be an integer >= 1 (settings to try).")
        # a seed of its own for the draws, so the folds (seeded by random_state too) do not
        # depend on how many draws were made
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        with warnings.catch_warnings():
            # ParameterSampler warns when n_iter exceeds a finite grid; the grid size wins
            warnings.filterwarnings("ignore", message="The total space of parameters")
            return [
                {k: v.item() if isinstance(v, np.generic) else v for k, v in p.items()}
                for p in ParameterSampler(spaces, int(n_iter), random_state=seed)
            ]
