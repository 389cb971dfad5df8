"""The compiled top-k merge against its NumPy twin."""

import numpy as np
import pytest

from linml.neighbors._kernels import topk_merge, topk_merge_reference, topk_merge_rows


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 3, 10])
def test_matches_reference_over_blocks(dtype, k):
    rng = np.random.default_rng(k)
    nq, n, block = 7, 50, 13
    S_all = rng.normal(size=(nq, n)).astype(dtype)
    S_all[:, 5] = S_all[:, 6]  # ties: the lower index must come first
    bias = rng.normal(size=n).astype(dtype)
    got = [np.full((nq, k), -np.inf, dtype), np.full((nq, k), -1, np.int64)]
    ref = [g.copy() for g in got]
    for start in range(0, n, block):
        S = np.ascontiguousarray(S_all[:, start : start + block])
        topk_merge(S, bias[start : start + block], start, *got)
        topk_merge_reference(S, bias[start : start + block], start, *ref)
    np.testing.assert_array_equal(got[1], ref[1])
    np.testing.assert_array_equal(got[0], ref[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 4, 20])
def test_serial_row_merge_matches_reference(dtype, k):
    """topk_merge_rows (one thread, no GIL, query rows from row_offset) ≡ the NumPy twin."""
    rng = np.random.default_rng(k)
    nq, n, block, q_block = 9, 40, 7, 4
    S_all = rng.normal(size=(nq, n)).astype(dtype)
    S_all[:, 10:14] = S_all[:, [3]]  # ties across blocks: the lower index must come first
    bias = np.zeros(n, dtype)
    got = [np.full((nq, k), -np.inf, dtype), np.full((nq, k), -1, np.int64)]
    ref = [g.copy() for g in got]
    for start in range(0, n, block):
        for qs in range(0, nq, q_block):
            S = np.ascontiguousarray(S_all[qs : qs + q_block, start : start + block])
            topk_merge_rows(S, bias[start : start + block], start, qs, *got)
        S = S_all[:, start : start + block]
        topk_merge_reference(S, bias[start : start + block], start, *ref)
    np.testing.assert_array_equal(got[1], ref[1])
    np.testing.assert_array_equal(got[0], ref[0])
