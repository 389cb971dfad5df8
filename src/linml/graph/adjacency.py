"""Graphs as sparse matrices: adjacency from an edge list, a k-NN graph, an RBF affinity.

An undirected weighted graph on ``n`` nodes is a symmetric matrix ``A`` (``n × n``,
scipy.sparse CSR) with ``A[i, j] = w`` for an edge ``i — j`` of weight ``w``; a directed
graph keeps ``A[i, j]`` for the edge ``i → j`` only.

>>> A = adjacency_from_edges([(0, 1), (1, 2)], n_nodes=4)
>>> A.toarray().astype(int)
array([[0, 1, 0, 0],
       [1, 0, 1, 0],
       [0, 1, 0, 0],
       [0, 0, 0, 0]])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from linml._validation import check_array
from linml.exceptions import LinmlInputError
from linml.linalg._scaling import global_exponent

__all__ = ["adjacency_from_edges", "check_adjacency", "knn_graph", "rbf_affinity"]


def adjacency_from_edges(
    edges: Any,
    *,
    n_nodes: int | None = None,
    weights: Sequence[float] | np.ndarray | None = None,
    directed: bool = False,
) -> sp.csr_matrix:
    """Sparse adjacency matrix from an edge list of integer node pairs.

    Parameters
    ----------
    edges : array-like of shape (m, 2)
        Pairs ``(i, j)`` of node indices in ``[0, n_nodes)``.
    n_nodes : int, optional
        Number of nodes; default ``max index + 1``.
    weights : array-like of shape (m,), optional
        Edge weights (default 1). Repeated edges add up.
    directed : bool
        If False, ``A = B + Bᵀ`` (each edge both ways; self-loops counted once).

    Returns
    -------
    A : scipy.sparse.csr_matrix of shape (n_nodes, n_nodes)
    """
    E = np.asarray(edges)
    if E.size == 0:
        E = E.reshape(0, 2)
    if E.ndim != 2 or E.shape[1] != 2:
        raise LinmlInputError(f"edges must have shape (m, 2) (pairs i, j); got shape {E.shape}.")
    if E.size and (E.dtype.kind not in "iu" and not np.all(np.mod(E, 1) == 0)):
        raise LinmlInputError("edges must hold integer node indices.")
    E = E.astype(np.int64)
    if E.size and E.min() < 0:
        raise LinmlInputError(f"edges hold a negative node index ({int(E.min())}).")
    top = int(E.max()) + 1 if E.size else 0
    n = top if n_nodes is None else int(n_nodes)
    if n < top:
        raise LinmlInputError(
            f"n_nodes={n} but edges mention node {top - 1}; use n_nodes >= {top}."
        )
    w = np.ones(len(E)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (len(E),):
        raise LinmlInputError(f"weights must have shape ({len(E)},), one per edge; got {w.shape}.")
    if not np.isfinite(w).all():
        raise LinmlInputError("weights contain NaN or inf.")
    if w.size and w.min() < 0:
        first = int(np.flatnonzero(w < 0)[0])
        raise LinmlInputError(
            f"weights must be >= 0 (an adjacency matrix holds non-negative link strengths); "
            f"weights[{first}]={w[first]:g} is negative. Use |w| or shift the weights."
        )
    B = sp.coo_matrix((w, (E[:, 0], E[:, 1])), shape=(n, n)).tocsr()
    if directed:
        return B
    # A = B + Bᵀ, without doubling self-loops
    A = B + B.T - sp.diags(B.diagonal())
    return sp.csr_matrix(A)


def check_adjacency(
    A: Any, *, name: str = "A", symmetric: bool = False, keep_dense: bool = False
) -> Any:
    """Validate an adjacency matrix (square, finite, non-negative); CSR float64 unless ``keep_dense``.

    With ``keep_dense=True`` a dense input stays a dense float64 array (a dense affinity of
    many nodes would cost 1.5× more memory as CSR), checked for symmetry in row blocks.
    """
    if keep_dense and not sp.issparse(A):
        A = check_array(A, name=name)
        if A.shape[0] != A.shape[1]:
            raise LinmlInputError(
                f"{name} must be square (n_nodes × n_nodes); got shape {A.shape}."
            )
        if A.size and A.min() < 0:
            raise LinmlInputError(
                f"Negative values in data passed to {name}: negative weights (min "
                f"{A.min():g}); weights must be >= 0."
            )
        if symmetric:
            scale = 1e-10 * max(float(np.abs(A).max()) if A.size else 0.0, 1.0)
            for start in range(0, A.shape[0], 1024):  # blocks: no second n × n temporary
                block = slice(start, start + 1024)
                if np.abs(A[block] - A[:, block].T).max(initial=0.0) > scale:
                    raise LinmlInputError(
                        f"{name} must be symmetric (an undirected graph); symmetrize with "
                        "(A + A.T) / 2."
                    )
        return A
    if not sp.issparse(A):
        A = check_array(A, name=name)
    else:
        A = sp.csr_matrix(A, dtype=np.float64)
        if A.data.size and not np.isfinite(A.data).all():
            check_array(A, name=name, accept_sparse="csr")
    if A.shape[0] != A.shape[1]:
        raise LinmlInputError(f"{name} must be square (n_nodes × n_nodes); got shape {A.shape}.")
    A = sp.csr_matrix(A, dtype=np.float64)
    if A.data.size and A.data.min() < 0:
        raise LinmlInputError(
            f"Negative values in data passed to {name}: negative weights (min "
            f"{A.data.min():g}); weights must be >= 0."
        )
    if symmetric:
        asym = abs(A - A.T)
        if asym.nnz and asym.max() > 1e-10 * max(abs(A).max(), 1.0):
            raise LinmlInputError(
                f"{name} must be symmetric (an undirected graph); symmetrize with (A + A.T) / 2."
            )
    A.eliminate_zeros()
    return A


def knn_graph(
    X: Any, n_neighbors: int = 10, *, mode: str = "connectivity", symmetrize: str = "or"
) -> sp.csr_matrix:
    """Symmetric k-nearest-neighbour graph of the rows of ``X`` (Euclidean distance).

    ``mode='connectivity'`` gives weights 1, ``'distance'`` the distances. The directed
    k-NN relation is made undirected by ``symmetrize``: ``'or'`` (edge if either is a
    neighbour of the other: ``max(B, Bᵀ)``), ``'and'`` (``min``), ``'mean'`` (``(B + Bᵀ)/2``).
    """
    from sklearn.neighbors import NearestNeighbors

    X = check_array(X)
    if not 1 <= n_neighbors < X.shape[0]:
        raise LinmlInputError(
            f"n_neighbors={n_neighbors} must be in [1, n_samples - 1] = [1, {X.shape[0] - 1}]."
        )
    if mode not in ("connectivity", "distance"):
        raise LinmlInputError(f"mode={mode!r} must be 'connectivity' or 'distance'.")
    if global_exponent(X):
        B = _knn_extreme(X, n_neighbors, mode)
    else:
        nn = NearestNeighbors(n_neighbors=n_neighbors).fit(X)
        B = nn.kneighbors_graph(mode=mode)  # excludes the point itself
    if symmetrize == "or":
        A = B.maximum(B.T)
    elif symmetrize == "and":
        A = B.minimum(B.T)
    elif symmetrize == "mean":
        A = (B + B.T) * 0.5
    else:
        raise LinmlInputError(f"symmetrize={symmetrize!r} must be 'or', 'and' or 'mean'.")
    return sp.csr_matrix(A)


def _knn_extreme(X: np.ndarray, n_neighbors: int, mode: str) -> sp.csr_matrix:
    """Directed k-NN graph for data whose squares over/underflow float64 (issue 17).

    The k-NN relation is scale-invariant, but ``‖x‖² − 2xᵀy + ‖y‖²`` (scikit-learn's
    brute force) overflows or underflows to ties there; the blocked distances of
    :func:`linml.linalg.pairwise_distances_chunked` use the overflow-free difference form.
    """
    from linml.linalg.distances import pairwise_distances_chunked

    n = X.shape[0]
    rows, cols, vals = [], [], []
    for start, D in pairwise_distances_chunked(X):
        local = np.arange(D.shape[0])
        D = D.astype(np.float64, copy=True)
        D[local, start + local] = np.inf  # a point is not its own neighbour
        idx = np.argpartition(D, n_neighbors - 1, axis=1)[:, :n_neighbors]  # (b, k)
        rows.append(np.repeat(start + local, n_neighbors))
        cols.append(idx.ravel())
        vals.append(np.take_along_axis(D, idx, axis=1).ravel())
    r, c, d = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    w = d if mode == "distance" else np.ones_like(d)
    return sp.csr_matrix((w, (r, c)), shape=(n, n))


def rbf_affinity(X: Any, gamma: float = 1.0) -> np.ndarray:
    """Dense RBF affinity ``A[i, j] = exp(-gamma ‖xᵢ − xⱼ‖²)`` with a zero diagonal."""
    from linml.linalg.kernels import pairwise_kernel

    X = check_array(X)
    if not (np.isfinite(gamma) and gamma > 0):
        raise LinmlInputError(f"gamma={gamma!r} must be a finite number > 0.")
    A = pairwise_kernel(X, kernel="rbf", gamma=float(gamma))
    np.fill_diagonal(A, 0.0)
    return A
