"""IVFIndex: exact at nprobe=nlist, recall monotone in nprobe, add/remove, save/load, bad input."""

import itertools

import numpy as np
import pytest

from linml.exceptions import LinmlInputError
from linml.neighbors import EmbeddingIndex, IVFIndex

METRICS = ["cosine", "ip", "l2"]


def _clustered(n=3000, d=16, centers=20, seed=0, dtype=np.float64):
    """Gaussian blobs: the data IVF is made for (cells follow the blobs)."""
    rng = np.random.default_rng(seed)
    C = rng.normal(size=(centers, d)) * 3
    X = C[rng.integers(0, centers, size=n)] + rng.normal(size=(n, d))
    return X.astype(dtype)


@pytest.fixture(scope="module")
def data():
    X = _clustered()
    rng = np.random.default_rng(1)
    Q = X[rng.choice(len(X), 40, replace=False)] + 0.1 * rng.normal(size=(40, X.shape[1]))
    return X, Q


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("nq", [5, 200])  # query-major and list-major scans
def test_nprobe_nlist_equals_exact_search(data, metric, nq):
    X, _ = data
    Q = np.random.default_rng(2).normal(size=(nq, X.shape[1])) * 3
    ivf = IVFIndex(metric, nlist=16, random_state=0, dtype=np.float64).add(X)
    exact = EmbeddingIndex(metric, dtype=np.float64).add(X)
    got, want = ivf.search(Q, k=7, nprobe=16), exact.search(Q, k=7)
    np.testing.assert_allclose(got.scores, want.scores, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(got.ids, want.ids)


@pytest.mark.parametrize("metric", METRICS)
def test_float32_nprobe_nlist_matches_exact_within_tolerance(data, metric):
    X, Q = data
    X32, Q32 = X.astype(np.float32), Q.astype(np.float32)
    got = IVFIndex(metric, nlist=8, random_state=0).add(X32).search(Q32, k=5, nprobe=8)
    want = EmbeddingIndex(metric).add(X32).search(Q32, k=5)
    np.testing.assert_allclose(got.scores, want.scores, rtol=1e-4, atol=1e-4)
    assert (got.ids == want.ids).mean() > 0.99  # float32 near-ties may swap


@pytest.mark.parametrize("metric", METRICS)
def test_recall_monotone_in_nprobe(data, metric):
    X, Q = data
    ivf = IVFIndex(metric, nlist=32, random_state=0).add(X)
    recalls = [ivf.recall(k=10, nprobe=p, queries=Q) for p in (1, 2, 4, 8, 16, 32)]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(recalls)), recalls
    assert recalls[-1] == pytest.approx(1.0, abs=1e-12)
    assert recalls[0] < 1.0  # one cell of 32 misses neighbours: the test can fail


def test_recall_on_stored_sample_is_deterministic(data):
    X, _ = data
    ivf = IVFIndex("cosine", nlist=32, random_state=3).add(X)
    assert ivf.recall(10, 4, sample=100) == pytest.approx(ivf.recall(10, 4, sample=100), abs=0)
    assert 0.0 < ivf.recall(10, 4, sample=100) <= 1.0


def test_results_are_in_probed_cells_and_sorted(data):
    X, Q = data
    ivf = IVFIndex("l2", nlist=16, random_state=0).add(X)
    res = ivf.search(Q, k=5, nprobe=2)
    assert np.all(np.diff(res.scores, axis=1) >= 0)  # distances ascending
    cell_of_row = np.repeat(np.arange(16), ivf.list_sizes)
    S = (2 * Q) @ ivf.centroids_.T - np.sum(ivf.centroids_**2, axis=1)
    probed = np.argsort(-S, axis=1)[:, :2]
    for i in range(len(Q)):
        assert set(cell_of_row[res.indices[i]]) <= set(probed[i])
    # distances are true distances to the returned stored vectors
    D = np.linalg.norm(
        Q[:, None, :] - ivf.get(res.ids.ravel().tolist()).reshape(*res.ids.shape, -1), axis=2
    )
    np.testing.assert_allclose(res.scores, D, rtol=1e-4, atol=1e-4)


