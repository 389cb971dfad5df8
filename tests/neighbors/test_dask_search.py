"""search_blocks over a dask array equals the in-memory EmbeddingIndex search."""

from __future__ import annotations

import numpy as np
import pytest

from linml.exceptions import LinmlInputError
from linml.neighbors import EmbeddingIndex
from linml.neighbors._dask_search import search_blocks

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

CHUNKS = (50, 230, 7, 313)  # unequal row blocks, one smaller than k


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(sum(CHUNKS), 12)).astype(np.float32)
    Q = rng.normal(size=(9, 12)).astype(np.float32)
    return X, Q


@pytest.mark.parametrize("metric", ["cosine", "l2", "ip"])
@pytest.mark.parametrize("k", [1, 10])
def test_equals_in_memory_search(data, metric, k):
    """Same ids exactly and scores to 1e-6 as the in-memory index, for every metric."""
    X, Q = data
    ids = [f"v{i}" for i in range(X.shape[0])]
    expected = EmbeddingIndex(metric).add(X, ids=ids).search(Q, k=k)
    with dask.config.set(scheduler="synchronous"):
        got = search_blocks(da.from_array(X, chunks=(CHUNKS, 12)), Q, k=k, metric=metric, ids=ids)
    assert got.ids.tolist() == expected.ids.tolist()
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_allclose(got.scores, expected.scores, rtol=1e-6, atol=1e-6)


def test_float64_and_threads_and_ties():
    """Duplicated rows across blocks tie: the lower global index comes first, as in memory."""
    rng = np.random.default_rng(1)
    base = rng.normal(size=(40, 5))
    X = np.vstack([base, base, base])  # every vector three times, in different blocks
    Q = base[:4] + 0.01
    expected = EmbeddingIndex("ip", dtype=np.float64).add(X).search(Q, k=6)
    with dask.config.set(scheduler="threads"):
        got = search_blocks(
            da.from_array(X, chunks=((33, 47, 40), 5)), Q, k=6, metric="ip", dtype=np.float64
        )
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_allclose(got.scores, expected.scores, rtol=1e-12, atol=1e-12)
    assert got.scores.dtype == np.float64


def test_k_equal_n_and_single_query(data):
    """k = n returns every row in score order; a 1-D query is one query."""
    X, _ = data
    X = X[:30]
    q = X[3] + 0.1
    expected = EmbeddingIndex("l2").add(X).search(q, k=30)
    with dask.config.set(scheduler="synchronous"):
        got = search_blocks(da.from_array(X, chunks=((10, 20), 12)), q, k=30, metric="l2")
    np.testing.assert_array_equal(got.indices, expected.indices)
    assert got.indices.shape == (1, 30)


def test_dask_dataframe_input(data):
    """A dask DataFrame of numeric columns is searched like the array."""
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    X, Q = data
    frame = dd.from_pandas(pd.DataFrame(X[:200]), npartitions=3)
    expected = EmbeddingIndex("cosine").add(X[:200]).search(Q, k=5)
    with dask.config.set(scheduler="synchronous"):
        got = search_blocks(frame, Q, k=5)
    np.testing.assert_array_equal(got.indices, expected.indices)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"k": 0}, r"k=0 must be an integer in \[1, 600\]"),
        ({"k": 601}, r"k=601 must be an integer in \[1, 600\]"),
        ({"metric": "dot"}, r"metric='dot' must be one of"),
        ({"ids": [1, 2]}, r"ids must hold one id per stored vector \(600\); got 2"),
        ({"ids": [0] * 600}, r"ids must be unique"),
        ({"dtype": np.int32}, r"dtype=int32 must be float32 or float64"),
    ],
)
def test_bad_arguments(data, kwargs, match):
    X, Q = data
    with pytest.raises(LinmlInputError, match=match):
        search_blocks(da.from_array(X, chunks=(CHUNKS, 12)), Q, **kwargs)


def test_bad_inputs(data):
    X, Q = data
    with pytest.raises(LinmlInputError, match=r"stored must be a dask array.*EmbeddingIndex"):
        search_blocks(X, Q)
    with pytest.raises(LinmlInputError, match=r"queries have dimension 3 but .* 12-dimensional"):
        search_blocks(da.from_array(X, chunks=(CHUNKS, 12)), Q[:, :3])


def test_on_local_cluster(data, dask_client):
    """Blocks scored in worker processes give the in-memory answer."""
    X, Q = data
    expected = EmbeddingIndex("l2").add(X).search(Q, k=7)
    got = search_blocks(da.from_array(X, chunks=(CHUNKS, 12)), Q, k=7, metric="l2")
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_allclose(got.scores, expected.scores, rtol=1e-6, atol=1e-6)
