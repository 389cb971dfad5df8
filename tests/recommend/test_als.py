"""ALS: correctness (exact recovery, monotone objective, fold-in), quality, contract, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from linml.datasets.ratings import make_low_rank_ratings
from linml.exceptions import LinmlInputError
from linml.io import load, save
from linml.recommend import ALS, ColdStartWarning, Interactions, holdout_split, rmse
from tests.recommend._reference import als_objective_ref, ridge_rows_ref


@pytest.fixture(scope="module")
def ratings():
    return make_low_rank_ratings(150, 60, rank=3, ratings_per_user=25, noise=0.3, random_state=0)


@pytest.fixture(scope="module")
def fitted(ratings):
    return ALS(rank=3, reg=0.05, n_iter=8, solver="cholesky", random_state=0).fit(ratings)


def test_noiseless_low_rank_is_recovered_to_zero_training_rmse():
    """Exact rank-k data with biases, well observed, tiny reg: train RMSE -> ~0."""
    data = make_low_rank_ratings(80, 40, rank=3, ratings_per_user=30, noise=0.0, random_state=1)
    model = ALS(
        rank=3, reg=1e-9, n_iter=200, weighted_reg=False, solver="cholesky", random_state=0
    ).fit(data)
    assert model.train_rmse_[-1] < 1e-5


@pytest.mark.parametrize("solver", ["cholesky", "cg"])
@pytest.mark.parametrize("weighted", [True, False])
def test_objective_trace_matches_reference_objective(ratings, solver, weighted):
    """The recorded objective is the documented L (checked from the dense formula)."""
    model = ALS(
        rank=3, reg=0.1, n_iter=3, solver=solver, weighted_reg=weighted, random_state=0
    ).fit(ratings)
    R = Interactions.from_arrays(*ratings).matrix
    np.testing.assert_allclose(model.objective_trace_[-1], als_objective_ref(model, R), rtol=1e-9)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    rank=st.integers(1, 4),
    reg=st.floats(1e-3, 2.0),
    biases=st.booleans(),
    weighted=st.booleans(),
    solver=st.sampled_from(["cholesky", "cg"]),
    features=st.booleans(),
)
def test_every_half_step_lowers_the_objective(seed, rank, reg, biases, weighted, solver, features):
    """Block-coordinate minimization: L never increases, whatever the data and settings."""
    data = make_low_rank_ratings(30, 12, rank=2, ratings_per_user=5, noise=0.5, random_state=seed)
    rng = np.random.default_rng(seed)
    kw = {}
    if features:
        kw = {
            "user_features": rng.standard_normal((30, 2)),
            "item_features": rng.standard_normal((12, 3)),
        }
    model = ALS(
        rank=rank,
        reg=reg,
        n_iter=4,
        biases=biases,
        weighted_reg=weighted,
        solver=solver,
        random_state=seed,
    ).fit(data, **kw)
    trace = np.array(model.objective_trace_)
    assert np.all(np.diff(trace) <= 1e-9 * trace[0])


def test_user_factors_equal_numpy_user_half_step(fitted, ratings):
    """The final user half-step equals the NumPy twin solving every user's normal equations."""
    inter = Interactions.from_arrays(*ratings)
    M = inter.matrix
    Y = np.column_stack([fitted.item_factors_, np.ones(M.shape[1])])
    w = np.diff(M.indptr).astype(float)
    X = ridge_rows_ref(
        M.indptr,
        M.indices,
        M.data,
        Y,
        np.zeros(M.shape[0]),
        fitted.global_mean_ + fitted.item_bias_,
        np.full(4, fitted.reg),
        w,
    )
    np.testing.assert_allclose(fitted.user_factors_, X[:, :3], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(fitted.user_bias_, X[:, 3], rtol=1e-10, atol=1e-10)


def test_fold_in_equals_the_user_half_step_of_a_refit(fitted, ratings):
    """fold_in(a user's own ratings) reproduces that user's refit factors and bias to 1e-10."""
    users, items, values = ratings
    for u in (0, 7, 42):
        mask = users == u
        p, b = fitted.fold_in(items[mask], values[mask])
        np.testing.assert_allclose(p, fitted.user_factors_[u], rtol=1e-10, atol=1e-10)
        assert abs(b - fitted.user_bias_[u]) < 1e-10


def test_fold_in_with_features_matches_refit(ratings):
    rng = np.random.default_rng(0)
    F = rng.standard_normal((150, 2))
    model = ALS(rank=2, reg=0.1, n_iter=4, solver="cholesky", random_state=0).fit(
        ratings, user_features=F
    )
    users, items, values = ratings
    p, b = model.fold_in(items[users == 3], values[users == 3], user_features=F[3])
    np.testing.assert_allclose(p, model.user_factors_[3], atol=1e-10)
    np.testing.assert_allclose(
        model.predict([3], [items[0]]),
        model.global_mean_
        + b
        + model.user_offset_[3]
        + model.item_bias_[items[0]]
        + model.item_offset_[items[0]]
        + p @ model.item_factors_[items[0]],
        atol=1e-10,
    )


def test_biased_als_beats_unbiased_on_data_with_bias_structure():
    data = make_low_rank_ratings(
        400,
        150,
        rank=3,
        ratings_per_user=15,
        noise=0.5,
        user_bias=1.0,
        item_bias=1.0,
        random_state=3,
    )
    train, test = holdout_split(Interactions.from_arrays(*data), 0.2, random_state=0)
    u, i, r = test.to_triples()
    scores = {}
    for biases in (True, False):
        model = ALS(rank=3, reg=0.1, n_iter=10, biases=biases, random_state=0).fit(train)
        scores[biases] = rmse(r, model.predict(u, i))
    assert scores[True] < 0.95 * scores[False]


def test_side_features_predict_cold_users():
    """Ratings driven by a user attribute: a new user with no ratings is predicted from it."""
    rng = np.random.default_rng(0)
    n_users, n_items = 300, 40
    F = rng.standard_normal((n_users, 1))
    users = np.repeat(np.arange(n_users), 10)
    items = np.concatenate([rng.choice(n_items, 10, replace=False) for _ in range(n_users)])
    values = 3.0 + 1.5 * F[users, 0] + 0.1 * rng.standard_normal(users.shape[0])
    model = ALS(rank=2, reg=1.0, n_iter=6, weighted_reg=False, random_state=0).fit(
        (users, items, values), user_features=F
    )
    assert abs(model.user_feature_coef_[0] - 1.5) < 0.3
    np.testing.assert_allclose(model._new_user_offset([2.0]), model.user_feature_coef_[0] * 2.0)


def test_validation_rmse_tracked_and_progress_runs(ratings):
    inter = Interactions.from_arrays(*ratings)
    train, test = holdout_split(inter, 0.2, random_state=0)
    model = ALS(rank=3, n_iter=4, random_state=0, verbose=True).fit(train, validation=test)
    assert len(model.train_rmse_) == len(model.val_rmse_) == 4
    u, i, r = test.to_triples()
    assert model.val_rmse_[-1] == pytest.approx(rmse(r, model.predict(u, i)))


def test_recommend_excludes_seen_and_is_batched(fitted, ratings):
    users, items, _ = ratings
    ids, scores = fitted.recommend(5, n=10)
    assert ids.shape == (10,) and np.all(np.diff(scores) <= 0)
    assert not set(ids) & set(items[users == 5])
    batch_ids, batch_scores = fitted.recommend([5, 6], n=10)
    np.testing.assert_array_equal(batch_ids[0], ids)
    # scores are the predictions
    np.testing.assert_allclose(batch_scores[1], fitted.predict([6] * 10, batch_ids[1]))
    all_ids, _ = fitted.recommend(5, n=60, exclude_seen=False)
    assert set(all_ids) == set(range(60))


def test_recommend_unknown_user_errors_or_folds_in(fitted):
    with pytest.raises(LinmlInputError, match="unknown user id 999"):
        fitted.recommend(999)
    ids, _ = fitted.recommend(999, ratings={3: 5.0, 4: 1.0}, n=5)
    assert ids.shape == (5,) and 3 not in ids and 4 not in ids


def test_predict_unknown_fallback_warns(fitted):
    with pytest.raises(LinmlInputError, match="unknown item id"):
        fitted.predict([0], [12345])
    with pytest.warns(ColdStartWarning, match="1 unknown user"):
        pred = fitted.predict([999], [3], unknown="fallback")
    assert pred[0] == pytest.approx(fitted.global_mean_ + fitted.item_bias_[3])


def test_recommend_cold_user_falls_back_to_item_biases():
    inter = Interactions.from_arrays([0, 0, 1], [0, 1, 1], [5.0, 1.0, 4.0], user_ids=[0, 1, 2])
    model = ALS(rank=1, n_iter=3, random_state=0).fit(inter)
    with pytest.warns(ColdStartWarning, match="ranked by item biases"):
        ids, _ = model.recommend(2, n=2)
    np.testing.assert_array_equal(ids, np.argsort(-model.item_bias_))


def test_similar_items_by_cosine(fitted):
    ids, cos = fitted.similar_items(0, n=5)
    Q = fitted.item_factors_
    expected = (Q @ Q[0]) / (np.linalg.norm(Q, axis=1) * np.linalg.norm(Q[0]))
    expected[0] = -np.inf
    np.testing.assert_array_equal(ids, np.argsort(-expected)[:5])
    np.testing.assert_allclose(cos, np.sort(expected)[::-1][:5])


def test_explain_contributions_sum_to_the_prediction(fitted, ratings):
    """Cholesky fit: the user step is last, so the decomposition reproduces predict exactly."""
    ex = fitted.explain(4, 10)
    assert ex.score == pytest.approx(fitted.predict([4], [10])[0], abs=1e-9)
    assert ex.baseline + ex.contributions["contribution"].sum() == pytest.approx(ex.score)
    users = ratings[0]
    assert len(ex.contributions) == int((users == 4).sum())
    assert "score(4, 10)" in str(ex)


def test_string_ids_and_clone_and_get_params():
    model = ALS(rank=2, reg=0.2, n_iter=3, random_state=0)
    cloned = clone(model)
    assert cloned.get_params() == model.get_params()
    model.fit((["ann", "bob", "ann", "cy"], ["x", "y", "y", "x"], [5.0, 3.0, 4.0, 2.0]))
    assert model.user_ids_.tolist() == ["ann", "bob", "cy"]
    assert not hasattr(clone(model), "user_factors_")


def test_save_load_round_trip(tmp_path, fitted):
    path = tmp_path / "als.npz"
    save(fitted, path)
    back = load(path)
    np.testing.assert_array_equal(back.predict([1, 2], [3, 4]), fitted.predict([1, 2], [3, 4]))
    np.testing.assert_array_equal(back.recommend(1, n=5)[0], fitted.recommend(1, n=5)[0])
    assert back.train_rmse_ == fitted.train_rmse_


def test_save_load_string_ids(tmp_path):
    model = ALS(rank=1, n_iter=2, random_state=0).fit((["a", "b"], ["x", "y"], [1.0, 2.0]))
    save(model, tmp_path / "m.npz")
    back = load(tmp_path / "m.npz")
    assert back.recommend("a", n=1)[0].tolist() == ["y"]


def test_float32_factors():
    data = make_low_rank_ratings(50, 20, rank=2, ratings_per_user=8, random_state=0)
    model = ALS(rank=2, n_iter=3, dtype="float32", random_state=0).fit(data)
    assert model.user_factors_.dtype == np.float32


def test_sparse_input():
    M = sp.csr_matrix(np.array([[5.0, 0, 3.0], [0, 4.0, 1.0]]))
    model = ALS(rank=1, n_iter=3, random_state=0).fit(M)
    assert model.user_ids_.tolist() == [0, 1]
    assert model.explain(0, 1).contributions.shape[0] == 2
    assert "singular values" in str(model._explain())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rank": 0}, "rank=0 must be an integer in \\[1, inf\\)"),
        ({"rank": -3}, "rank=-3"),
        ({"reg": -1.0}, "reg=-1.0"),
        ({"solver": "lu"}, "solver='lu'"),
    ],
)
def test_bad_params(kwargs, match):
    with pytest.raises(LinmlInputError, match=match):
        ALS(**kwargs).fit(([0, 1], [0, 1], [1.0, 2.0]))


def test_bad_data():
    with pytest.raises(LinmlInputError, match="NaN"):
        ALS().fit(([0, 1], [0, 1], [1.0, np.nan]))
    with pytest.raises(LinmlInputError, match="empty"):
        ALS().fit(([], [], []))
    with pytest.raises(LinmlInputError, match="empty"):
        ALS().fit(sp.csr_matrix((3, 4)))
    with pytest.raises(TypeError, match="dense"):
        ALS().fit(np.ones((3, 3)))
    with pytest.raises(LinmlInputError, match="duplicate interaction"):
        ALS().fit(([0, 0], [1, 1], [1.0, 2.0]))
    with pytest.raises(LinmlInputError, match="user_features has 3 rows"):
        ALS(rank=1).fit(([0, 1], [0, 1], [1.0, 2.0]), user_features=np.ones((3, 1)))