def test_layout_is_contiguous_and_assignment_is_nearest_centroid(data):
    X, _ = data
    ivf = IVFIndex("l2", nlist=12, random_state=0, dtype=np.float64).add(X)
    assert ivf.offsets_[0] == 0 and ivf.offsets_[-1] == len(X)
    cell_of_row = np.repeat(np.arange(12), ivf.list_sizes)
    Xs = ivf.get(ivf.ids.tolist())
    d2 = ((Xs[:, None, :] - ivf.centroids_[None]) ** 2).sum(axis=2)
    np.testing.assert_array_equal(cell_of_row, np.argmin(d2, axis=1))
    np.testing.assert_allclose(Xs[np.argsort(ivf.ids)], X, rtol=0, atol=0)


def test_spherical_centroids_are_unit(data):
    X, _ = data
    for metric in ("cosine", "ip"):
        C = IVFIndex(metric, nlist=8, random_state=0).add(X).centroids_
        np.testing.assert_allclose(np.linalg.norm(C, axis=1), 1.0, rtol=1e-5)


def test_add_after_train_and_incremental_add_match_one_add(data):
    X, Q = data
    one = IVFIndex("ip", nlist=16, random_state=0, dtype=np.float64).train(X).add(X)
    two = IVFIndex("ip", nlist=16, random_state=0, dtype=np.float64).train(X)
    two.add(X[:1000]).add(X[1000:])
    a, b = one.search(Q, 6, nprobe=3), two.search(Q, 6, nprobe=3)
    np.testing.assert_array_equal(a.ids, b.ids)
    np.testing.assert_allclose(a.scores, b.scores, rtol=1e-12, atol=1e-12)
    assert len(two) == len(X) and two.ids.size == len(X)


def test_train_subsamples_and_retrain_rebuckets(data):
    X, Q = data
    ivf = IVFIndex("l2", nlist=8, train_size=100, random_state=0).add(X)
    assert len(ivf) == len(X) and ivf.list_sizes.sum() == len(X)
    ivf.train(X[::2])  # reassigns the stored rows to the new cells
    assert ivf.list_sizes.sum() == len(X)
    exact = EmbeddingIndex("l2").add(X.astype(np.float32))
    np.testing.assert_array_equal(ivf.search(Q, 3, nprobe=8).ids, exact.search(Q, 3).ids)


def test_remove(data):
    X, Q = data
    ivf = IVFIndex("cosine", nlist=16, random_state=0, dtype=np.float64).add(X)
    gone = list(range(0, len(X), 3))
    ivf.remove(gone)
    keep = np.setdiff1d(np.arange(len(X)), gone)
    assert len(ivf) == keep.size and ivf.list_sizes.sum() == keep.size
    assert 0 not in ivf and 1 in ivf
    exact = EmbeddingIndex("cosine", dtype=np.float64).add(X[keep], ids=keep.tolist())
    got, want = ivf.search(Q, 5, nprobe=16), exact.search(Q, 5)
    np.testing.assert_array_equal(got.ids, want.ids)
    np.testing.assert_allclose(got.scores, want.scores, rtol=1e-10, atol=1e-10)
    with pytest.raises(LinmlInputError, match="id 0 is not in the index"):
        ivf.remove([0])


def test_string_ids(data):
    X, _ = data
    names = [f"w{i}" for i in range(len(X))]
    ivf = IVFIndex("cosine", nlist=8, random_state=0).add(X, ids=names)
    assert ivf.search(X[5], k=1, nprobe=8).ids[0, 0] == "w5"
    with pytest.raises(LinmlInputError, match="string ids; pass ids="):
        ivf.add(X[:1])


@pytest.mark.parametrize("metric", METRICS)
def test_save_load_round_trip(tmp_path, data, metric):
    X, Q = data
    ivf = IVFIndex(metric, nlist=16, nprobe=3, random_state=0).add(X)
    ivf.remove([1, 2, 3])
    ivf.save(tmp_path / "ivf.npz")
    back = IVFIndex.load(tmp_path / "ivf.npz")
    a, b = ivf.search(Q, 5), back.search(Q, 5)
    np.testing.assert_array_equal(a.ids, b.ids)
    np.testing.assert_array_equal(a.scores, b.scores)
    assert (back.metric, back.nlist, back.nprobe, len(back)) == (metric, 16, 3, len(X) - 3)


def _rewrite(path, **changes):
    with np.load(path) as npz:
        payload = {k: npz[k] for k in npz.files}
    payload.update(changes)
    np.savez(path, **payload)
    return payload


