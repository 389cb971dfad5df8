"""Unknown ids name the way out; users with few unseen items get short lists, never seen items."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linml.exceptions import LinmlInputError
from linml.recommend import ALS, ColdStartWarning, ImplicitALS
from linml.recommend._factor_model import topn_indices

# user 0 rated all 6 items, user 1 all but items 4 and 5, user 2 two items
USERS = [0] * 6 + [1] * 4 + [2] * 2
ITEMS = [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 0, 3]
VALUES = [5.0, 4, 3, 2, 1, 2, 4, 4, 2, 1, 3, 5]


@pytest.fixture(scope="module", params=["als", "implicit"])
def model(request):
    if request.param == "als":
        return ALS(rank=2, n_iter=4, random_state=0).fit((USERS, ITEMS, VALUES))
    return ImplicitALS(rank=2, n_iter=4, dtype="float64", random_state=0).fit(
        (USERS, ITEMS, VALUES)
    )


def test_predict_unknown_names_fallback_count_and_first_ids(model):
    with pytest.raises(LinmlInputError) as info:
        model.predict([0, 7, 8, 7, 9, 10], [1, 1, 1, 1, 1, 1])
    msg = str(info.value)
    assert "unknown user id 7" in msg and "5 unknown of 6 given" in msg
    assert "e.g. 7, 8, 9;" in msg and "10" not in msg.split("the model")[0]
    assert 'unknown="fallback"' in msg
    with pytest.raises(LinmlInputError, match=r'unknown item id 42 .*unknown="fallback"'):
        model.predict([0], [42])


def test_predict_fallback_for_implicit_scores_zero():
    model = ImplicitALS(rank=2, n_iter=3, random_state=0).fit((USERS, ITEMS, VALUES))
    with pytest.warns(ColdStartWarning, match="1 unknown user"):
        pred = model.predict([7, 0], [1, 1], unknown="fallback")
    assert pred[0] == 0.0
    assert pred[1] == pytest.approx(model.predict([0], [1])[0])
    with pytest.raises(LinmlInputError, match="unknown='maybe'"):
        model.predict([0], [1], unknown="maybe")


def test_recommend_unknown_user_names_both_ways_out(model):
    with pytest.raises(LinmlInputError) as info:
        model.recommend([7, 0, 8])
    msg = str(info.value)
    assert "unknown user id 7" in msg and "2 unknown of 3 given" in msg
    assert "ratings=" in msg and 'unknown="fallback"' in msg


def test_recommend_unknown_fallback_ranks_by_cold_scores(model):
    with pytest.warns(ColdStartWarning, match=r"1 user\(s\) have no training data \(1 unknown\)"):
        ids, scores = model.recommend("stranger", n=3, unknown="fallback")
    fallback, _ = model._cold_scores()
    np.testing.assert_array_equal(ids, np.argsort(-fallback, kind="stable")[:3])
    np.testing.assert_allclose(scores, np.sort(fallback)[::-1][:3])
    with pytest.raises(LinmlInputError, match="unknown='x'"):
        model.recommend(0, unknown="x")


def test_user_who_rated_everything_gets_nothing(model):
    ids, scores = model.recommend(0, n=3)
    assert ids.shape == (0,) and scores.shape == (0,)


def test_user_with_m_unseen_items_gets_m_never_seen(model):
    ids, scores = model.recommend(1, n=5)
    assert sorted(ids.tolist()) == [4, 5]
    assert np.isfinite(scores).all() and np.all(np.diff(scores) <= 0)
    full = model._score_rows(np.array([1]))[0]
    np.testing.assert_allclose(scores, full[ids])


def test_batch_rows_are_masked_past_each_users_list(model):
    ids, scores = model.recommend([0, 1, 2], n=5)
    assert isinstance(ids, np.ma.MaskedArray) and ids.shape == (3, 4)  # user 2: 4 unseen
    assert ids[0].compressed().size == 0
    for r, user in enumerate([0, 1, 2]):
        single_ids, single_scores = model.recommend(user, n=5)
        np.testing.assert_array_equal(ids[r].compressed(), single_ids)
        np.testing.assert_allclose(scores[r].compressed(), single_scores)
    assert np.isfinite(scores.compressed()).all()


def test_fold_in_of_all_but_two_items_gets_two():
    model = ALS(rank=2, n_iter=3, random_state=0).fit((USERS, ITEMS, VALUES))
    ids, scores = model.recommend("new", n=4, ratings={0: 5.0, 1: 3.0, 2: 1.0, 3: 4.0})
    assert sorted(ids.tolist()) == [4, 5] and np.isfinite(scores).all()


def test_include_seen_still_returns_n(model):
    ids, _ = model.recommend(0, n=4, exclude_seen=False)
    assert ids.shape == (4,)


def _oracle_topn(S, n):
    """Stable argsort of each row, -inf positions replaced by -1."""
    order = np.argsort(-S, axis=1, kind="stable")[:, : min(n, S.shape[1])]
    out = order.copy()
    out[np.take_along_axis(S, order, axis=1) == -np.inf] = -1
    return out


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    rows=st.integers(1, 5),
    cols=st.integers(1, 9),
    n=st.integers(1, 12),
    frac=st.floats(0.0, 1.0),
)
def test_topn_fill_matches_a_sorting_oracle(seed, rows, cols, n, frac):
    """With distinct finite scores the top-n equals a full stable sort; -inf slots are -1."""
    rng = np.random.default_rng(seed)
    S = rng.permutation(rows * cols).reshape(rows, cols).astype(float)  # distinct values
    S[rng.random(S.shape) < frac] = -np.inf
    top = topn_indices(S, n, fill=-1)
    expect = _oracle_topn(S, n)
    np.testing.assert_array_equal(top >= 0, expect >= 0)
    np.testing.assert_array_equal(top[top >= 0], expect[expect >= 0])
