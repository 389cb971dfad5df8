"""Laplacians: closed forms, zero eigenvalues = components, the Fiedler cut, embeddings."""

import importlib

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph
from hypothesis import given
from hypothesis import strategies as st

from linml.graph import (
    adjacency_from_edges,
    connected_components,
    fiedler,
    knn_graph,
    laplacian,
    rbf_affinity,
    smallest_eigenpairs,
    spectral_embedding,
)


def _planted(sizes, p, seed):
    """Random graph whose components are exactly the planted blocks (each made connected)."""
    rng = np.random.default_rng(seed)
    edges, start = [], 0
    for size in sizes:
        nodes = np.arange(start, start + size)
        edges += [(nodes[i], nodes[i + 1]) for i in range(size - 1)]  # a spanning path
        for i in range(size):
            for j in range(i + 1, size):
                if rng.random() < p:
                    edges.append((nodes[i], nodes[j]))
        start += size
    return adjacency_from_edges(np.array(edges).reshape(-1, 2), n_nodes=start)


def test_path_graph_spectrum_closed_form():
    # eigenvalues of the path P_n's Laplacian: 2 − 2 cos(π k / n), k = 0..n−1
    n = 12
    A = adjacency_from_edges([(i, i + 1) for i in range(n - 1)])
    w, V = smallest_eigenpairs(laplacian(A), n)
    np.testing.assert_allclose(w, 2 - 2 * np.cos(np.pi * np.arange(n) / n), atol=1e-12)
    L = laplacian(A).toarray()
    np.testing.assert_allclose(L @ V, V * w, atol=1e-12)  # the residual check A V = V Λ


@pytest.mark.parametrize("kind", ["unnormalized", "symmetric", "random_walk"])
def test_matches_scipy_csgraph(kind):
    rng = np.random.default_rng(0)
    A = rng.random((8, 8))
    A = (A + A.T) * (rng.random((8, 8)) < 0.6)
    A = np.triu(A, 1) + np.triu(A, 1).T
    ours = laplacian(A, kind).toarray()
    if kind == "random_walk":
        d = A.sum(1)
        expected = np.eye(8) - A / d[:, None]
    else:
        expected = csgraph.laplacian(A, normed=kind == "symmetric")
    np.testing.assert_allclose(ours, expected, atol=1e-12)


@given(st.lists(st.integers(1, 12), min_size=1, max_size=5), st.integers(0, 10_000))
def test_zero_eigenvalues_count_planted_components(sizes, seed):
    A = _planted(sizes, 0.3, seed)
    result = connected_components(A)
    assert result.n_components == len(sizes)
    assert result.n_zero_eigenvalues == len(sizes)
    assert result.consistent


def test_components_on_a_large_sparse_graph_use_arpack(monkeypatch):
    module = importlib.import_module("linml.graph.laplacian")
    monkeypatch.setattr(module, "DENSE_LIMIT", 50)
    A = _planted([40, 30, 30], 0.2, 1)
    result = connected_components(A)
    assert (result.n_components, result.n_zero_eigenvalues) == (3, 3)


def test_isolated_nodes_are_components():
    A = adjacency_from_edges([(0, 1)], n_nodes=4)
    assert connected_components(A).n_components == 3


def test_fiedler_splits_the_barbell():
    G = nx.barbell_graph(10, 0)  # two K10 joined by one edge
    A = sp.csr_matrix(nx.to_scipy_sparse_array(G, dtype=float))
    r = fiedler(A)
    left = r.partition[:10]
    right = r.partition[10:]
    assert left.all() != right.all()
    assert len(set(left)) == 1 and len(set(right)) == 1
    assert r.value == pytest.approx(nx.algebraic_connectivity(G, tol=1e-12), rel=1e-8)


def test_fiedler_refuses_disconnected():
    with pytest.raises(ValueError, match="2 connected components"):
        fiedler(adjacency_from_edges([(0, 1), (2, 3)]))


def test_spectral_embedding_is_constant_on_components():
    A = _planted([6, 9], 0.5, 3)
    E = spectral_embedding(A, 2).embedding
    for block in (slice(0, 6), slice(6, 15)):
        assert np.ptp(E[block], axis=0).max() < 1e-8


def test_spectral_embedding_agrees_with_sklearn_up_to_sign():
    from sklearn.manifold import spectral_embedding as sk_embedding

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    A = rbf_affinity(X, gamma=0.5)
    ours = spectral_embedding(A, 3, drop_first=True).embedding
    theirs = sk_embedding(A, n_components=3, drop_first=True, random_state=0)
    for j in range(3):
        corr = abs(np.corrcoef(ours[:, j], theirs[:, j])[0, 1])
        assert corr > 0.999


def test_knn_graph_symmetric_and_bad_k():
    X = np.random.default_rng(0).normal(size=(20, 2))
    A = knn_graph(X, 3)
    assert abs(A - A.T).max() == 0
    assert (A.getnnz(axis=1) >= 3).all()
    with pytest.raises(ValueError, match=r"n_neighbors=20 must be in \[1, n_samples - 1\]"):
        knn_graph(X, 20)


def test_asymmetric_adjacency_rejected():
    with pytest.raises(ValueError, match="must be symmetric"):
        laplacian(np.array([[0.0, 1.0], [0.0, 0.0]]))


def test_edges_bad_shape_and_range():
    with pytest.raises(ValueError, match=r"shape \(m, 2\)"):
        adjacency_from_edges([1, 2, 3])
    with pytest.raises(ValueError, match="n_nodes=2 but edges mention node 4"):
        adjacency_from_edges([(0, 4)], n_nodes=2)