def test_tampered_or_corrupt_file_refused(tmp_path, data):
    X, _ = data
    path = tmp_path / "ivf.npz"
    ivf = IVFIndex("l2", nlist=8, random_state=0).add(X[:500])
    ivf.save(path)
    payload = _rewrite(path)
    _rewrite(path, vectors=payload["vectors"] * 2)
    with pytest.raises(LinmlInputError, match="checksum mismatch"):
        IVFIndex.load(path)
    offsets = payload["offsets"].copy()
    offsets[3] += 1  # moves one row into another cell
    _rewrite(path, vectors=payload["vectors"], offsets=offsets)
    with pytest.raises(LinmlInputError, match="checksum mismatch"):
        IVFIndex.load(path)
    _rewrite(path, offsets=payload["offsets"][::-1].copy())
    with pytest.raises(LinmlInputError, match="offsets are not a partition"):
        IVFIndex.load(path)
    _rewrite(path, offsets=payload["offsets"], centroids=payload["centroids"][:4])
    with pytest.raises(LinmlInputError, match=r"inconsistent .*centroids"):
        IVFIndex.load(path)
    EmbeddingIndex("l2").add(X[:5]).save(path)
    with pytest.raises(LinmlInputError, match="not a linml IVF index"):
        IVFIndex.load(path)
    path.write_bytes(b"garbage")
    with pytest.raises(LinmlInputError, match="cannot load"):
        IVFIndex.load(path)


def test_stats_and_explain(data):
    X, _ = data
    ivf = IVFIndex("cosine", nlist=16, nprobe=4, random_state=0).add(X)
    st = ivf.stats()
    sizes = ivf.list_sizes.astype(float)
    assert st["imbalance"] == pytest.approx(16 * np.sum(sizes**2) / np.sum(sizes) ** 2, rel=1e-12)
    assert st["imbalance"] >= 1.0 - 1e-12  # Cauchy–Schwarz
    assert st["expected_candidates"] == pytest.approx(4 * np.sum(sizes**2) / len(X), rel=1e-12)
    assert st["list_size_min"] <= st["list_size_median"] <= st["list_size_max"]
    exp = ivf.explain()
    names = [f.name for f in exp.facts]
    assert "imbalance" in names and "expected candidates" in names
    assert "IVFIndex (cosine, nlist=16)" in str(exp)


def test_equal_cells_have_imbalance_one():
    """Closed form: 4 well-separated blobs of 50 rows, nlist=4 → every cell holds 50."""
    rng = np.random.default_rng(0)
    C = np.eye(4) * 100
    X = np.repeat(C, 50, axis=0) + rng.normal(size=(200, 4)) * 0.01
    ivf = IVFIndex("l2", nlist=4, random_state=0).add(X)
    np.testing.assert_array_equal(np.sort(ivf.list_sizes), [50, 50, 50, 50])
    assert ivf.stats()["imbalance"] == pytest.approx(1.0, abs=1e-12)


def test_too_few_candidates_warns():
    rng = np.random.default_rng(0)
    X = np.repeat(np.eye(4) * 100, 5, axis=0) + rng.normal(size=(20, 4)) * 0.01
    ivf = IVFIndex("l2", nlist=4, random_state=0).add(X)
    with pytest.warns(UserWarning, match="fewer than k=8"):
        res = ivf.search(X[:1], k=8, nprobe=1)
    assert (res.indices[0, 5:] == -1).all() and (res.ids[0, 5:] == -1).all()
    assert np.isinf(res.scores[0, 5:]).all()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda ix: ix.search(np.ones((1, 4)), k=301), r"k=301 must be an integer in \[1, 300\]"),
        (
            lambda ix: ix.search(np.ones((1, 4)), k=1, nprobe=9),
            r"nprobe=9 must be .*\[1, nlist=8\]",
        ),
        (lambda ix: ix.search(np.ones((1, 4)), k=1, nprobe=0), r"nprobe=0 must be"),
        (lambda ix: ix.search(np.ones((1, 3)), k=1), "dimension 3 but the index holds 4"),
        (lambda ix: ix.add(np.ones((2, 5))), "dimension 5 but the index holds 4"),
        (lambda ix: ix.search(np.array([[np.nan, 0, 0, 0]]), k=1), "NaN at row 0, column 0"),
        (lambda ix: ix.add(np.array([[0, 0, np.inf, 0]])), "inf at row 0, column 2"),
        (lambda ix: ix.add(np.ones((1, 4)), ids=[0]), "id 0 is already in the index"),
        (lambda ix: ix.add(np.ones((2, 4)), ids=[500, 500]), "id 500 is already in the index"),
        (lambda ix: ix.add(np.ones((1, 4)), ids=["a"]), "index holds integer ids"),
        (lambda ix: ix.remove([999]), "id 999 is not in the index"),
        (lambda ix: ix.stats(nprobe=20), r"nprobe=20 must be"),
    ],
)
def test_bad_input(call, match):
    X = np.random.default_rng(0).normal(size=(300, 4))
    index = IVFIndex("l2", nlist=8, random_state=0).add(X)
    with pytest.raises(LinmlInputError, match=match):
        call(index)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: IVFIndex("hamming"), "metric='hamming' must be one of"),
        (lambda: IVFIndex(nlist=0), "nlist=0 must be an integer >= 1"),
        (lambda: IVFIndex(nlist=4, nprobe=0), "nprobe=0 must be an integer >= 1"),
        (lambda: IVFIndex(nlist=4, train_size=2), "train_size=2 must be"),
        (lambda: IVFIndex(dtype=np.int32), "must be float32 or float64"),
        (lambda: IVFIndex(max_memory_mb=0), "max_memory_mb=0 must be > 0"),
    ],
)
def test_bad_parameters(make, match):
    with pytest.raises(LinmlInputError, match=match):
        make()


