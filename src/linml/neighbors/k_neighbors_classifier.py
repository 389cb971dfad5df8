"""k-nearest-neighbour classification on top of :class:`EmbeddingIndex`."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from linml._validation import validate_data
from linml.neighbors._knn_base import _KNeighborsBase

__all__ = ["KNeighborsClassifier"]


class KNeighborsClassifier(ClassifierMixin, _KNeighborsBase):
    """Vote among the ``k`` nearest training points (exact search by blocked GEMM).

    ``P(c | x) = Σ_{j ∈ N_k(x)} w_j [y_j = c] / Σ_j w_j`` with ``w_j = 1`` (``'uniform'``)
    or ``1 / d(x, x_j)`` (``'distance'``).

    Parameters
    ----------
    n_neighbors : int, default=5
    weights : {'uniform', 'distance'}, default='uniform'
    metric : {'euclidean', 'cosine'}, default='euclidean'
    max_memory_mb : float, default=256
        Bound on the score block held during search.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> KNeighborsClassifier(5).fit(X, y).score(X, y) > 0.95
    True
    """

    def fit(self, X: Any, y: Any) -> KNeighborsClassifier:
        """Store the training set in an exact index."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, self._y_codes = np.unique(y, return_inverse=True)
        self.y_codes_ = self._y_codes.astype(np.int64)
        self._build_index(X)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape ``(n_samples, n_classes)``, columns in ``classes_`` order."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        dist, idx = self.kneighbors(X)
        w = self._neighbor_weights(dist)
        codes = self.y_codes_[idx]  # (n, k)
        P = np.zeros((X.shape[0], len(self.classes_)))
        for j in range(codes.shape[1]):
            np.add.at(P, (np.arange(X.shape[0]), codes[:, j]), w[:, j])
        return P / P.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        """The class with the largest (weighted) vote; ties go to the first class."""
        P = self.predict_proba(X)
        return self.classes_[np.argmax(P, axis=1)]
