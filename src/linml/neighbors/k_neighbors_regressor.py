"""k-nearest-neighbour regression on top of :class:`EmbeddingIndex`."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted

from linml._validation import validate_data
from linml.neighbors._knn_base import _KNeighborsBase

__all__ = ["KNeighborsRegressor"]


class KNeighborsRegressor(RegressorMixin, _KNeighborsBase):
    """Average the targets of the ``k`` nearest training points.

    ``ŷ(x) = Σ_{j ∈ N_k(x)} w_j y_j / Σ_j w_j`` with ``w_j = 1`` or ``1 / d(x, x_j)``.

    Parameters
    ----------
    n_neighbors : int, default=5
    weights : {'uniform', 'distance'}, default='uniform'
    metric : {'euclidean', 'cosine'}, default='euclidean'
    max_memory_mb : float, default=256

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(10.0).reshape(-1, 1)
    >>> KNeighborsRegressor(2).fit(X, 2 * X.ravel()).predict([[4.4]]).round(3)
    array([9.])
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X: Any, y: Any) -> KNeighborsRegressor:
        """Store the training set in an exact index."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, multi_output=True)
        self.fit_y_ = np.asarray(y, dtype=np.float64)
        self._build_index(X)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Weighted mean of the neighbours' targets; shape follows ``y`` seen in fit."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        dist, idx = self.kneighbors(X)
        w = self._neighbor_weights(dist)
        w = w / w.sum(axis=1, keepdims=True)
        Y = self.fit_y_[idx]  # (n, k) or (n, k, n_targets)
        if Y.ndim == 2:
            return np.einsum("nk,nk->n", w, Y)
        return np.einsum("nk,nkt->nt", w, Y)
