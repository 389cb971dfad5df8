"""MLPClassifier: a multi-layer perceptron trained with softmax cross-entropy, in NumPy."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from linml._validation import validate_data
from linml.exceptions import LinmlInputError
from linml.neural._training import BaseMLP, _seed
from linml.neural.losses import SoftmaxCrossEntropy, softmax

__all__ = ["MLPClassifier"]


class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multi-layer perceptron classifier: matrix products, a softmax, and their transposes.

    The network maps ``X (n, d)`` to logits ``Z = H_L W_{L+1}ᵀ + b_{L+1}`` through hidden
    layers ``H_ℓ = act(H_{ℓ−1} W_ℓᵀ + b_ℓ)``, and minimizes the mean softmax
    cross-entropy ``L = (1/n) Σ_i [logsumexp(z_i) − z_{i,y_i}]`` by mini-batch gradient
    steps (Adam by default). Training runs in ``dtype`` (float32 by default);
    ``predict``/``predict_proba`` compute in the input's dtype.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer.
    activation : {'relu', 'leaky_relu', 'tanh', 'sigmoid', 'gelu', 'identity'}
    init : str, default='auto'
        Weight initialization (see :mod:`linml.neural.init`); 'auto' is He for the ReLU
        family, Xavier otherwise.
    optimizer : {'adam', 'adamw', 'sgd', 'momentum', 'nesterov'}
    learning_rate : float, default=1e-3
    momentum : float, default=0.9
        For 'momentum' and 'nesterov'.
    weight_decay : float, default=0.0
        L2 penalty (coupled; decoupled for 'adamw').
    batch_size : int, default=128
    epochs : int, default=200
        Maximum number of passes over the data.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` (stratified) and stop when its accuracy stops
        improving; the best validated weights are kept.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
        Epochs without improvement > ``tol`` before stopping.
    tol : float, default=1e-4
    max_grad_norm : float or None
        Clip the global gradient norm to this value.
    dtype : {'float32', 'float64'}, default='float32'
    shuffle : bool, default=True
    random_state : int, RandomState or None
    verbose : bool
        Show a progress bar (rich) and log the loss of each epoch.

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
    network_ : Sequential
        The trained network (Linear/activation layers).
    coefs_, intercepts_ : list of ndarray
        ``W_ℓ`` of shape (d_out, d_in) and ``b_ℓ`` — views into the network.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    validation_scores_ : list of float or None
        Validation accuracy per epoch (early stopping only).
    best_validation_score_, best_loss_ : float
    n_iter_ : int
        Epochs run.
    n_layers_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from linml.neural import MLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 2)); y = (X[:, 0] * X[:, 1] > 0).astype(int)
    >>> clf = MLPClassifier((32,), learning_rate=1e-2, epochs=100, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train on ``X (n, d)`` and labels ``y (n,)``; returns ``self``."""
        self._check_params()
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise LinmlInputError(
                f"{type(self).__name__}: y has one class only ({self.classes_[0]!r}); a "
                "classifier needs at least 2 classes."
            )
        y_idx = y_idx.astype(np.intp)
        self._fit_network(X, y_idx, self.classes_.size, SoftmaxCrossEntropy(), self._val_split)
        return self

    def _val_split(self, X: np.ndarray, y: np.ndarray) -> tuple[Any, Any, Any]:
        idx = np.arange(X.shape[0])
        counts = np.bincount(y)
        n_val = int(np.ceil(self.validation_fraction * X.shape[0]))
        stratify = y if counts.min() >= 2 and n_val >= counts.size else None
        train_idx, val_idx = train_test_split(
            idx,
            test_size=self.validation_fraction,
            stratify=stratify,
            random_state=np.random.default_rng(_seed(self.random_state)).integers(2**31 - 1),
        )
        y_val = y[val_idx]
        return train_idx, val_idx, lambda Z: float(np.mean(np.argmax(Z, axis=1) == y_val))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``softmax(Z)``, shape (n, n_classes), in X's float dtype."""
        return softmax(self._forward(X), axis=1)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row (argmax of the logits)."""
        Z = self._forward(X)  # validates and checks fitted first
        return self.classes_[np.argmax(Z, axis=1)]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy; labels never seen in ``fit`` raise a clear error instead of scoring as wrong."""
        check_is_fitted(self)
        y_arr = np.asarray(y)
        unseen = np.setdiff1d(np.unique(y_arr), self.classes_)
        if unseen.size:
            shown = ", ".join(repr(v) for v in unseen[:5].tolist())
            raise LinmlInputError(
                f"y contains label(s) {shown}{' …' if unseen.size > 5 else ''} never seen in fit "
                f"(known classes: {self.classes_.tolist()[:10]}); the model cannot predict them. "
                "Refit on data that contains every class or drop those rows."
            )
        return float(accuracy_score(y_arr, self.predict(X), sample_weight=sample_weight))
