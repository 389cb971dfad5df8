"""GramStats: merging any split of rows equals the one-shot statistics (Chan's update)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linml.exceptions import LinmlInputError
from linml.linalg.gram_stats import GramStats

RTOL = 1e-10


def _close(a: np.ndarray, b: np.ndarray, rtol: float = RTOL) -> None:
    scale = max(float(np.max(np.abs(b))), 1.0)
    np.testing.assert_allclose(a, b, rtol=0, atol=rtol * scale)


def _assert_stats_equal(a: GramStats, b: GramStats) -> None:
    assert a.n == b.n
    for name in ("mean", "scatter", "y_mean", "cross", "y_scatter"):
        va, vb = getattr(a, name), getattr(b, name)
        if vb is None:
            assert va is None, name
        else:
            _close(va, vb)


def test_from_block_matches_numpy_oracle(rng):
    """Scatter = (n-1) * np.cov, cross = centered product, y_scatter = (n-1) var."""
    X, y = rng.normal(size=(40, 4)), rng.normal(size=40)
    s = GramStats.from_block(X, y)
    _close(s.scatter, 39 * np.cov(X, rowvar=False))
    _close(s.cross[:, 0], (X - X.mean(0)).T @ (y - y.mean()))
    _close(s.y_scatter[0, 0], 39 * np.var(y, ddof=1))
    _close(s.covariance(), np.cov(X, rowvar=False))
    _close(s.covariance(ddof=0), np.cov(X, rowvar=False, ddof=0))


@given(
    cuts=st.lists(st.integers(0, 60), min_size=0, max_size=6),
    seed=st.integers(0, 2**16),
    two_d_y=st.booleans(),
)
def test_merge_over_any_split_equals_one_shot(cuts, seed, two_d_y):
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=3.0, size=(60, 3))
    y = rng.normal(size=(60, 2)) if two_d_y else rng.normal(size=60)
    bounds = [0, *sorted(cuts), 60]  # repeated cuts give empty blocks
    parts = [GramStats.from_block(X[a:b], y[a:b]) for a, b in itertools.pairwise(bounds)]
    whole = GramStats.from_block(X, y)
    _assert_stats_equal(GramStats.combine(parts), whole)
    # sequential (streaming) merge gives the same
    acc = parts[0]
    for part in parts[1:]:
        acc = acc.merge(part)
    _assert_stats_equal(acc, whole)


def test_chan_merge_keeps_digits_where_raw_gram_cancels():
    """Mean 1e8, std 1: XᵀX - n x̄x̄ᵀ loses all digits, the centered merge does not."""
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(1000, 2))
    X = 1e8 + Z
    exact = (Z - Z.mean(0)).T @ (Z - Z.mean(0))  # shifting by a constant keeps the scatter
    raw = X.T @ X - X.shape[0] * np.outer(X.mean(0), X.mean(0))
    parts = [GramStats.from_block(X[i : i + 100]) for i in range(0, 1000, 100)]
    merged = GramStats.combine(parts).scatter
    rel_raw = np.abs(raw - exact).max() / np.abs(exact).max()
    rel_merged = np.abs(merged - exact).max() / np.abs(exact).max()
    assert rel_raw > 1e-3  # the naive formula is wrong in the leading digits
    assert rel_merged < 1e-6  # (rounding X = 1e8 + Z itself costs ~1e-8 per entry)


def test_empty_block_is_identity(rng):
    X, y = rng.normal(size=(10, 3)), rng.normal(size=10)
    s = GramStats.from_block(X, y)
    empty = GramStats.from_block(X[:0], y[:0])
    assert empty.n == 0
    _assert_stats_equal(s.merge(empty), s)
    _assert_stats_equal(empty.merge(s), s)
    _assert_stats_equal(GramStats.empty(3, 1).merge(s), s)
    _assert_stats_equal(GramStats.empty(3).merge(GramStats.from_block(X)), GramStats.from_block(X))


def test_about_origin_gives_raw_products(rng):
    X, y = rng.normal(size=(30, 3)), rng.normal(size=30)
    o = GramStats.from_block(X, y).about_origin()
    _close(o.scatter, X.T @ X)
    _close(o.cross[:, 0], X.T @ y)
    _close(o.y_scatter[0, 0], y @ y)
    _close(o.mean, np.zeros(3))


def test_bad_inputs():
    a = GramStats.from_block(np.ones((3, 2)))
    with pytest.raises(LinmlInputError, match="2 and 3 features"):
        a.merge(GramStats.from_block(np.ones((3, 3))))
    with pytest.raises(LinmlInputError, match="with and without"):
        a.merge(GramStats.from_block(np.ones((3, 2)), np.ones(3)))
    with pytest.raises(LinmlInputError, match="empty sequence"):
        GramStats.combine([])
    with pytest.raises(LinmlInputError, match="y has 2 rows but X has 3"):
        GramStats.from_block(np.ones((3, 2)), np.ones(2))
    with pytest.raises(LinmlInputError, match="more than ddof=1 rows"):
        GramStats.from_block(np.ones((1, 2))).covariance()
