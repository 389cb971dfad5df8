"""cross_validate, GridSearchCV, RandomizedSearchCV and predefined_folds.

Oracles: a hand loop over the same folds (clone, fit, predict, metrics), a planted-rank
matrix whose best rank is known, the ALS fallback prediction for cold test cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from joblib import parallel_config
from scipy.stats import loguniform
from sklearn.base import clone

from linml.datasets.ratings import make_implicit_feedback, make_low_rank_ratings
from linml.exceptions import LinmlInputError
from linml.recommend import (
    ALS,
    GridSearchCV,
    ImplicitALS,
    Interactions,
    RandomizedSearchCV,
    cross_validate,
    evaluate,
    kfold_split,
    mae,
    predefined_folds,
    ranking_scores,
    rmse,
)
from linml.recommend.model_selection import user_stratified_folds

EXACT = 1e-12  # same folds, same seeds, same arithmetic: equal up to summation order


@pytest.fixture(scope="module")
def planted():
    """Rank-2 ratings with little noise: rank 2 is the right model."""
    users, items, ratings = make_low_rank_ratings(
        150, 40, rank=2, ratings_per_user=20, noise=0.1, random_state=0
    )
    return Interactions.from_arrays(users, items, ratings)


@pytest.fixture(scope="module")
def small():
    return Interactions.from_arrays(
        *make_low_rank_ratings(60, 20, rank=2, ratings_per_user=8, noise=0.3, random_state=1)
    )


def _implicit(k, **kw):
    """ImplicitALS with k factors (the parameter is being renamed from factors to rank)."""
    name = "rank" if "rank" in ImplicitALS().get_params() else "factors"
    return ImplicitALS(**{name: k, **kw})


def _als(**kw):
    return ALS(**{"rank": 2, "reg": 0.05, "n_iter": 4, "random_state": 0, **kw})


# ---------------------------------------------------------------------------- cross_validate
def test_cross_validate_equals_a_hand_loop_over_the_same_folds(small):
    folds = list(kfold_split(small, 3, random_state=0))
    result = cross_validate(_als(), small, cv=folds, metrics=("rmse", "mae", "ndcg@5"))
    assert list(result.folds.columns[:3]) == ["rmse", "mae", "ndcg@5"]
    for f, (train, test) in enumerate(folds):
        fitted = clone(_als()).fit(train)
        users, items, values = test.to_triples()
        pred = fitted.predict(users, items)
        row = result.folds.loc[f]
        assert abs(row["rmse"] - rmse(values, pred)) <= EXACT
        assert abs(row["mae"] - mae(values, pred)) <= EXACT
        assert abs(row["ndcg@5"] - ranking_scores(fitted, train, test, 5)["ndcg@5"]) <= EXACT
        assert (row["n_train"], row["n_test"]) == (train.nnz, test.nnz)
    summary = result.summary
    assert abs(summary.loc["rmse", "mean"] - result.folds["rmse"].mean()) <= EXACT
    assert abs(summary.loc["rmse", "std"] - result.folds["rmse"].std(ddof=0)) <= EXACT
    assert (result.folds["fit_time"] > 0).all() and result.models is None


def test_splitter_callable_and_return_models(small):
    def splitter(inter):
        return kfold_split(inter, 2, random_state=3)

    result = cross_validate(_als(), small, cv=splitter, metrics="rmse", return_models=True)
    by_list = cross_validate(_als(), small, cv=list(splitter(small)), metrics="rmse")
    np.testing.assert_allclose(result.folds["rmse"], by_list.folds["rmse"], rtol=0, atol=EXACT)
    assert len(result.models) == 2 and all(m.n_users_ == small.n_users for m in result.models)


def test_evaluate_is_cross_validate_on_kfold_split(small):
    table = evaluate(_als(), small, folds=3, random_state=0, ranking=True, k=5)
    result = cross_validate(
        _als(),
        small,
        cv=kfold_split(small, 3, random_state=0),
        metrics=["rmse", "mae", "precision@5", "recall@5", "map@5", "ndcg@5", "coverage@5"],
    )
    assert list(table.columns) == [
        "rmse",
        "mae",
        "precision@5",
        "recall@5",
        "map@5",
        "ndcg@5",
        "coverage",
    ]
    np.testing.assert_allclose(table["coverage"], result.folds["coverage@5"], atol=EXACT)
    np.testing.assert_allclose(table["rmse"], result.folds["rmse"], atol=EXACT)


@given(
    counts=st.lists(st.integers(1, 9), min_size=2, max_size=8),
    n_splits=st.integers(2, 4),
    seed=st.integers(0, 2**16),
)
def test_int_cv_is_stratified_by_user(counts, n_splits, seed):
    """Every interaction is tested exactly once; each user's test share per fold is
    floor or ceil of n_u / n_splits (so a user with >= 2 ratings always keeps one in train)."""
    users = np.repeat(np.arange(len(counts)), counts)
    items = np.concatenate([np.arange(c) for c in counts])
    inter = Interactions.from_arrays(users, items, np.arange(users.size, dtype=float) + 1)
    if sum(counts) < n_splits:
        return
    try:
        folds = user_stratified_folds(inter, n_splits, random_state=seed)
    except LinmlInputError as e:  # a fold without test data: only with very few ratings
        assert "has no test interaction" in str(e)
        return
    tested = np.concatenate([test.values for _, test in folds])
    np.testing.assert_array_equal(np.sort(tested), np.sort(inter.values))
    n = np.array(counts)
    for train, test in folds:
        per_user = np.diff(test.matrix.indptr)
        assert (per_user >= n // n_splits).all() and (per_user <= -(-n // n_splits)).all()
        assert train.nnz + test.nnz == inter.nnz


# ---------------------------------------------------------------------------- cold cells
def test_pairs_with_their_own_id_maps_use_predict_fallback():
    """A test user and item the training part has never seen: predict(unknown='fallback')."""
    train = Interactions.from_arrays(
        [0, 0, 1, 1, 2, 2], [10, 11, 10, 12, 11, 12], [4.0, 2.0, 5.0, 3.0, 1.0, 2.0]
    )
    test = Interactions.from_arrays([0, 9, 1], [12, 10, 99], [3.0, 4.0, 2.0])
    result = cross_validate(_als(rank=1), cv=[(train, test)], metrics=("rmse", "ndcg@2"))
    fitted = clone(_als(rank=1)).fit(train)
    with pytest.warns(UserWarning, match="unknown user"):
        pred = fitted.predict([0, 9, 1], [12, 10, 99], unknown="fallback")
    assert abs(result.folds.loc[0, "rmse"] - rmse([3.0, 4.0, 2.0], pred)) <= EXACT
    assert result.folds.loc[0, "n_fallback"] == 2  # user 9 and item 99


def test_predefined_folds_read_movielens_files(tmp_path):
    rng = np.random.default_rng(0)
    pairs = []
    for j in (1, 2):
        lines = {"base": [], "test": []}
        for u in range(1, 21):
            for i in rng.choice(np.arange(1, 16), 6, replace=False):
                part = "test" if rng.random() < 0.25 else "base"
                lines[part].append(f"{u}\t{i}\t{rng.integers(1, 6)}\t{rng.integers(10**8)}")
        lines["test"].append("77\t3\t5\t1")  # a user only the test file has
        lines["test"].append("1\t88\t2\t1")  # an item only the test file has
        for part, rows in lines.items():
            (tmp_path / f"u{j}.{part}").write_text("\n".join(rows) + "\n")
        pairs.append((tmp_path / f"u{j}.base", tmp_path / f"u{j}.test"))
    folds = predefined_folds(pairs)
    assert len(folds) == 2
    for (train, test), (base_path, test_path) in zip(folds, pairs, strict=True):
        base_rows = base_path.read_text().splitlines()
        test_rows = test_path.read_text().splitlines()
        assert (train.nnz, test.nnz) == (len(base_rows), len(test_rows))
        assert train.shape == test.shape and 77 in test.user_ids and 88 in train.item_ids
        assert np.array_equal(train.user_ids, test.user_ids)
    by_folder = predefined_folds(tmp_path)
    assert [(a.nnz, b.nnz) for a, b in by_folder] == [(a.nnz, b.nnz) for a, b in folds]
    result = cross_validate(_als(), cv=folds, metrics=("rmse", "mae"))
    train, test = folds[0]
    fitted = clone(_als()).fit(train)
    users, items, values = test.to_triples()
    assert abs(result.folds.loc[0, "rmse"] - rmse(values, fitted.predict(users, items))) <= EXACT
    # the cold cells: user 77 and item 88 (plus any test cell of an item with no base rating)
    n_u = np.diff(train.matrix.indptr)
    n_i = np.bincount(train.matrix.indices, minlength=train.n_items)
    cold = (n_u[test.rows] == 0) | (n_i[test.cols] == 0)
    assert result.folds.loc[0, "n_fallback"] == cold.sum() >= 2
    # a cold user's prediction is the fallback mu + b_i
    cold_user = int(np.flatnonzero(test.user_ids == 77)[0])
    row = test.matrix[cold_user]
    expected = fitted.global_mean_ + fitted.item_bias_[row.indices]
    np.testing.assert_allclose(fitted.predict([77], test.item_ids[row.indices]), expected)


def test_predefined_folds_refuse_a_test_rating_in_the_training_file(tmp_path):
    (tmp_path / "a.base").write_text("1\t1\t3\t0\n1\t2\t4\t0\n")
    (tmp_path / "a.test").write_text("1\t2\t4\t0\n")
    with pytest.raises(LinmlInputError, match=r"1 \(user, item\) pair\(s\) also appear in"):
        predefined_folds([(tmp_path / "a.base", tmp_path / "a.test")])
    with pytest.raises(LinmlInputError, match=r"holds no u1\.base"):
        predefined_folds(tmp_path)
    with pytest.raises(LinmlInputError, match="pairs is empty"):
        predefined_folds([])
    with pytest.raises(LinmlInputError, match="no such file"):
        predefined_folds([(tmp_path / "missing.base", tmp_path / "a.test")])


# ---------------------------------------------------------------------------- parallel
def test_parallel_folds_give_the_same_scores(small):
    serial = cross_validate(_als(), small, cv=3, random_state=0, metrics=("rmse", "ndcg@5"))
    with parallel_config(backend="threading"):
        threads = cross_validate(
            _als(), small, cv=3, random_state=0, metrics=("rmse", "ndcg@5"), n_jobs=2
        )
    for m in ("rmse", "ndcg@5"):
        np.testing.assert_allclose(threads.folds[m], serial.folds[m], rtol=0, atol=EXACT)


@pytest.mark.slow
def test_parallel_processes_give_the_same_scores(small):
    """loky worker processes (each imports linml and numba: seconds to start)."""
    serial = GridSearchCV(_als(), {"rank": [1, 2]}, cv=3, random_state=0).fit(small)
    procs = GridSearchCV(_als(), {"rank": [1, 2]}, cv=3, random_state=0, n_jobs=2).fit(small)
    np.testing.assert_allclose(
        procs.cv_results_["mean_test_rmse"], serial.cv_results_["mean_test_rmse"], atol=EXACT
    )


# ---------------------------------------------------------------------------- searches
def test_grid_search_finds_the_planted_rank(planted):
    search = GridSearchCV(_als(n_iter=8, reg=0.02), {"rank": [1, 2, 6]}, cv=3, random_state=0)
    search.fit(planted)
    assert search.best_params_ == {"rank": 2}
    res = search.cv_results_
    means = res["mean_test_rmse"]
    assert search.best_score_ == pytest.approx(means.min(), abs=EXACT)
    assert list(res["rank_test_rmse"]) == list(np.argsort(np.argsort(means)) + 1)
    assert [p["rank"] for p in res["params"]] == [1, 2, 6]
    assert list(res["param_rank"]) == [1, 2, 6]
    for f in range(3):
        assert res[f"split{f}_test_rmse"].shape == (3,)
    np.testing.assert_allclose(
        means, np.mean([res[f"split{f}_test_rmse"] for f in range(3)], axis=0), atol=EXACT
    )
    assert (res["mean_fit_time"] > 0).all() and search.n_splits_ == 3
    # the setting's score is cross_validate's on the same folds
    same = cross_validate(_als(n_iter=8, reg=0.02, rank=2), planted, cv=3, random_state=0)
    assert abs(same.mean("rmse") - search.best_score_) <= EXACT


def test_huge_reg_ranks_last_and_table_is_sorted(small):
    search = GridSearchCV(
        _als(), {"reg": [0.05, 1e4], "rank": [1, 2]}, cv=3, metric=["rmse", "mae"], random_state=0
    ).fit(small)
    table = search.results_table()
    assert len(table) == 4 and list(table["rank_test_rmse"]) == sorted(table["rank_test_rmse"])
    assert (table["reg"].iloc[-2:] == 1e4).all()
    assert {"rmse_mean", "rmse_std", "mae_mean", "mae_std", "fit_time"} <= set(table.columns)
    assert table.index[0] == search.best_index_


def test_refit_best_estimator_predicts(small):
    search = GridSearchCV(_als(), {"rank": [1, 2]}, cv=2, random_state=0).fit(small)
    best = search.best_estimator_
    assert best.get_params()["rank"] == search.best_params_["rank"]
    assert best.seen_values_.shape[0] == small.nnz  # refitted on all the data
    users, items, _ = small.to_triples()
    direct = clone(_als()).set_params(**search.best_params_).fit(small).predict(users, items)
    np.testing.assert_allclose(search.predict(users, items), direct, rtol=0, atol=EXACT)
    assert not hasattr(
        GridSearchCV(_als(), {"rank": [1]}, cv=2, refit=False).fit(small), "best_estimator_"
    )


def test_ranking_metric_selects_the_highest():
    data = make_implicit_feedback(60, 25, rank=2, interactions_per_user=6, random_state=0)
    search = GridSearchCV(
        ImplicitALS(rank=2, n_iter=3, random_state=0),
        {"reg": [0.1, 1e5]},
        cv=2,
        random_state=0,
    ).fit(data)
    assert search.metric_ == "ndcg@10"  # the default for a model without a rating scale
    means = search.cv_results_["mean_test_ndcg@10"]
    assert search.best_score_ == pytest.approx(means.max(), abs=EXACT)
    assert search.cv_results_["rank_test_ndcg@10"][int(np.argmax(means))] == 1


def test_randomized_search_draws_n_iter_valid_settings(small):
    space = {"reg": loguniform(1e-3, 1.0), "rank": [1, 2, 3]}
    search = RandomizedSearchCV(_als(n_iter=2), space, n_iter=4, cv=2, random_state=7)
    search.fit(small)
    params = search.cv_results_["params"]
    assert len(params) == 4
    assert all(1e-3 <= p["reg"] <= 1.0 and p["rank"] in (1, 2, 3) for p in params)
    again = RandomizedSearchCV(_als(n_iter=2), space, n_iter=4, cv=2, random_state=7).fit(small)
    assert again.cv_results_["params"] == params
    other = RandomizedSearchCV(_als(n_iter=2), space, n_iter=4, cv=2, random_state=8)
    assert other.fit(small).cv_results_["params"] != params


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("grid", "match"),
    [
        ({}, "param_grid is empty"),
        ([], "param_grid is empty"),
        ({"rank": []}, "'rank' has no values"),
        ({"rank": 3}, r"must be a list; got 3 \(write 'rank': \[3\]"),
        ({"rnak": [1]}, "ALS has no parameter 'rnak'; the valid names are: .*rank, reg"),
        ({"rank": [0]}, r"rank=0 must be an integer in \[1, inf\)"),
    ],
)
def test_bad_grids_are_refused_before_any_fit(small, grid, match):
    with pytest.raises(LinmlInputError, match=match):
        GridSearchCV(_als(), grid, cv=2).fit(small)


@pytest.mark.parametrize(
    ("model", "metric", "match"),
    [
        (_als(), "rmsee", "unknown metric 'rmsee'; the valid metrics are rmse, mae, precision@K"),
        (_als(), "ndcg", "needs a cut-off: write it as ndcg@K"),
        (_als(), "ndcg@0", "unknown metric 'ndcg@0'"),
        (ImplicitALS(rank=2), "rmse", "ImplicitALS scores preferences, not ratings"),
    ],
)
def test_bad_metrics(small, model, metric, match):
    with pytest.raises(LinmlInputError, match=match):
        cross_validate(model, small, cv=2, metrics=metric)
    with pytest.raises(LinmlInputError, match=match):
        GridSearchCV(model, {"reg": [0.1]}, cv=2, metric=metric).fit(small)


def test_bad_cv_and_other_arguments(small):
    with pytest.raises(LinmlInputError, match=r"cv=1 must be an integer >= 2"):
        cross_validate(_als(), small, cv=1)
    with pytest.raises(LinmlInputError, match="cv='abc' must be a number of folds"):
        cross_validate(_als(), small, cv="abc")
    with pytest.raises(LinmlInputError, match="fold 0 must be a \\(train, test\\) pair"):
        cross_validate(_als(), small, cv=[small])
    with pytest.raises(LinmlInputError, match="cv gave no"):
        cross_validate(_als(), small, cv=[])
    with pytest.raises(LinmlInputError, match="cv=3 splits the interactions, but none"):
        cross_validate(_als(), cv=3)
    with pytest.raises(LinmlInputError, match="n_jobs=0 must be"):
        cross_validate(_als(), small, cv=2, n_jobs=0)
    with pytest.raises(LinmlInputError, match="refit=True refits the best setting"):
        GridSearchCV(_als(), {"rank": [1]}, cv=list(kfold_split(small, 2))).fit()
    with pytest.raises(LinmlInputError, match=r"n_iter=0 must be an integer >= 1"):
        RandomizedSearchCV(_als(), {"rank": [1, 2]}, n_iter=0, cv=2).fit(small)
    with pytest.raises(LinmlInputError, match="not fitted yet"):
        GridSearchCV(_als(), {"rank": [1]}).results_table()
    with pytest.raises(LinmlInputError, match="no column 'ndcg@5'"):
        cross_validate(_als(), small, cv=2, metrics="rmse").mean("ndcg@5")


def test_results_are_plain_pandas(small):
    result = cross_validate(_als(), small, cv=2, metrics="rmse", random_state=0)
    assert isinstance(result.folds, pd.DataFrame) and result.folds.index.name == "fold"
    assert "2-fold cross-validation" in str(result) and "rmse:" in str(result)
