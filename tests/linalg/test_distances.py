"""Tests for linml.linalg.distances: every metric vs scipy's cdist, blocking, cosine similarity."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.metrics.pairwise import cosine_similarity as sk_cosine_similarity

from linml.exceptions import LinmlInputError
from linml.linalg import METRICS, cosine_similarity, pairwise_distances, pairwise_distances_chunked

SCIPY_NAME = {
    "euclidean": "euclidean",
    "sqeuclidean": "sqeuclidean",
    "manhattan": "cityblock",
    "chebyshev": "chebyshev",
    "cosine": "cosine",
}
TOL = {np.float64: dict(rtol=1e-9, atol=1e-9), np.float32: dict(rtol=1e-4, atol=1e-4)}


def _XY(dtype=np.float64, n=23, m=17, p=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, p)).astype(dtype), rng.standard_normal((m, p)).astype(dtype)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pairwise_distances_match_cdist(metric, dtype):
    X, Y = _XY(dtype)
    D = pairwise_distances(X, Y, metric=metric)
    assert D.shape == (23, 17) and D.dtype == dtype
    ref = cdist(X.astype(np.float64), Y.astype(np.float64), SCIPY_NAME[metric])
    np.testing.assert_allclose(D, ref, **TOL[dtype])


@pytest.mark.parametrize("metric", METRICS)
def test_pairwise_distances_self_has_exact_zero_diagonal(metric):
    X, _ = _XY()
    X = 1e3 + X  # large norms: the GEMM expansion leaves round-off on the diagonal
    D = pairwise_distances(X, metric=metric)
    np.testing.assert_array_equal(np.diag(D), 0.0)
    assert (D >= 0).all()
    np.testing.assert_allclose(D, cdist(X, X, SCIPY_NAME[metric]), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("same", [True, False])
def test_blocking_gives_identical_results(metric, same):
    """A tiny memory budget (one row per block, sub-blocked Y) changes nothing."""
    X, Y = _XY()
    Y = None if same else Y
    big = pairwise_distances(X, Y, metric=metric)
    tiny = pairwise_distances(X, Y, metric=metric, max_memory_mb=1e-6)
    np.testing.assert_allclose(tiny, big, rtol=1e-13, atol=1e-13)


def test_chunked_yields_contiguous_bounded_blocks():
    X, Y = _XY(n=50, m=40, p=3)
    budget_mb = 8 * 40 * 2 * 5 / 2**20  # about five rows' worth
    starts, rows = [], []
    for start, block in pairwise_distances_chunked(X, Y, "euclidean", max_memory_mb=budget_mb):
        starts.append(start)
        rows.append(block)
        assert block.shape[1] == 40 and 1 <= block.shape[0] <= 5
    assert starts == list(np.cumsum([0] + [b.shape[0] for b in rows[:-1]]))
    np.testing.assert_allclose(np.vstack(rows), cdist(X, Y), atol=1e-12)


def test_cosine_similarity_matches_sklearn_zero_rows_give_zero():
    X, Y = _XY()
    X[3] = 0.0
    C = cosine_similarity(X, Y)
    np.testing.assert_allclose(C, sk_cosine_similarity(X, Y), atol=1e-12)
    np.testing.assert_array_equal(C[3], 0.0)
    np.testing.assert_allclose(cosine_similarity(X), sk_cosine_similarity(X), atol=1e-12)


def test_distances_bad_input():
    X, Y = _XY()
    with pytest.raises(LinmlInputError, match=r"metric='minkowski' is not supported.*'euclidean'"):
        pairwise_distances(X, Y, metric="minkowski")
    with pytest.raises(LinmlInputError, match=r"Y has 5 features but X has 6"):
        pairwise_distances(X, Y[:, :5])
    with pytest.raises(LinmlInputError, match=r"max_memory_mb=0 must be > 0"):
        pairwise_distances(X, max_memory_mb=0)
    with pytest.raises(LinmlInputError, match=r"X must be 2-D"):
        pairwise_distances(np.ones(4))
    X[2, 4] = np.nan
    with pytest.raises(LinmlInputError, match=r"X contains NaN at row 2, column 4"):
        cosine_similarity(X)


@pytest.mark.parametrize("scale", [1e300, 1e-310])
@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "chebyshev", "cosine"])
def test_distances_exact_at_float64_edges(metric, scale):
    """Issue 17: ‖x‖² − 2xᵀy + ‖y‖² overflowed (inf/NaN) or underflowed (0) at extreme scale."""
    X = np.random.default_rng(0).normal(size=(6, 3))
    power = 0 if metric == "cosine" else 1
    D = pairwise_distances(X * scale, metric=metric)
    assert np.isfinite(D).all()
    np.testing.assert_allclose(D / scale**power, pairwise_distances(X, metric=metric), atol=1e-9)


def test_distance_overflow_raises():
    """Issue 17: a distance larger than float64's max raises instead of returning inf."""
    X = np.array([[1e308, 0.0], [-1e308, 0.0]])
    with pytest.raises(LinmlInputError, match=r"distances overflow float64; rescale X"):
        pairwise_distances(X)
