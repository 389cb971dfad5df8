"""Spectral clustering: k-means on the bottom eigenvectors of the normalized Laplacian.

With an affinity ``A`` (RBF, a k-NN graph or precomputed), the ``k = n_clusters``
eigenvectors of ``L_sym = I − D^{-1/2} A D^{-1/2}`` for its smallest eigenvalues, mapped
back by ``D^{-1/2}``, are (nearly) constant on each well-separated cluster — exactly
constant on connected components, where those eigenvalues are 0. k-means on the rows of
that ``n × k`` embedding then finds the clusters, even when they are not convex (two moons,
concentric circles) and k-means on the raw points fails.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph
from sklearn.base import ClusterMixin
from sklearn.cluster import KMeans

from linml._base import Explanation, LinmlEstimator
from linml._validation import Interval, Options, check_random_state, validate_data
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.graph.adjacency import check_adjacency, knn_graph, rbf_affinity
from linml.graph.laplacian import spectral_embedding

__all__ = ["SpectralClustering"]


class SpectralClustering(ClusterMixin, LinmlEstimator):
    """Cluster by the spectrum of a graph built on the data.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters ``k`` (and of eigenvectors used).
    affinity : {'rbf', 'nearest_neighbors', 'precomputed'}, default='rbf'
        ``'rbf'``: ``A[i, j] = exp(−gamma ‖xᵢ − xⱼ‖²)``; ``'nearest_neighbors'``: the
        symmetrized k-NN connectivity ``(B + Bᵀ)/2`` (sparse); ``'precomputed'``: ``X`` is ``A``.
    gamma : float, default=1.0
        RBF width.
    n_neighbors : int, default=10
        Neighbours for ``'nearest_neighbors'``.
    n_init : int, default=10
        k-means restarts on the embedding.
    random_state : int, RandomState or None
        Seeds the Lanczos start vector and k-means.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
    affinity_matrix_ : ndarray or sparse matrix of shape (n_samples, n_samples)
    embedding_ : ndarray of shape (n_samples, n_clusters)
        ``D^{-1/2} U`` with ``U`` the bottom eigenvectors of ``L_sym``.
    eigenvalues_ : ndarray of shape (n_clusters + 1,)
        Smallest eigenvalues of ``L_sym``, ascending; a large gap after the k-th supports
        the choice of ``k`` (the eigengap heuristic).
    n_components_graph_ : int
        Connected components of the affinity graph (a warning when > 1).

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> X, y = make_moons(200, noise=0.05, random_state=0)
    >>> model = SpectralClustering(2, affinity="nearest_neighbors", random_state=0).fit(X)
    >>> from sklearn.metrics import adjusted_rand_score
    >>> adjusted_rand_score(y, model.labels_) > 0.99
    True
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "n_clusters": [Interval(int, 1, None)],
        "affinity": [Options(("rbf", "nearest_neighbors", "precomputed"))],
        "gamma": [Interval(float, 0, None, closed="neither")],
        "n_neighbors": [Interval(int, 1, None)],
        "n_init": [Interval(int, 1, None)],
        "random_state": [None, int, np.random.RandomState, np.random.Generator],
    }

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        affinity: str = "rbf",
        gamma: float = 1.0,
        n_neighbors: int = 10,
        n_init: int = 10,
        random_state: Any = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.affinity = affinity
        self.gamma = gamma
        self.n_neighbors = n_neighbors
        self.n_init = n_init
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        precomputed = self.affinity == "precomputed"
        tags.input_tags.pairwise = precomputed  # X is the n×n affinity itself
        tags.input_tags.sparse = precomputed  # a sparse affinity graph is welcome
        tags.input_tags.positive_only = precomputed  # edge weights must be >= 0
        return tags

    def _affinity(self, X: Any) -> Any:
        if self.affinity == "precomputed":
            return check_adjacency(
                X, name="X (precomputed affinity)", symmetric=True, keep_dense=True
            )
        if self.affinity == "nearest_neighbors":
            # (B + Bᵀ)/2 of the directed k-NN connectivity: 1 where mutual, ½ where one-sided
            return knn_graph(X, self.n_neighbors, symmetrize="mean")
        return rbf_affinity(X, self.gamma)

    def fit(self, X: Any, y: Any = None) -> SpectralClustering:
        """Build the affinity, embed with the Laplacian's bottom eigenvectors, run k-means."""
        self._check_params()
        accept = ["csr", "csc", "coo"] if self.affinity == "precomputed" else False
        X = validate_data(self, X, accept_sparse=accept, dtype=np.float64, ensure_min_samples=2)
        n = X.shape[0]
        if self.n_clusters > n:
            raise LinmlInputError(f"n_clusters={self.n_clusters} must be <= n_samples={n}.")
        if self.affinity == "nearest_neighbors" and self.n_neighbors >= n:
            # raise rather than clamp: with n_neighbors = n − 1 the graph is complete and
            # carries no cluster structure, which is not what a larger number asked for
            raise LinmlInputError(
                f"SpectralClustering: n_neighbors={self.n_neighbors} must be < n_samples={n} "
                f"(a point has at most {n - 1} other points as neighbours); lower n_neighbors "
                f"(a common choice is about log(n_samples) to sqrt(n_samples))."
            )
        A = self._affinity(X)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        spectral = spectral_embedding(A, self.n_clusters, random_state=seed)
        E, w = spectral.embedding, spectral.eigenvalues
        if sp.issparse(A):
            n_graph = csgraph.connected_components(A, directed=False)[0]
        else:
            # dense affinity: λ₂ = 0 ⇔ disconnected; count zeros of the computed spectrum
            n_graph = int(np.sum(w < 100 * n * np.finfo(np.float64).eps))
        if n_graph > 1:
            warnings.warn(
                f"the affinity graph has {n_graph} connected components (n_clusters="
                f"{self.n_clusters}): the spectral embedding is constant on each component, so no "
                "cluster can split one. Increase n_neighbors or lower gamma if that is not intended.",
                NumericalWarning,
                stacklevel=2,
            )
        km = KMeans(self.n_clusters, n_init=self.n_init, random_state=seed).fit(E)
        self.affinity_matrix_ = A
        self.embedding_ = E
        self.eigenvalues_ = w
        self.n_components_graph_ = int(n_graph)
        self.labels_ = km.labels_.astype(np.intp)
        return self

    def _explain(self) -> Explanation:
        expl = super()._explain()
        w = self.eigenvalues_
        expl.add("smallest eigenvalues of L_sym", w, "near 0 ⇔ a nearly disconnected cluster")
        if w.size > self.n_clusters and np.isfinite(w).all():
            gap = float(w[self.n_clusters] - w[self.n_clusters - 1])
            expl.add("eigengap λ_{k+1} − λ_k", gap, "large ⇒ k clusters is well supported")
        expl.add("graph components", self.n_components_graph_)
        sizes = np.bincount(self.labels_)
        expl.add("cluster sizes", sizes)
        expl.verdict = (
            "well separated"
            if w.size > self.n_clusters
            and w[self.n_clusters] > 5 * max(w[self.n_clusters - 1], 1e-12)
            else "weak eigengap: clusters may not be well separated"
        )
        return expl

    def _get_state(self):
        arrays, meta = super()._get_state() if not sp.issparse(self.affinity_matrix_) else ({}, {})
        if sp.issparse(self.affinity_matrix_):
            for key in ("embedding_", "eigenvalues_", "labels_"):
                arrays[key] = getattr(self, key)
            meta["n_components_graph_"] = self.n_components_graph_
            meta["n_features_in_"] = self.n_features_in_
            A = sp.csr_matrix(self.affinity_matrix_)
            arrays["affinity_data_"], arrays["affinity_indices_"] = A.data, A.indices
            arrays["affinity_indptr_"] = A.indptr
            meta["affinity_shape_"] = list(A.shape)
        return arrays, meta

    def _set_state(self, arrays, meta):
        arrays = dict(arrays)
        if "affinity_data_" in arrays:
            shape = tuple(meta.pop("affinity_shape_"))
            self.affinity_matrix_ = sp.csr_matrix(
                (
                    arrays.pop("affinity_data_"),
                    arrays.pop("affinity_indices_"),
                    arrays.pop("affinity_indptr_"),
                ),
                shape=shape,
            )
        super()._set_state(arrays, meta)
