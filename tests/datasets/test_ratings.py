"""Generated ratings: the documented model, reproducibility, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linml.datasets.ratings import (
    make_implicit_feedback,
    make_long_tail_ratings,
    make_low_rank_ratings,
)
from linml.exceptions import LinmlInputError


def test_ratings_follow_the_low_rank_bias_model():
    (u, i, r), t = make_low_rank_ratings(
        300, 80, rank=4, ratings_per_user=20, noise=0.2, random_state=0, return_truth=True
    )
    clean = (
        t["global_mean"]
        + t["user_bias"][u]
        + t["item_bias"][i]
        + np.einsum("nk,nk->n", t["P"][u], t["Q"][i])
    )
    resid = r - clean
    assert abs(resid.std() - 0.2) < 0.01  # exactly the noise
    assert abs(np.std(np.einsum("nk,nk->n", t["P"][u], t["Q"][i])) - 1.0) < 0.1  # signal = 1
    pairs = u * 80 + i
    assert np.unique(pairs).size == pairs.size  # distinct cells
    np.testing.assert_array_equal(np.bincount(u), 20)


def test_reproducible():
    a = make_low_rank_ratings(20, 10, rank=2, ratings_per_user=3, random_state=5)
    b = make_low_rank_ratings(20, 10, rank=2, ratings_per_user=3, random_state=5)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_implicit_feedback_prefers_popular_and_liked_items():
    u, i, c = make_implicit_feedback(500, 100, rank=3, interactions_per_user=10, random_state=0)
    assert np.unique(u * 100 + i).size == u.size and (c >= 1).all()
    counts = np.bincount(i, minlength=100)
    assert counts.max() > 5 * max(counts.min(), 1)  # popularity skew


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rank": 0}, "rank=0"),
        ({"ratings_per_user": 50, "n_items": 10}, "ratings_per_user=50"),
        ({"noise": -1.0}, "noise=-1.0"),
        ({"n_users": 2.5}, "n_users=2.5"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(LinmlInputError, match=match):
        make_low_rank_ratings(**kwargs)
    with pytest.raises(LinmlInputError, match="temperature"):
        make_implicit_feedback(temperature=0.0)


# ---------------------------------------------------------------- make_long_tail_ratings
def _bias_baseline(u, i, r, n_users, n_items, lam=5.0, sweeps=5):
    """Regularized user + item bias baseline (Koren 2010, eq. 2), by alternating means."""
    mu = r.mean()
    b_u = np.zeros(n_users)
    for _ in range(sweeps):
        b_i = np.bincount(i, r - mu - b_u[u], n_items) / (lam + np.bincount(i, minlength=n_items))
        b_u = np.bincount(u, r - mu - b_i[i], n_users) / (lam + np.bincount(u, minlength=n_users))
    return mu, b_u, b_i


@pytest.fixture(scope="module")
def movielens_like():
    """The default (MovieLens-1M-shaped) set, split 90/10 at random."""
    (u, i, r), truth = make_long_tail_ratings(random_state=0, return_truth=True)
    test = np.random.default_rng(0).random(r.size) < 0.1
    return u, i, r, test, truth


def test_long_tail_shapes_counts_and_distinct_cells():
    (u, i, r), t = make_long_tail_ratings(
        400,
        300,
        min_per_user=10,
        max_per_user=150,
        median_per_user=30,
        random_state=3,
        return_truth=True,
    )
    assert u.shape == i.shape == r.shape and u.dtype == i.dtype == np.int64
    counts = np.bincount(u, minlength=400)
    np.testing.assert_array_equal(counts, t["counts"])
    assert counts.min() >= 10 and counts.max() <= 150
    assert np.median(counts) == pytest.approx(30, rel=0.2)  # the log-normal's median
    assert counts.max() > 4 * np.median(counts)  # heavy right tail
    key = u * 300 + i
    assert np.all(np.diff(key) > 0)  # sorted by (user, item) and distinct
    assert t["P"].shape == (400, 10) and t["Q"].shape == (300, 10)


def test_long_tail_counts_capped_by_n_items():
    u, _, _ = make_long_tail_ratings(50, 40, min_per_user=20, max_per_user=2000, random_state=0)
    counts = np.bincount(u)
    assert counts.max() == 40 and counts.min() >= 20  # median 96 > 40: capped


def test_long_tail_popularity_is_zipf_like(movielens_like):
    _, i, r, _, t = movielens_like
    per_item = np.bincount(i, minlength=3700)
    top = np.sort(per_item)[::-1]
    assert top[:370].sum() / r.size > 0.45  # top 10% of items: > 4.5x their uniform share
    assert top[-1850:].sum() / r.size < 0.2  # the bottom half of items: the long tail
    # the count order follows the popularity order (Spearman rank correlation)
    ranks = np.argsort(np.argsort(per_item)), np.argsort(np.argsort(t["popularity"]))
    assert np.corrcoef(*ranks)[0, 1] > 0.9


def test_long_tail_uniform_items_without_zipf():
    _, i, _ = make_long_tail_ratings(
        2000, 200, zipf_exponent=0.0, median_per_user=40, max_per_user=100, random_state=0
    )
    per_item = np.bincount(i, minlength=200)
    assert per_item.max() < 1.3 * per_item.min()  # uniform: counts within sampling noise


@pytest.mark.parametrize(
    ("scale", "half", "levels"),
    [
        ((1, 5), False, np.arange(1.0, 6.0)),
        ((0, 10), False, np.arange(0.0, 11.0)),
        ((1, 5), True, np.arange(1.0, 5.5, 0.5)),
    ],
)
def test_long_tail_ratings_are_stars_in_scale(scale, half, levels):
    _, _, r = make_long_tail_ratings(
        500,
        300,
        median_per_user=40,
        max_per_user=200,
        scale=scale,
        half_stars=half,
        global_mean=float(np.mean(scale)) + 0.1,
        random_state=0,
    )
    np.testing.assert_array_equal(np.unique(r), levels)  # exactly the star levels, all used


def test_long_tail_reproducible_by_seed():
    kw = dict(median_per_user=30, max_per_user=100)
    a = make_long_tail_ratings(200, 150, random_state=7, **kw)
    b = make_long_tail_ratings(200, 150, random_state=7, **kw)
    c = make_long_tail_ratings(200, 150, random_state=8, **kw)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert a[0].size != c[0].size or not np.array_equal(a[1], c[1])
    # a numpy Generator seeds it too, reproducibly
    g1 = make_long_tail_ratings(200, 150, random_state=np.random.default_rng(3), **kw)
    g2 = make_long_tail_ratings(200, 150, random_state=np.random.default_rng(3), **kw)
    for x, y in zip(g1, g2, strict=True):
        np.testing.assert_array_equal(x, y)


@given(
    n_users=st.integers(1, 30),
    n_items=st.integers(5, 60),
    low=st.integers(1, 5),
    spread=st.floats(0, 3),
    zipf=st.floats(0, 2),
    seed=st.integers(0, 2**16),
)
def test_long_tail_invariants(n_users, n_items, low, spread, zipf, seed):
    """Any setting: counts within [min, min(max, n_items)], distinct cells, stars in range."""
    u, i, r = make_long_tail_ratings(
        n_users,
        n_items,
        rank=2,
        min_per_user=low,
        max_per_user=20,
        median_per_user=8,
        count_spread=spread,
        zipf_exponent=zipf,
        random_state=seed,
    )
    counts = np.bincount(u, minlength=n_users)
    assert counts.min() >= low and counts.max() <= max(low, min(20, n_items))
    assert np.unique(u * n_items + i).size == u.size and i.max() < n_items
    assert r.min() >= 1 and r.max() <= 5 and np.all(r == np.round(r))


def test_long_tail_rmse_scale_resembles_movielens(movielens_like):
    """Global mean ~1.1, bias baseline 0.93-0.96 (MovieLens-100k: about 0.94, Surprise docs)."""
    u, i, r, test, _ = movielens_like
    train = ~test
    assert r.size == pytest.approx(0.95e6, rel=0.1)
    assert 1.05 < np.sqrt(np.mean((r[test] - r[train].mean()) ** 2)) < 1.15
    mu, b_u, b_i = _bias_baseline(u[train], i[train], r[train], 6000, 3700)
    pred = np.clip(mu + b_u[u[test]] + b_i[i[test]], 1, 5)
    assert 0.93 < np.sqrt(np.mean((r[test] - pred) ** 2)) < 0.96


def test_long_tail_matrix_factorization_beats_biases(movielens_like):
    """A tuned low-rank model reaches 0.86-0.91 (MovieLens: SVD about 0.87-0.93)."""
    from linml.recommend import ALS

    u, i, r, test, _ = movielens_like
    train = ~test
    model = ALS(rank=10, reg=0.05, n_iter=10, random_state=0)
    model.fit((u[train], i[train], r[train]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few test items may be unseen in train
        pred = np.clip(model.predict(u[test], i[test]), 1, 5)
    assert 0.86 < np.sqrt(np.mean((r[test] - pred) ** 2)) < 0.91


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_users": 0}, "n_users=0"),
        ({"rank": 1.5}, "rank=1.5"),
        ({"min_per_user": 30, "max_per_user": 20}, "min_per_user=30 must be <= max_per_user"),
        ({"n_items": 10}, "min_per_user=20 must be <= n_items=10"),
        ({"zipf_exponent": -1.0}, "zipf_exponent=-1.0"),
        ({"noise": float("nan")}, "noise=nan"),
        ({"median_per_user": 0.5}, "median_per_user=0.5 must be >= 1"),
        ({"scale": (1,)}, r"scale=\(1,\) must be a pair"),
        ({"scale": (5, 1)}, "high - low >= 1"),
        ({"global_mean": "3"}, "global_mean='3' must be a finite number"),
        ({"half_stars": 1}, "half_stars=1 must be True or False"),
    ],
)
def test_long_tail_bad_input(kwargs, match):
    with pytest.raises(LinmlInputError, match=match):
        make_long_tail_ratings(**kwargs)


@pytest.mark.parametrize("make", ["make_low_rank_ratings", "make_implicit_feedback"])
def test_generators_take_a_numpy_generator_as_documented(make):
    from linml.datasets import ratings

    def draw(seed):
        kwargs = (
            dict(ratings_per_user=3)
            if make == "make_low_rank_ratings"
            else dict(interactions_per_user=3)
        )
        return getattr(ratings, make)(20, 8, rank=2, random_state=seed, **kwargs)

    first, again = draw(np.random.default_rng(5)), draw(np.random.default_rng(5))
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
