"""PageRank against networkx, with dangling nodes and personalization."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from linml import NumericalWarning
from linml.graph import pagerank


def _random_digraph(n, p, seed, dangling=True):
    rng = np.random.default_rng(seed)
    A = (rng.random((n, n)) < p).astype(float) * rng.uniform(0.5, 2.0, (n, n))
    np.fill_diagonal(A, 0.0)
    if dangling:
        A[: max(1, n // 10)] = 0.0  # some nodes without out-links
    return A


def _nx_scores(A, **kw):
    G = nx.from_numpy_array(A, create_using=nx.DiGraph)
    scores = nx.pagerank(G, tol=1e-15, max_iter=10000, **kw)
    return np.array([scores[i] for i in range(A.shape[0])])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_networkx_with_dangling_nodes(seed):
    A = _random_digraph(60, 0.08, seed)
    ours = pagerank(sp.csr_matrix(A), tol=1e-14)
    assert ours.converged
    np.testing.assert_allclose(ours.scores, _nx_scores(A), atol=1e-8, rtol=0)


def test_matches_networkx_personalized():
    A = _random_digraph(40, 0.1, 7)
    v = np.arange(1, 41, dtype=float)
    ours = pagerank(A, damping=0.7, personalization=v, tol=1e-14)
    theirs = _nx_scores(A, alpha=0.7, personalization={i: v[i] for i in range(40)})
    np.testing.assert_allclose(ours.scores, theirs, atol=1e-8, rtol=0)


@given(st.integers(2, 30), st.floats(0.0, 0.95), st.integers(0, 10_000))
def test_scores_are_a_distribution_and_a_fixed_point(n, damping, seed):
    A = _random_digraph(n, 0.2, seed)
    r = pagerank(A, damping=damping, tol=1e-13)
    assert r.scores.min() >= 0
    np.testing.assert_allclose(r.scores.sum(), 1.0, rtol=1e-12)
    # fixed point of x = α (Pᵀx + (dᵀx) v) + (1 − α) v
    out = A.sum(axis=1)
    P = np.divide(A, out[:, None], out=np.zeros_like(A), where=out[:, None] > 0)
    v = np.full(n, 1.0 / n)
    x = r.scores
    x_next = damping * (P.T @ x + x[out == 0].sum() * v) + (1 - damping) * v
    np.testing.assert_allclose(x_next, x, atol=1e-10)


def test_iterations_follow_the_damping_rate():
    A = _random_digraph(200, 0.05, 3)
    r = pagerank(A, damping=0.85, tol=1e-10)
    # the error contracts by at most α per step: log(tol)/log(α) ≈ 142 is an upper bound
    assert r.n_iter <= int(np.ceil(np.log(1e-10) / np.log(0.85))) + 5


def test_not_converged_warns():
    A = _random_digraph(50, 0.1, 0)
    with pytest.warns(NumericalWarning, match="did not converge in 3 iterations"):
        r = pagerank(A, max_iter=3, tol=1e-15)
    assert not r.converged and r.n_iter == 3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"damping": 1.0}, r"damping=1.0 must be a number in \[0, 1\)"),
        ({"personalization": [1.0, 2.0]}, "one entry per node"),
        ({"personalization": [0.0, 0.0, 0.0]}, "not all zero"),
        ({"tol": 0.0}, r"tol=0.0 must be a number in \(0, inf\), finite"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pagerank(np.ones((3, 3)), **kwargs)


def test_negative_weights_rejected():
    with pytest.raises(ValueError, match="negative weights"):
        pagerank(-np.ones((2, 2)))


def test_non_square_rejected():
    with pytest.raises(ValueError, match=r"must be square .* got shape \(2, 3\)"):
        pagerank(np.ones((2, 3)))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_iter": -1}, r"max_iter=-1 must be an integer in \[1, inf\)"),
        ({"damping": "0.85"}, r"damping='0.85' must be a number in \[0, 1\)"),
        ({"tol": float("inf")}, r"tol=inf must be a number in \(0, inf\), finite"),
    ],
)
def test_bad_parameters_named(kwargs, match):
    """Issue 17: max_iter=-1 was accepted and damping='0.85' raised a raw TypeError."""
    with pytest.raises(ValueError, match=match):
        pagerank(np.ones((3, 3)), **kwargs)


@pytest.mark.parametrize("scale", [1e307, 1e-310])
def test_scores_invariant_under_extreme_weight_scale(scale):
    """Issue 17: pagerank(A·1e-310) was all NaN; P = D⁻¹A does not depend on the scale."""
    A = np.array([[0, 1, 1], [0, 0, 1], [1, 0, 0]], dtype=float)
    np.testing.assert_allclose(pagerank(A * scale).scores, pagerank(A).scores, rtol=1e-10)


def test_negative_edge_weights_rejected_at_construction():
    """Issue 17: adjacency_from_edges accepted negative weights no graph function can use."""
    from linml.graph import adjacency_from_edges

    with pytest.raises(ValueError, match=r"weights\[1\]=-2 is negative"):
        adjacency_from_edges([(0, 1), (1, 2)], weights=[1.0, -2.0])
