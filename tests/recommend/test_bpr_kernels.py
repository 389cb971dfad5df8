"""BPR kernels against their pure-NumPy/Python twins: the SGD step, the random stream, the
sampler with rejection, and a whole serial epoch replayed in Python."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from linml.recommend import _bpr_kernels as K

MASK = (1 << 64) - 1
RTOL = {np.float64: 1e-12, np.float32: 2e-5}  # float32: FMA contraction and reassociated dots


# ---------------------------------------------------------------- the twins (test oracles)
def next_state_ref(x: int) -> tuple[int, int]:
    """xorshift64* (Vigna 2016) on Python ints."""
    x ^= x >> 12
    x ^= (x << 25) & MASK
    x ^= x >> 27
    return x, (x * 0x2545F4914F6CDD1D) & MASK


def below_ref(x: int, n: int) -> tuple[int, int]:
    x, out = next_state_ref(x)
    return x, ((out >> 32) * n) >> 32


def sgd_step_ref(P, Q, b, u, i, j, lr, reg, update_items=True):
    """One LearnBPR step: gradient ascent on ln sigma(x_uij) - reg/2 |theta|^2, in place."""
    x = float(P[u].astype(np.float64) @ (Q[i] - Q[j]).astype(np.float64)) + float(b[i] - b[j])
    z = 1.0 / (1.0 + np.exp(x))  # sigma(-x)
    pu, qi, qj = P[u].copy(), Q[i].copy(), Q[j].copy()
    P[u] = pu + lr * (z * (qi - qj) - reg * pu)
    if update_items:
        Q[i] = qi + lr * (z * pu - reg * qi)
        Q[j] = qj + lr * (-z * pu - reg * qj)
        b[i] += lr * (z - reg * b[i])
        b[j] += lr * (-z - reg * b[j])
    return x


def epoch_ref(indptr, indices, rows, P, Q, b, lr, reg, n_samples, states, popularity, verify):
    """A serial epoch in Python: the same streams, draws and rejections as the kernel.

    Returns the triples stepped, per chunk stats (loss, correct, drawn, skipped)."""
    nnz, n_items = indices.shape[0], Q.shape[0]
    n_chunks = len(states)
    triples, stats = [], np.zeros((n_chunks, 4))
    for c in range(n_chunks):
        x_state = int(states[c])
        size = n_samples // n_chunks + (1 if c < n_samples % n_chunks else 0)
        for _ in range(size):
            x_state, e = below_ref(x_state, nnz)
            u, i = int(rows[e]), int(indices[e])
            row = set(indices[indptr[u] : indptr[u + 1]].tolist())
            if verify and len(row) >= n_items:
                stats[c, 3] += 1
                continue
            j = -1
            for _t in range(K._MAX_TRIES):
                if popularity:
                    x_state, e2 = below_ref(x_state, nnz)
                    cand = int(indices[e2])
                else:
                    x_state, cand = below_ref(x_state, n_items)
                if cand == i or (verify and cand in row):
                    continue
                j = cand
                break
            if j < 0:
                stats[c, 3] += 1
                continue
            x = sgd_step_ref(P, Q, b, u, i, j, lr, reg)
            triples.append((u, i, j))
            stats[c, 0] += np.logaddexp(0.0, -x)  # -ln sigma(x)
            stats[c, 1] += x > 0
            stats[c, 2] += 1
        states[c] = x_state
    return triples, stats


def random_csr(n_users, n_items, density, seed):
    M = sp.random(n_users, n_items, density=density, format="csr", random_state=seed)
    M.data[:] = 1.0
    M.sort_indices()
    return M


def csr_arrays(M):
    rows = np.repeat(np.arange(M.shape[0]), np.diff(M.indptr)).astype(np.int32)
    return M.indptr.astype(np.int64), M.indices.astype(np.int32), rows


# ---------------------------------------------------------------- tests
@given(seed=st.integers(1, 2**63 - 1), n=st.integers(1, 2**31))
@settings(max_examples=50, deadline=None)
def test_random_stream_equals_python_twin(seed, n):
    """The compiled xorshift64* and the bounded draw replay exactly in Python (integers)."""
    x_nb, x_py = np.uint64(seed), seed
    for _ in range(5):
        x_nb, v_nb = K.below(np.uint64(x_nb), n)  # the kernels keep states in uint64 arrays
        x_py, v_py = below_ref(x_py, n)
        assert int(x_nb) == x_py and int(v_nb) == v_py
        assert 0 <= v_py < n


@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 12),
    scale=st.floats(0.01, 3.0),
    lr=st.floats(1e-4, 0.5),
    reg=st.floats(0.0, 0.5),
    update_items=st.booleans(),
    dtype=st.sampled_from([np.float64, np.float32]),
)
@settings(max_examples=60, deadline=None)
def test_sgd_step_equals_numpy_twin(seed, k, scale, lr, reg, update_items, dtype):
    """One compiled LearnBPR step = the NumPy step, for random factors, rates and dtypes."""
    rng = np.random.default_rng(seed)
    P = (rng.standard_normal((3, k)) * scale).astype(dtype)
    Q = (rng.standard_normal((4, k)) * scale).astype(dtype)
    b = (rng.standard_normal(4) * scale).astype(dtype)
    Pr, Qr, br = P.astype(np.float64), Q.astype(np.float64), b.astype(np.float64)
    u, i, j = int(rng.integers(3)), 1, 3
    tmp = np.empty(1, dtype=dtype)
    x, sig = K.sgd_step(P, Q, b, u, i, j, dtype(lr), dtype(reg), update_items, tmp)
    x_ref = sgd_step_ref(Pr, Qr, br, u, i, j, lr, reg, update_items)
    rtol = RTOL[dtype]
    atol = rtol * scale * 10
    # x is a k-term dot product of entries ~scale^2, summed in the factors' dtype
    assert x == pytest.approx(x_ref, rel=rtol * 10, abs=rtol * 10 * k * (scale**2 + scale))
    assert sig == pytest.approx(1.0 / (1.0 + np.exp(-x)), rel=1e-12)  # sigma(x) of that x
    np.testing.assert_allclose(P, Pr, rtol=rtol, atol=atol)
    np.testing.assert_allclose(Q, Qr, rtol=rtol, atol=atol)
    np.testing.assert_allclose(b, br, rtol=rtol, atol=atol)


@pytest.mark.parametrize("x", [-800.0, -30.0, -1.0, 0.0, 2.5, 40.0, 800.0])
def test_loss_term_is_stable(x):
    """-ln sigma(x) without overflow, equal to logaddexp(0, -x)."""
    assert K.bpr_loss_term(x) == pytest.approx(np.logaddexp(0.0, -x), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("popularity", [False, True])
@pytest.mark.parametrize("verify", [True, False])
@pytest.mark.parametrize("seed", [0, 1])
def test_serial_epoch_equals_python_replay(popularity, verify, seed):
    """A whole serial epoch (3 chunks) equals its Python replay: same streams, triples, steps;
    and with verification no replayed negative is a positive of its user."""
    M = random_csr(12, 9, 0.3, seed)
    indptr, indices, rows = csr_arrays(M)
    rng = np.random.default_rng(seed)
    P = rng.standard_normal((12, 4)) * 0.3
    Q = rng.standard_normal((9, 4)) * 0.3
    b = rng.standard_normal(9) * 0.1
    states = np.array([11, 2**40 + 3, 987654321], dtype=np.uint64)
    Pr, Qr, br, states_ref = P.copy(), Q.copy(), b.copy(), [int(s) for s in states]
    stats = np.zeros((3, 4))
    args = (indptr, indices, rows, P, Q, b, 0.1, 0.02, 50, states, popularity, verify, True, stats)
    K.bpr_epoch_serial(*args)
    triples, stats_ref = epoch_ref(
        indptr, indices, rows, Pr, Qr, br, 0.1, 0.02, 50, states_ref, popularity, verify
    )
    assert [int(s) for s in states] == states_ref
    np.testing.assert_allclose(stats, stats_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(P, Pr, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(Q, Qr, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(b, br, rtol=1e-12, atol=1e-13)
    assert len(triples) > 0
    if verify:
        dense = M.toarray() > 0
        assert not any(dense[u, j] for u, i, j in triples)
        assert all(dense[u, i] for u, i, j in triples)


@pytest.mark.parametrize("verify", [True, False])
def test_uniform_negatives_are_never_positives(verify):
    """All users share the positives A = items 0..9 of 30. With P = Q = 0, reg = 0 and a tiny
    learning rate, every step moves b_i up and b_j down by lr * 1/2 (+ O(lr^2)), so the items
    outside A sum to -lr/2 * #steps exactly when no negative fell in A. Without verification
    about a third of the negatives are in A, and the sum is visibly short."""
    n_users, n_items, lr = 20, 30, 1e-7
    M = sp.csr_matrix(np.hstack([np.ones((n_users, 10)), np.zeros((n_users, 20))]))
    indptr, indices, rows = csr_arrays(M)
    P, Q, b = np.zeros((n_users, 3)), np.zeros((n_items, 3)), np.zeros(n_items)
    states = np.array([5, 77], dtype=np.uint64)
    stats = np.zeros((2, 4))
    args = (indptr, indices, rows, P, Q, b, lr, 0.0, 4000, states, False, verify, True, stats)
    K.bpr_epoch_serial(*args)
    steps = stats[:, K.DRAWN].sum()
    assert steps == pytest.approx(4000, abs=0.5)  # no triple skipped
    outside = b[10:].sum()
    if verify:
        assert outside == pytest.approx(-0.5 * lr * steps, rel=1e-5)
        assert (b[10:] < 0).all() and (b[:10] > 0).all()
    else:
        assert outside > -0.5 * lr * steps * 0.8  # ~1/3 of the negatives were positives
    np.testing.assert_allclose(P, 0.0, atol=0)  # zero factors have a zero gradient
    np.testing.assert_allclose(Q, 0.0, atol=0)


def test_popularity_negatives_are_rejected_when_all_popular_items_are_positive():
    """Popularity draws only ever hit items of A (the only items with interactions), all of
    them positives: with verification every triple is skipped and nothing moves."""
    M = sp.csr_matrix(np.hstack([np.ones((6, 4)), np.zeros((6, 5))]))
    indptr, indices, rows = csr_arrays(M)
    P = np.full((6, 2), 0.5)
    Q, b = np.full((9, 2), 0.5), np.zeros(9)
    stats = np.zeros((1, 4))
    states = np.array([9], dtype=np.uint64)
    args = (indptr, indices, rows, P, Q, b, 0.1, 0.0, 100, states, True, True, True, stats)
    K.bpr_epoch_serial(*args)
    assert stats[0, K.SKIPPED] == pytest.approx(100, abs=0.5)
    assert stats[0, K.DRAWN] == pytest.approx(0, abs=0.5)
    np.testing.assert_allclose(b, 0.0, atol=0)


def test_row_contains_binary_search():
    """Binary search in a sorted row slice equals membership, at both ends and in gaps."""
    indices = np.array([9, 1, 4, 7, 12, 30, 2], dtype=np.int32)  # row = indices[1:6]
    for j in range(0, 35):
        assert K.row_contains(indices, 1, 6, j) == (j in (1, 4, 7, 12, 30))
    assert not K.row_contains(indices, 3, 3, 7)  # empty row


def test_parallel_epoch_same_samples_statistics():
    """The Hogwild epoch draws the same number of triples (per chunk streams) and lowers the
    loss like the serial one; it is not required to be bitwise equal."""
    M = random_csr(200, 50, 0.1, 3)
    indptr, indices, rows = csr_arrays(M)
    rng = np.random.default_rng(0)
    P0 = (rng.standard_normal((200, 8)) * 0.1).astype(np.float32)
    Q0 = (rng.standard_normal((50, 8)) * 0.1).astype(np.float32)
    losses = {}
    for name, kernel in [("serial", K.bpr_epoch_serial), ("parallel", K.bpr_epoch_parallel)]:
        P, Q, b = P0.copy(), Q0.copy(), np.zeros(50, np.float32)
        states = np.array([1, 2, 3, 4], dtype=np.uint64)
        trace = []
        for _ in range(15):
            stats = np.zeros((4, 4))
            lr, reg = np.float32(0.1), np.float32(0.01)
            kernel(indptr, indices, rows, P, Q, b, lr, reg, M.nnz, states, False, True, True, stats)
            assert stats[:, K.DRAWN].sum() + stats[:, K.SKIPPED].sum() == pytest.approx(M.nnz)
            trace.append(stats[:, K.LOSS].sum() / stats[:, K.DRAWN].sum())
        losses[name] = trace
        assert trace[-1] < trace[0] - 0.1
    assert losses["parallel"][-1] == pytest.approx(losses["serial"][-1], abs=0.05)
