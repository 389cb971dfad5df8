"""EmbeddingIndex: exact top-k equals brute force, bounded blocks, persistence, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linml.exceptions import LinmlInputError
from linml.neighbors import EmbeddingIndex


def _brute(Q, X, metric, k):
    if metric == "ip":
        scores = Q @ X.T
        order = np.argsort(-scores, axis=1, kind="stable")
    elif metric == "cosine":
        Xn = X / np.where(np.linalg.norm(X, axis=1) > 0, np.linalg.norm(X, axis=1), 1)[:, None]
        Qn = Q / np.where(np.linalg.norm(Q, axis=1) > 0, np.linalg.norm(Q, axis=1), 1)[:, None]
        scores = Qn @ Xn.T
        order = np.argsort(-scores, axis=1, kind="stable")
    else:
        scores = np.sqrt(((Q[:, None, :] - X[None, :, :]) ** 2).sum(-1))
        order = np.argsort(scores, axis=1, kind="stable")
    return np.take_along_axis(scores, order, 1)[:, :k], order[:, :k]


@given(
    n=st.integers(1, 60),
    d=st.integers(1, 6),
    nq=st.integers(1, 5),
    metric=st.sampled_from(["ip", "cosine", "l2"]),
    seed=st.integers(0, 10_000),
    memory=st.sampled_from([1e-4, 0.01, 256.0]),
)
def test_top_k_equals_brute_force(n, d, nq, metric, seed, memory):
    rng = np.random.default_rng(seed)
    X, Q = rng.normal(size=(n, d)), rng.normal(size=(nq, d))
    k = int(rng.integers(1, n + 1))
    index = EmbeddingIndex(metric, dtype=np.float64, max_memory_mb=memory).add(X)
    result = index.search(Q, k=k)
    ref_scores, ref_idx = _brute(Q, X, metric, k)
    np.testing.assert_allclose(result.scores, ref_scores, atol=1e-9)
    # ties aside: any disagreement in order must be between equal scores
    mismatch = result.indices != ref_idx
    if mismatch.any():
        np.testing.assert_allclose(result.scores[mismatch], ref_scores[mismatch], atol=1e-9)


def test_float32_search_on_a_larger_set():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 16)).astype(np.float32)
    Q = rng.normal(size=(20, 16)).astype(np.float32)
    result = EmbeddingIndex("ip", max_memory_mb=0.05).add(X).search(Q, k=10)
    _, ref_idx = _brute(Q.astype(np.float64), X.astype(np.float64), "ip", 10)
    assert (result.indices == ref_idx).mean() > 0.99
    assert result.scores.dtype == np.float32


def test_ids_remove_and_get():
    index = EmbeddingIndex("l2").add(np.eye(4), ids=["a", "b", "c", "d"])
    index.remove(["b"])
    assert len(index) == 3 and "b" not in index
    hit = index.search(index.get(["c"]), k=1)
    assert hit.ids[0, 0] == "c" and hit.scores[0, 0] == 0
    index.add(np.ones((1, 4)), ids=["e"])
    assert index.ids.tolist() == ["a", "c", "d", "e"]


def test_most_similar_excludes_query_words():
    # a planted analogy: queen = king − man + woman exactly, in a 4-D toy space
    vocab = {
        "man": [1, 0, 0, 0],
        "woman": [0, 1, 0, 0],
        "king": [1, 0, 1, 0],
        "queen": [0, 1, 1, 0],
        "apple": [0, 0, 0, 1],
    }
    index = EmbeddingIndex("cosine").add(np.array(list(vocab.values()), float), ids=list(vocab))
    answer = index.most_similar(positive=["king", "woman"], negative=["man"], k=2)
    assert answer[0][0] == "queen"
    assert {w for w, _ in answer}.isdisjoint({"king", "woman", "man"})


def test_zero_vectors_under_cosine_have_similarity_zero():
    index = EmbeddingIndex("cosine").add(np.array([[0.0, 0.0], [1.0, 0.0]]))
    result = index.search(np.array([[0.0, 1.0]]), k=2)
    assert sorted(result.scores[0].tolist()) == [0.0, 0.0]
    zero_query = index.search(np.zeros(2), k=2)
    np.testing.assert_array_equal(zero_query.scores, [[0.0, 0.0]])


def test_save_load_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    index = EmbeddingIndex("cosine").add(rng.normal(size=(50, 8)), ids=[f"w{i}" for i in range(50)])
    index.save(tmp_path / "i.npz")
    loaded = EmbeddingIndex.load(tmp_path / "i.npz")
    Q = rng.normal(size=(3, 8))
    a, b = index.search(Q, 5), loaded.search(Q, 5)
    np.testing.assert_array_equal(a.ids, b.ids)
    np.testing.assert_array_equal(a.scores, b.scores)
    assert loaded.metric == "cosine"


def test_tampered_file_fails_cleanly(tmp_path):
    path = tmp_path / "i.npz"
    EmbeddingIndex("l2").add(np.eye(3)).save(path)
    with np.load(path) as npz:
        payload = {k: npz[k] for k in npz.files}
    payload["vectors"] = payload["vectors"] * 2  # tamper with the data
    np.savez(path, **payload)
    with pytest.raises(ValueError, match="checksum mismatch"):
        EmbeddingIndex.load(path)
    path.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="not a linml embedding index"):
        EmbeddingIndex.load(path)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda ix: ix.search(np.ones((1, 3)), k=5), r"k=5 must be an integer in \[1, 3\]"),
        (lambda ix: ix.search(np.ones((1, 2)), k=1), "dimension 2 but the index holds 3"),
        (lambda ix: ix.add(np.ones((1, 3)), ids=[0]), "id 0 is already in the index"),
        (lambda ix: ix.get([7]), "id 7 is not in the index"),
        (lambda ix: ix.search(np.array([[np.nan, 0, 0]]), k=1), "NaN at row 0, column 0"),
    ],
)
def test_bad_input(call, match):
    index = EmbeddingIndex("l2").add(np.eye(3))
    with pytest.raises(ValueError, match=match):
        call(index)


def test_unknown_metric():
    with pytest.raises(ValueError, match="metric='hamming' must be one of"):
        EmbeddingIndex("hamming")


@pytest.mark.parametrize(
    ("ids", "match"),
    [
        (
            [1, "a"],
            r"ids must be all integers or all strings; ids\[0\]=1 is an integer and "
            r"ids\[1\]='a' a string",
        ),
        (["a", np.int64(2)], r"ids\[1\]=2 is an integer and ids\[0\]='a' a string"),
        ([1.0, 2.0], r"ids\[0\]=1.0 \(float\) is not an id"),
        ([True, False], r"ids\[0\]=True \(bool\) is not an id"),
        ([None, 1], r"ids\[0\]=None \(NoneType\) is not an id"),
        ("ab", "single string 'ab'"),
        (5, "ids must be a list of ids"),
        ([2**70, 1], "must fit in int64"),
    ],
)
def test_add_refuses_mixed_or_non_id_ids(ids, match):
    """Issue 17: ``add(V, ids=[1, "a"])`` used to store ``['1', 'a']`` silently; mixed kinds,
    floats, bools, None and a bare string are refused with the argument named."""
    index = EmbeddingIndex("l2")
    with pytest.raises(LinmlInputError, match=match):
        index.add(np.eye(2), ids=ids)
    assert len(index) == 0  # nothing half-added


def test_add_keeps_numpy_ids_of_one_kind():
    """NumPy integer and string ids are plain ids of their kind (no spurious refusal)."""
    ints = EmbeddingIndex("l2").add(np.eye(2), ids=np.array([7, 9], dtype=np.int32))
    assert ints.ids.dtype == np.int64 and ints.ids.tolist() == [7, 9]
    strs = EmbeddingIndex("l2").add(np.eye(2), ids=np.array(["x", "y"]))
    assert strs.ids.tolist() == ["x", "y"] and strs.get([np.str_("y")]).tolist() == [[0, 1]]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda ix: ix.remove(["1"]), r"ids\[0\]='1' is a string, but this index holds integer"),
        (lambda ix: ix.remove(1), "ids must be a list of ids"),
        (lambda ix: ix.get([0, 1.5]), r"ids\[1\]=1.5 \(float\) is not an id"),
        (
            lambda ix: ix.search(np.ones(3), k=1, exclude=[["0"]]),
            r"exclude\[0\]\[0\]='0' is a string, but this index holds integer ids",
        ),
        (lambda ix: ix.search(np.ones(3), k=1, exclude=[0]), r"exclude\[0\] must be a list"),
        (lambda ix: ix.search(np.ones(3), k=1, exclude="0"), "exclude must be a list of id lists"),
        (lambda ix: ix.most_similar(positive=["0"]), r"positive\[0\]='0' is a string"),
        (lambda ix: ix.most_similar(positive=[0], negative=[[1]]), r"negative\[0\]=\[1\]"),
        (lambda ix: ix.most_similar(positive="king"), "single string 'king'"),
    ],
)
def test_lookups_with_wrong_typed_ids_say_so(call, match):
    """Issue 17: remove/get/search-by-id name the argument and the index's id kind."""
    index = EmbeddingIndex("l2").add(np.eye(3))
    with pytest.raises(LinmlInputError, match=match):
        call(index)
    assert len(index) == 3


