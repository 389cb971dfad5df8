"""Metrics against hand-computed values and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import mean_absolute_error, mean_squared_error, ndcg_score

from linml.exceptions import LinmlInputError
from linml.recommend import (
    catalogue_coverage,
    evaluate,
    mae,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    rmse,
)

REC = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 1, 2, 3]])
REL = [{1, 3, 10}, {6}, set()]


def test_rating_errors_match_sklearn():
    y, p = np.array([1.0, 2.0, 5.0]), np.array([1.5, 2.0, 3.0])
    assert rmse(y, p) == pytest.approx(np.sqrt(mean_squared_error(y, p)))
    assert mae(y, p) == pytest.approx(mean_absolute_error(y, p))


def test_ranking_by_hand():
    # user 0: hits at ranks 1 and 3 of k=3; user 1: hit at rank 2; user 2 has no relevant item
    assert precision_at_k(REC, REL, 3) == pytest.approx((2 / 3 + 1 / 3) / 2)
    assert recall_at_k(REC, REL, 3) == pytest.approx((2 / 3 + 1 / 1) / 2)
    ap0 = (1 / 1 + 2 / 3) / 3  # min(k, |R|) = 3
    ap1 = (1 / 2) / 1
    assert map_at_k(REC, REL, 3) == pytest.approx((ap0 + ap1) / 2)
    dcg0 = 1 + 1 / np.log2(4)
    idcg0 = 1 + 1 / np.log2(3) + 1 / np.log2(4)
    assert ndcg_at_k(REC, REL, 3) == pytest.approx((dcg0 / idcg0 + (1 / np.log2(3)) / 1) / 2)
    assert catalogue_coverage(REC[:, :3], 20) == pytest.approx(7 / 20)  # {1,2,3,5,6,7,9}


def test_sparse_relevant_matches_sequence():
    rec = np.array([[0, 2, 1], [3, 1, 0]])
    R = sp.csr_matrix(np.array([[1.0, 0, 2.0, 0], [0, 0, 0, 3.0]]))
    seq = [{0: 1.0, 2: 2.0}, {3: 3.0}]
    for metric in (precision_at_k, recall_at_k, map_at_k, ndcg_at_k):
        assert metric(rec, R, 2) == pytest.approx(metric(rec, seq, 2))


@given(seed=st.integers(0, 10_000), k=st.integers(1, 8))
def test_ndcg_matches_sklearn(seed, k):
    """Graded relevance, scores without ties: our NDCG@k equals sklearn's ndcg_score."""
    rng = np.random.default_rng(seed)
    n_users, n_items = 5, 8
    y_true = rng.integers(0, 4, (n_users, n_items)).astype(float)
    y_true[:, 0] = rng.integers(1, 4, n_users)  # every user has something relevant
    y_score = rng.permutation(n_users * n_items).reshape(n_users, n_items).astype(float)
    rec = np.argsort(-y_score, axis=1)
    ours = ndcg_at_k(rec, sp.csr_matrix(y_true), k)
    assert ours == pytest.approx(ndcg_score(y_true, y_score, k=k))


def test_bad_metric_input():
    with pytest.raises(LinmlInputError, match="k=0"):
        precision_at_k(REC, REL, 0)
    with pytest.raises(LinmlInputError, match="fewer than k=5"):
        precision_at_k(REC, REL, 5)
    with pytest.raises(LinmlInputError, match="one collection of items per user"):
        precision_at_k(REC, REL[:2], 2)
    with pytest.raises(LinmlInputError, match="no user has a relevant item"):
        precision_at_k(REC, [set(), set(), set()], 2)
    with pytest.raises(LinmlInputError, match="3 values but y_pred has 2"):
        rmse([1, 2, 3], [1, 2])


def test_evaluate_kfold_explicit_and_implicit():
    from linml.datasets.ratings import make_implicit_feedback, make_low_rank_ratings
    from linml.recommend import ALS, ImplicitALS

    data = make_low_rank_ratings(100, 30, rank=2, ratings_per_user=10, noise=0.3, random_state=0)
    table = evaluate(ALS(rank=2, reg=0.1, n_iter=5, random_state=0), data, folds=3)
    assert table.shape[0] == 3 and (table["rmse"] < 1.0).all()
    both = evaluate(ALS(rank=2, n_iter=3, random_state=0), data, folds=2, ranking=True)
    assert {"rmse", "precision@10", "ndcg@10", "coverage"} <= set(both.columns)
    imp = make_implicit_feedback(100, 30, rank=2, interactions_per_user=6, random_state=0)
    table = evaluate(ImplicitALS(rank=3, n_iter=3, random_state=0), imp, folds=2, k=5)
    assert "rmse" not in table and (table["recall@5"].between(0, 1)).all()
