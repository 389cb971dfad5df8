"""The compiled IVF scans (query-major and list-major) against their NumPy twin."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linml.neighbors._ivf_kernels import (
    merge_parts,
    scan_list_major,
    scan_query_major,
    scan_reference,
    top_cells,
    top_cells_reference,
)

RTOL = {np.float32: 1e-5, np.float64: 1e-12}


def _problem(seed, n, d, nlist, nq, nprobe, dtype, ties=False):
    """Random rows split into ``nlist`` contiguous cells (some may be empty) and a probe table."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    if ties and n >= 4:
        X[1] = X[0]  # duplicated rows: equal scores, the lower row must come first
        X[3] = X[2]
    cuts = np.sort(rng.integers(0, n + 1, size=nlist - 1))
    offsets = np.concatenate([[0], cuts, [n]]).astype(np.int64)
    Q = rng.normal(size=(nq, d)).astype(dtype)
    bias = rng.normal(size=n).astype(dtype)
    probes = np.stack([rng.choice(nlist, size=nprobe, replace=False) for _ in range(nq)])
    return Q, X, bias, offsets, probes.astype(np.int64)


def _fresh(nq, k, dtype):
    return np.full((nq, k), -np.inf, dtype), np.full((nq, k), -1, np.int64)


def _list_major(Q, X, bias, offsets, probes, top_val, top_idx, n_parts=3):
    """Group the probe table by cell (CSR) as IVFIndex does, then run the list-major scan
    over ``n_parts`` ranges of cells (as with that many threads) and merge."""
    nlist = offsets.size - 1
    nq, k = top_val.shape
    flat = probes.ravel()
    cell_queries = (np.argsort(flat, kind="stable") // probes.shape[1]).astype(np.int64)
    cell_ptr = np.concatenate([[0], np.cumsum(np.bincount(flat, minlength=nlist))]).astype(np.int64)
    part_val = np.full((n_parts, nq, k), -np.inf, dtype=top_val.dtype)
    part_idx = np.full((n_parts, nq, k), -1, dtype=np.int64)
    scan_list_major(Q, X, bias, offsets, cell_ptr, cell_queries, part_val, part_idx)
    merge_parts(part_val, part_idx, top_val, top_idx)


def _check_same(got, ref, dtype):
    np.testing.assert_array_equal(got[1], ref[1])
    np.testing.assert_allclose(got[0], ref[0], rtol=RTOL[dtype], atol=RTOL[dtype] * 10)


@pytest.mark.parametrize("scan", [scan_query_major, _list_major], ids=["query", "list"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 5, 40])
def test_scan_matches_reference(scan, dtype, k):
    """Same top-k rows (ranking rule: score desc, row asc) and scores up to summation order."""
    Q, X, bias, offsets, probes = _problem(k, 300, 12, 10, 9, 4, dtype, ties=True)
    bias[:4] = 0.0  # keep the duplicated rows tied after the bias
    got, ref = _fresh(9, k, dtype), _fresh(9, k, dtype)
    scan(Q, X, bias, offsets, probes, *got)
    scan_reference(Q, X, bias, offsets, probes, *ref)
    _check_same(got, ref, dtype)


def test_tie_keeps_lower_row_first():
    """Two identical rows in different cells, visited in either order: the lower row wins."""
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    offsets = np.array([0, 1, 2, 3], dtype=np.int64)
    Q = np.array([[1.0, 0.0]])
    for probes in (np.array([[0, 2]]), np.array([[2, 0]])):
        for scan in (scan_query_major, _list_major):
            tv, ti = _fresh(1, 1, np.float64)
            scan(Q, X, np.zeros(3), offsets, probes, tv, ti)
            assert ti[0, 0] == 0 and tv[0, 0] == pytest.approx(1.0, abs=1e-15)


def test_too_few_candidates_leave_empty_slots():
    """Probed cells with fewer than k rows: the rest stays (−inf, −1), as in the twin."""
    Q, X, bias, offsets, probes = _problem(3, 20, 4, 5, 3, 1, np.float64)
    k = 25
    for scan in (scan_query_major, _list_major):
        got, ref = _fresh(3, k, np.float64), _fresh(3, k, np.float64)
        scan(Q, X, bias, offsets, probes, *got)
        scan_reference(Q, X, bias, offsets, probes, *ref)
        _check_same(got, ref, np.float64)
        assert (got[1] == -1).any() and np.isneginf(got[0][got[1] == -1]).all()


@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 120),
    d=st.integers(1, 9),
    nlist=st.integers(1, 12),
    nq=st.integers(1, 6),
    k=st.integers(1, 8),
    data=st.data(),
)
def test_scans_agree_with_twin_property(seed, n, d, nlist, nq, k, data):
    """Any partition into cells (empty ones included), any probe table: both scans = twin."""
    nprobe = data.draw(st.integers(1, nlist))
    Q, X, bias, offsets, probes = _problem(seed, n, d, nlist, nq, nprobe, np.float64)
    ref = _fresh(nq, k, np.float64)
    scan_reference(Q, X, bias, offsets, probes, *ref)
    for scan in (scan_query_major, _list_major):
        got = _fresh(nq, k, np.float64)
        scan(Q, X, bias, offsets, probes, *got)
        _check_same(got, ref, np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("nprobe", [1, 3, 17])
def test_top_cells_matches_reference(dtype, nprobe):
    """Partial selection of the best cells = full sort (score desc, cell asc), ties included."""
    rng = np.random.default_rng(nprobe)
    S = rng.normal(size=(11, 17)).astype(dtype)
    S[:, 4] = S[:, 9]  # ties between cells: the lower cell comes first
    got, ref = _fresh(11, nprobe, dtype), _fresh(11, nprobe, dtype)
    top_cells(S, *got)
    top_cells_reference(S, *ref)
    np.testing.assert_array_equal(got[1], ref[1])
    np.testing.assert_array_equal(got[0], ref[0])
    # the kept scores are the nprobe largest of each row (what argpartition would keep)
    np.testing.assert_array_equal(got[0], -np.sort(-S, axis=1)[:, :nprobe])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_list_major_many_queries_per_cell(dtype):
    """~40 queries per cell: the axpy form of the cell GEMM (>= 24 queries) against the twin."""
    Q, X, bias, offsets, probes = _problem(7, 400, 13, 5, 100, 2, dtype)
    assert np.bincount(probes.ravel(), minlength=5).min() >= 24
    got, ref = _fresh(100, 6, dtype), _fresh(100, 6, dtype)
    _list_major(Q, X, bias, offsets, probes, *got)
    scan_reference(Q, X, bias, offsets, probes, *ref)
    _check_same(got, ref, dtype)


@pytest.mark.parametrize("n_parts", [1, 2, 5, 12])
def test_list_major_result_does_not_depend_on_the_split(n_parts):
    """Any number of cell ranges (threads) gives the same top-k as the twin."""
    Q, X, bias, offsets, probes = _problem(11, 500, 7, 9, 30, 4, np.float64)
    got, ref = _fresh(30, 5, np.float64), _fresh(30, 5, np.float64)
    _list_major(Q, X, bias, offsets, probes, *got, n_parts=n_parts)
    scan_reference(Q, X, bias, offsets, probes, *ref)
    _check_same(got, ref, np.float64)
