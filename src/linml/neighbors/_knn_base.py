"""Shared machinery of the k-nearest-neighbour estimators (private)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from linml._base import Explanation, LinmlEstimator
from linml._validation import Interval, Options
from linml.exceptions import LinmlInputError
from linml.neighbors.embedding_index import EmbeddingIndex


class _KNeighborsBase(LinmlEstimator):
    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "n_neighbors": [Interval(int, 1, None)],
        "weights": [Options(("uniform", "distance"))],
        "metric": [Options(("euclidean", "cosine"))],
        "max_memory_mb": [Interval(float, 0, None, closed="neither")],
    }

    def __init__(
        self,
        n_neighbors: int = 5,
        *,
        weights: str = "uniform",
        metric: str = "euclidean",
        max_memory_mb: float = 256.0,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.metric = metric
        self.max_memory_mb = max_memory_mb

    def _build_index(self, X: np.ndarray) -> None:
        if self.n_neighbors > X.shape[0]:
            raise LinmlInputError(
                f"n_neighbors={self.n_neighbors} must be <= n_samples={X.shape[0]} seen in fit."
            )
        metric = "l2" if self.metric == "euclidean" else "cosine"
        self._index = EmbeddingIndex(metric, dtype=np.float64, max_memory_mb=self.max_memory_mb)
        self._index.add(X)
        self.fit_X_ = X

    def kneighbors(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distances (Euclidean, or cosine distance 1 − cos) and row indices of the k nearest."""
        if not hasattr(self, "_index"):
            self._build_index(self.fit_X_)
        result = self._index.search(X, k=self.n_neighbors)
        dist = result.scores if self.metric == "euclidean" else 1.0 - result.scores
        return np.maximum(dist, 0.0), result.indices

    def _neighbor_weights(self, dist: np.ndarray) -> np.ndarray:
        if self.weights == "uniform":
            return np.ones_like(dist)
        # 1/d; a query that coincides with training points takes only those (weight 1 each)
        zero = dist == 0
        with np.errstate(divide="ignore"):
            w = 1.0 / dist
        rows = zero.any(axis=1)
        w[rows] = zero[rows].astype(np.float64)
        return w

    def _explain(self) -> Explanation:
        expl = super()._explain()
        expl.add("training points", self.fit_X_.shape[0])
        expl.add("dimension", self.fit_X_.shape[1])
        expl.add("k", self.n_neighbors, "larger k averages more: lower variance, higher bias")
        expl.add("metric", self.metric, "search is one GEMM per block plus a top-k merge")
        return expl

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        super()._set_state(arrays, meta)
        self._build_index(self.fit_X_)
