"""Element-wise activations: ``Y = f(X)``, backward ``∂L/∂X = G ⊙ f'(X)`` (a diagonal Jacobian).

>>> import numpy as np
>>> act = ReLU()
>>> act.forward(np.array([[-1.0, 2.0]]))
array([[0., 2.]])
>>> act.backward(np.array([[5.0, 5.0]]))
array([[0., 5.]])
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf, expit

from linml.exceptions import LinmlInputError
from linml.neural.layers import Layer

__all__ = [
    "ACTIVATIONS",
    "GELU",
    "Identity",
    "LeakyReLU",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "get_activation",
]


class Identity(Layer):
    """``f(x) = x``."""

    def forward(self, X: np.ndarray) -> np.ndarray:
        return X

    def backward(self, G: np.ndarray) -> np.ndarray:
        return G


class ReLU(Layer):
    """``f(x) = max(x, 0)``, ``f'(x) = [x > 0]``."""

    def forward(self, X: np.ndarray) -> np.ndarray:
        Y = np.maximum(X, 0)
        self._Y = Y
        return Y

    def backward(self, G: np.ndarray) -> np.ndarray:
        return G * (self._Y > 0)


class LeakyReLU(Layer):
    """``f(x) = x`` for ``x > 0`` else ``a·x``; ``f'(x) = 1`` or ``a``.

    >>> import numpy as np
    >>> LeakyReLU(0.1).forward(np.array([[-2.0, 3.0]]))
    array([[-0.2,  3. ]])
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, X: np.ndarray) -> np.ndarray:
        self._positive = X > 0
        return np.where(self._positive, X, X * X.dtype.type(self.negative_slope))

    def backward(self, G: np.ndarray) -> np.ndarray:
        return np.where(self._positive, G, G * G.dtype.type(self.negative_slope))

    def __repr__(self) -> str:
        return f"LeakyReLU({self.negative_slope})"


class Tanh(Layer):
    """``f(x) = tanh x``, ``f'(x) = 1 − tanh² x`` (computed from the cached output)."""

    def forward(self, X: np.ndarray) -> np.ndarray:
        self._Y = np.tanh(X)
        return self._Y

    def backward(self, G: np.ndarray) -> np.ndarray:
        return G * (1 - self._Y * self._Y)


class Sigmoid(Layer):
    """``σ(x) = 1/(1 + e^{−x})`` (overflow-free via ``scipy.special.expit``), ``σ' = σ(1 − σ)``."""

    def forward(self, X: np.ndarray) -> np.ndarray:
        self._Y = expit(X)
        return self._Y

    def backward(self, G: np.ndarray) -> np.ndarray:
        return G * self._Y * (1 - self._Y)


class GELU(Layer):
    """Exact GELU ``f(x) = x Φ(x)``, ``f'(x) = Φ(x) + x φ(x)`` (Φ, φ: standard normal cdf, pdf).

    >>> import numpy as np
    >>> np.round(GELU().forward(np.array([[0.0, 1.0]])), 4)
    array([[0.    , 0.8413]])
    """

    def forward(self, X: np.ndarray) -> np.ndarray:
        self._X = X
        self._Phi = 0.5 * (1 + erf(X / np.sqrt(2)).astype(X.dtype, copy=False))
        return X * self._Phi

    def backward(self, G: np.ndarray) -> np.ndarray:
        X = self._X
        phi = np.exp(-0.5 * X * X) / np.sqrt(2 * np.pi)
        return G * (self._Phi + X * phi.astype(X.dtype, copy=False))


ACTIVATIONS: dict[str, type[Layer]] = {
    "identity": Identity,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "logistic": Sigmoid,
    "gelu": GELU,
}


def get_activation(name: str) -> Layer:
    """A fresh activation layer by name (``"relu"``, ``"tanh"``, ``"gelu"``, …).

    >>> get_activation("tanh")
    Tanh()
    """
    if name not in ACTIVATIONS:
        raise LinmlInputError(
            f"activation={name!r} is not known; use one of {', '.join(map(repr, ACTIVATIONS))}."
        )
    return ACTIVATIONS[name]()
