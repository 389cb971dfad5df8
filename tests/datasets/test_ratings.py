"""Generated ratings: the documented model, reproducibility, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from linml.datasets.ratings import make_implicit_feedback, make_low_rank_ratings
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
