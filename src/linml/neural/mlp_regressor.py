"""MLPRegressor: a multi-layer perceptron trained with mean squared error, in NumPy."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.model_selection import train_test_split

from linml._validation import validate_data
from linml.neural._training import BaseMLP, _seed
from linml.neural.losses import MSELoss

__all__ = ["MLPRegressor"]


class MLPRegressor(RegressorMixin, BaseMLP):
    """Multi-layer perceptron regressor: ``ŷ = H_L W_{L+1}ᵀ + b_{L+1}`` fitted by mean squared error.

    The targets are standardized before training, ``ỹ = (y − ȳ)/s_y`` (per output), so
    the loss starts near 1 whatever the units of ``y`` and one learning rate suits every
    problem; predictions are mapped back, ``ŷ = s_y ỹ + ȳ``. The network minimizes
    ``L = (1/m) Σ (Ỹ̂ − Ỹ)²`` by mini-batch gradient steps (Adam by default), in ``dtype``
    (float32 by default); ``predict`` returns the input's float dtype.

    Parameters are those of :class:`~linml.neural.MLPClassifier` (early stopping scores
    the validation R²).

    Attributes
    ----------
    network_ : Sequential
    coefs_, intercepts_ : list of ndarray
    y_mean_, y_scale_ : ndarray (n_outputs,)
        The target standardization.
    n_outputs_ : int
    loss_curve_, validation_scores_, best_validation_score_, best_loss_, n_iter_, n_layers_

    Examples
    --------
    >>> import numpy as np
    >>> from linml.neural import MLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-2, 2, (300, 1)); y = 100 * np.sin(X[:, 0])
    >>> reg = MLPRegressor((32,), learning_rate=1e-2, epochs=200, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.95
    True
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train on ``X (n, d)`` and targets ``y (n,)`` or ``(n, k)``; returns ``self``."""
        self._check_params()
        X, y = validate_data(self, X, y, y_numeric=True, multi_output=True)
        Y = np.asarray(y, dtype=np.float64)
        Y = Y[:, None] if Y.ndim == 1 else Y  # (n, n_outputs)
        self.n_outputs_ = Y.shape[1]
        self.y_mean_ = Y.mean(axis=0)
        scale = Y.std(axis=0)
        # a constant target has no scale to remove: keep it as is
        self.y_scale_ = np.where(
            scale > np.finfo(np.float64).eps * (1 + np.abs(self.y_mean_)), scale, 1.0
        )
        Y_std = ((Y - self.y_mean_) / self.y_scale_).astype(self.dtype)
        self._fit_network(X, Y_std, self.n_outputs_, MSELoss(), self._val_split)
        return self

    def _val_split(self, X: np.ndarray, Y: np.ndarray) -> tuple[Any, Any, Any]:
        idx = np.arange(X.shape[0])
        train_idx, val_idx = train_test_split(
            idx,
            test_size=self.validation_fraction,
            random_state=np.random.default_rng(_seed(self.random_state)).integers(2**31 - 1),
        )
        Y_val = Y[val_idx]
        total = float(np.sum((Y_val - Y_val.mean(axis=0)) ** 2)) or 1.0

        def r2(Z: np.ndarray) -> float:
            return 1.0 - float(np.sum((Z - Y_val) ** 2)) / total

        return train_idx, val_idx, r2

    def predict(self, X: Any) -> np.ndarray:
        """``ŷ = s_y · net(X) + ȳ``: shape (n,) for one output, (n, n_outputs) otherwise."""
        Z = self._forward(X)
        out = (Z * self.y_scale_ + self.y_mean_).astype(Z.dtype, copy=False)
        return out[:, 0] if self.n_outputs_ == 1 else out