def test_search_before_add_or_train():
    with pytest.raises(LinmlInputError, match="the index is empty; add vectors first"):
        IVFIndex(nlist=4).search(np.ones((1, 3)), k=1)
    trained = IVFIndex(nlist=4, random_state=0).train(np.random.default_rng(0).normal(size=(20, 3)))
    with pytest.raises(LinmlInputError, match=r"train\(\) alone stores no vectors"):
        trained.search(np.ones((1, 3)), k=1)
    with pytest.raises(LinmlInputError, match="not trained"):
        IVFIndex(nlist=4).save("never.npz")


def test_nlist_larger_than_training_set():
    X = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(LinmlInputError, match="nlist=16 cells need at least 16 training vectors"):
        IVFIndex(nlist=16).add(X)
    with pytest.raises(LinmlInputError, match="sample has 10; lower nlist"):
        IVFIndex(nlist=16).train(X)
    with pytest.raises(LinmlInputError, match="NaN at row 1"):
        IVFIndex(nlist=2).train(np.array([[0.0, 1.0], [np.nan, 1.0], [1.0, 1.0]]))


def test_default_nprobe_is_capped_at_nlist(data):
    """nprobe=8 (the default) with nlist=4 scans all cells: exact results, no error."""
    X, Q = data
    ivf = IVFIndex("ip", nlist=4, random_state=0, dtype=np.float64).add(X)
    assert ivf.stats()["nprobe"] == 4
    want = EmbeddingIndex("ip", dtype=np.float64).add(X).search(Q, 3)
    np.testing.assert_array_equal(ivf.search(Q, 3).ids, want.ids)


@pytest.mark.parametrize("metric", METRICS)
def test_query_major_and_list_major_scans_agree(data, metric):
    """One query at a time (nq·nprobe/nlist < 0.5: query-major) = the batch (list-major)."""
    X, Q = data
    ivf = IVFIndex(metric, nlist=32, random_state=0, dtype=np.float64).add(X)
    batch = ivf.search(Q, k=6, nprobe=4)  # 40 · 4 / 32 = 5 queries per cell
    for i in range(0, len(Q), 7):
        one = ivf.search(Q[i], k=6, nprobe=4)  # 1 · 4 / 32 = 0.125
        np.testing.assert_array_equal(one.ids[0], batch.ids[i])
        np.testing.assert_allclose(one.scores[0], batch.scores[i], rtol=1e-12, atol=1e-12)


def test_small_memory_bound_gives_same_results(data):
    """max_memory_mb tiny: queries run in many blocks, results unchanged."""
    X, Q = data
    big = IVFIndex("l2", nlist=16, random_state=0, dtype=np.float64).add(X)
    small = IVFIndex("l2", nlist=16, random_state=0, dtype=np.float64, max_memory_mb=0.01).add(X)
    a, b = big.search(Q, 9, nprobe=5), small.search(Q, 9, nprobe=5)
    np.testing.assert_array_equal(a.ids, b.ids)
    np.testing.assert_allclose(a.scores, b.scores, rtol=1e-12, atol=1e-12)
