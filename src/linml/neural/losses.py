"""Losses with their gradients: mean squared error and softmax cross-entropy (log-sum-exp).

A loss object's ``forward(Z, Y)`` returns the scalar loss and caches what ``backward()``
needs; ``backward()`` returns ``∂L/∂Z`` with the shape of ``Z``.

>>> import numpy as np
>>> loss = SoftmaxCrossEntropy()
>>> loss.forward(np.zeros((2, 4)), np.array([0, 3])) == float(np.log(4))  # uniform: log k
True
"""

from __future__ import annotations

import numpy as np

from linml.exceptions import LinmlInputError

__all__ = ["MSELoss", "SoftmaxCrossEntropy", "log_softmax", "logsumexp", "softmax"]


def logsumexp(Z: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """``log Σ_j exp(Z_j)`` computed as ``m + log Σ_j exp(Z_j − m)`` with ``m = max_j Z_j``.

    Shifting by the maximum keeps every exponent ≤ 0, so nothing overflows, and the largest
    term is exactly 1, so the sum never underflows to 0.

    >>> import numpy as np
    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # naive: inf
    1000.6931471805599
    """
    m = np.max(Z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(Z - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(Z: np.ndarray, axis: int = -1) -> np.ndarray:
    """``Z − logsumexp(Z)``, row-wise log-probabilities."""
    return Z - logsumexp(Z, axis=axis, keepdims=True)


def softmax(Z: np.ndarray, axis: int = -1) -> np.ndarray:
    """``exp(Z − max Z) / Σ exp(Z − max Z)``: rows sum to 1, no overflow.

    >>> import numpy as np
    >>> softmax(np.array([[0.0, np.log(3.0)]]))
    array([[0.25, 0.75]])
    """
    E = np.exp(Z - np.max(Z, axis=axis, keepdims=True))
    E /= E.sum(axis=axis, keepdims=True)
    return E


class MSELoss:
    """Mean squared error ``L = (1/m) Σ (Ŷ − Y)²`` over all ``m`` entries; ``∂L/∂Ŷ = 2(Ŷ − Y)/m``.

    >>> import numpy as np
    >>> loss = MSELoss()
    >>> loss.forward(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]]))
    2.5
    >>> loss.backward()
    array([[1.],
           [2.]])
    """

    def forward(self, Yhat: np.ndarray, Y: np.ndarray) -> float:
        Y = np.asarray(Y)
        if Y.ndim == 1 and Yhat.ndim == 2 and Yhat.shape[1] == 1:
            Y = Y[:, None]
        if Y.shape != Yhat.shape:
            raise LinmlInputError(
                f"MSELoss: target shape {Y.shape} differs from prediction shape {Yhat.shape}."
            )
        self._R = Yhat - Y  # residual
        return float(np.mean(self._R * self._R))

    def backward(self) -> np.ndarray:
        return (2.0 / self._R.size) * self._R


class SoftmaxCrossEntropy:
    """Softmax and cross-entropy fused: ``L = (1/n) Σ_i [logsumexp(z_i) − z_{i, y_i}]``.

    ``Z`` holds the logits ``(n, k)``; targets are integer labels ``(n,)`` in ``[0, k)``
    or probability rows ``(n, k)``. Fusing the two keeps the loss finite for any logits
    (no ``log 0``) and makes the gradient simply ``∂L/∂Z = (softmax(Z) − Y)/n`` with
    ``Y`` the one-hot (or probability) targets.

    >>> import numpy as np
    >>> loss = SoftmaxCrossEntropy()
    >>> _ = loss.forward(np.array([[0.0, 0.0]]), np.array([1]))
    >>> loss.backward()
    array([[ 0.5, -0.5]])
    """

    def forward(self, Z: np.ndarray, y: np.ndarray) -> float:
        y = np.asarray(y)
        n, k = Z.shape
        lse = logsumexp(Z, axis=1)  # (n,)
        if y.ndim == 1:
            if (
                y.shape[0] != n
                or y.dtype.kind not in "iu"
                or (y.size and (y.min() < 0 or y.max() >= k))
            ):
                raise LinmlInputError(
                    f"SoftmaxCrossEntropy: labels must be {n} integers in [0, {k}); got "
                    f"dtype {y.dtype}, shape {y.shape}."
                )
            picked = Z[np.arange(n), y]
            loss = float(np.mean(lse - picked))
        else:
            if y.shape != Z.shape:
                raise LinmlInputError(
                    f"SoftmaxCrossEntropy: target probabilities of shape {y.shape} must match "
                    f"the logits {Z.shape}."
                )
            loss = float(np.mean(lse - np.sum(y * Z, axis=1)))  # Σ_j y_j = 1 per row
        self._P = np.exp(Z - lse[:, None])  # softmax from the same log-sum-exp
        self._y = y
        return loss

    def backward(self) -> np.ndarray:
        P, y = self._P, self._y
        n = P.shape[0]
        G = P.copy()
        if y.ndim == 1:
            G[np.arange(n), y] -= 1
        else:
            G -= y
        G /= n
        return G