def test_string_index_refuses_integer_lookup():
    index = EmbeddingIndex("cosine").add(np.eye(2), ids=["a", "b"])
    with pytest.raises(
        LinmlInputError, match=r"ids\[0\]=0 is an integer, but this index holds string"
    ):
        index.remove([0])


def test_default_ids_are_refused_by_an_index_of_string_ids():
    index = EmbeddingIndex("l2").add(np.eye(2), ids=["a", "b"])
    with pytest.raises(LinmlInputError, match="holds string ids; pass ids="):
        index.add(np.ones((1, 2)))
    assert index.ids.tolist() == ["a", "b"]  # nothing was added


# ---------------------------------------------------------------- tiled, threaded scan (issue 19)
def _oracle_topk(Q, X, bias, k):
    """Top-k of s = Q Xᵀ + bias by a stable argsort of the full score matrix (lower row first)."""
    s = Q.astype(np.float64) @ X.astype(np.float64).T + bias.astype(np.float64)
    order = np.argsort(-s, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(s, order, 1), order


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_workers", [1, 2, 3])
@pytest.mark.parametrize("k", [1, 10, 150])
def test_tiled_scan_equals_full_argsort(dtype, n_workers, k):
    """Any tile shape and worker count gives the argsort answer; k > a worker's share of rows
    (k=150 with 2–3 workers over 200 rows) still merges to the exact top-k."""
    from linml.neighbors.embedding_index import _exact_topk

    rng = np.random.default_rng(k + n_workers)
    X = rng.normal(size=(200, 12)).astype(dtype)
    Q = rng.normal(size=(9, 12)).astype(dtype)
    bias = rng.normal(size=200).astype(dtype)
    # 900 entries per worker: tiles of 9 queries × 100 rows → 2 tiles
    val, idx = _exact_topk(Q, X, bias, k, 900 * X.itemsize * n_workers / 2**20, n_workers)
    ref_val, ref_idx = _oracle_topk(Q, X, bias, k)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(val, ref_val, rtol=tol, atol=tol)
    assert val.dtype == dtype and idx.dtype == np.int64
    if dtype == np.float64:
        np.testing.assert_array_equal(idx, ref_idx)


@pytest.mark.parametrize("n_workers", [1, 2])
def test_tiled_scan_ties_keep_the_lower_row(n_workers):
    """Rows with equal scores spread over tiles that different workers take: lower row first."""
    from linml.neighbors.embedding_index import _exact_topk

    X = np.tile(np.eye(3), (40, 1))  # rows j, j+3, j+6, … are equal
    Q = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    val, idx = _exact_topk(Q, X, np.zeros(120), 5, 8 * 2 * 7 * n_workers / 2**20, n_workers)
    np.testing.assert_array_equal(idx, [[0, 3, 6, 9, 12], [2, 5, 8, 11, 14]])
    np.testing.assert_array_equal(val, [[1.0] * 5, [2.0] * 5])


@pytest.mark.parametrize("metric", ["ip", "l2", "cosine"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_threaded_search_equals_one_thread(metric, dtype, monkeypatch):
    """A search large enough for the worker pool returns the ids and scores of the
    single-threaded scan, and leaves the BLAS thread setting as it found it."""
    from threadpoolctl import threadpool_info

    import linml.neighbors.embedding_index as ei

    rng = np.random.default_rng(3)
    X = rng.normal(size=(3000, 16)).astype(dtype)
    Q = rng.normal(size=(40, 16)).astype(dtype)
    index = EmbeddingIndex(metric, dtype=dtype, max_memory_mb=0.05).add(X)
    before = [p["num_threads"] for p in threadpool_info()]
    monkeypatch.setattr(ei, "_n_workers", lambda flops, nq: 2)
    two = index.search(Q, k=10)
    assert [p["num_threads"] for p in threadpool_info()] == before
    monkeypatch.setattr(ei, "_n_workers", lambda flops, nq: 1)
    one = index.search(Q, k=10)
    np.testing.assert_array_equal(two.indices, one.indices)
    np.testing.assert_array_equal(two.scores, one.scores)
    ref_scores, ref_idx = _brute(Q.astype(np.float64), X.astype(np.float64), metric, 10)
    tol = 1e-4 if dtype == np.float32 else 1e-9
    np.testing.assert_allclose(one.scores, ref_scores, rtol=tol, atol=tol)
    assert (one.indices == ref_idx).mean() > 0.99


def test_k_larger_than_the_index_is_refused():
    index = EmbeddingIndex("l2").add(np.eye(3))
    with pytest.raises(LinmlInputError, match=r"k=4 must be an integer in \[1, 3\]"):
        index.search(np.ones(3), k=4)


def test_worker_count_follows_the_blas_thread_limit():
    """threadpool_limits(1) means a one-thread scan; tiny or short scans never start threads."""
    from threadpoolctl import threadpool_limits

    from linml.neighbors.embedding_index import _n_workers

    assert _n_workers(1e3, 1000) == 1
    assert _n_workers(1e12, 16) == 1  # a short query block: BLAS's threads share the GEMM
    with threadpool_limits(1, user_api="blas"):
        assert _n_workers(1e12, 1000) == 1
