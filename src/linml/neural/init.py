"""Weight initializations: the variance each one preserves, and the orthogonal one.

For a weight of shape ``(fan_out, fan_in[, kh, kw])`` (fan-in ``= fan_in·kh·kw``), a layer
``y = W x`` with i.i.d. zero-mean entries has ``Var(y_i) = fan_in · Var(W) · E[x²]``:

* **Xavier/Glorot** ``Var(W) = 2/(fan_in + fan_out)`` — keeps forward and backward variance
  on average for linear/tanh units (Glorot & Bengio 2010).
* **He/Kaiming** ``Var(W) = 2/fan_in`` — a ReLU halves ``E[x²]``, so double the variance
  (He et al. 2015).
* **LeCun** ``Var(W) = 1/fan_in`` (LeCun et al. 1998), for SELU-like units.
* **orthogonal** — ``W = Q`` from the QR factorization of a Gaussian matrix, with the signs
  of ``diag(R)`` folded in so ``Q`` is Haar-distributed: every singular value equals 1
  (times ``gain``), so ``‖W x‖ = ‖x‖`` exactly (Saxe et al. 2014).
* **normal** — ``N(0, 1)``, the textbook failure: activations grow like ``√fan_in`` per layer.

Uniform variants draw from ``U(−a, a)`` with ``a = √(3·Var)``.

>>> import numpy as np
>>> W = initialize("orthogonal", (4, 6), random_state=0)
>>> np.allclose(np.linalg.svd(W, compute_uv=False), 1.0)
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from linml.exceptions import LinmlInputError

__all__ = [
    "INITIALIZERS",
    "fans",
    "he_normal",
    "he_uniform",
    "initialize",
    "lecun_normal",
    "lecun_uniform",
    "orthogonal",
    "standard_normal",
    "xavier_normal",
    "xavier_uniform",
]


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in[, kh, kw, …])``."""
    if len(shape) < 2:
        raise LinmlInputError(f"a weight shape needs at least 2 axes (out, in); got {shape}.")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _rng(random_state: Any) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31 - 1))
    return np.random.default_rng(random_state)


def _normal(shape: tuple[int, ...], std: float, rng: Any, dtype: Any) -> np.ndarray:
    return (_rng(rng).standard_normal(shape) * std).astype(dtype)


def _uniform(shape: tuple[int, ...], var: float, rng: Any, dtype: Any) -> np.ndarray:
    a = np.sqrt(3.0 * var)  # Var(U(−a, a)) = a²/3
    return _rng(rng).uniform(-a, a, size=shape).astype(dtype)


def xavier_normal(shape, random_state=None, dtype=np.float64, gain: float = 1.0) -> np.ndarray:
    """``N(0, gain²·2/(fan_in + fan_out))``."""
    fan_in, fan_out = fans(shape)
    return _normal(shape, gain * np.sqrt(2.0 / (fan_in + fan_out)), random_state, dtype)


def xavier_uniform(shape, random_state=None, dtype=np.float64, gain: float = 1.0) -> np.ndarray:
    """``U(−a, a)`` with ``a = gain·√(6/(fan_in + fan_out))``."""
    fan_in, fan_out = fans(shape)
    return _uniform(shape, gain**2 * 2.0 / (fan_in + fan_out), random_state, dtype)


def he_normal(shape, random_state=None, dtype=np.float64) -> np.ndarray:
    """``N(0, 2/fan_in)`` (Kaiming), for ReLU networks."""
    fan_in, _ = fans(shape)
    return _normal(shape, np.sqrt(2.0 / fan_in), random_state, dtype)


def he_uniform(shape, random_state=None, dtype=np.float64) -> np.ndarray:
    """``U(−a, a)`` with ``a = √(6/fan_in)``."""
    fan_in, _ = fans(shape)
    return _uniform(shape, 2.0 / fan_in, random_state, dtype)


def lecun_normal(shape, random_state=None, dtype=np.float64) -> np.ndarray:
    """``N(0, 1/fan_in)``."""
    fan_in, _ = fans(shape)
    return _normal(shape, np.sqrt(1.0 / fan_in), random_state, dtype)


def lecun_uniform(shape, random_state=None, dtype=np.float64) -> np.ndarray:
    """``U(−a, a)`` with ``a = √(3/fan_in)``."""
    fan_in, _ = fans(shape)
    return _uniform(shape, 1.0 / fan_in, random_state, dtype)


def standard_normal(shape, random_state=None, dtype=np.float64) -> np.ndarray:
    """``N(0, 1)`` entries (no scaling: the classic exploding initialization)."""
    return _normal(shape, 1.0, random_state, dtype)


def orthogonal(shape, random_state=None, dtype=np.float64, gain: float = 1.0) -> np.ndarray:
    """A (semi-)orthogonal matrix: all singular values equal ``gain``.

    ``A ~ N(0, 1)^{max×min}``, ``A = Q R``; ``Q ← Q · sign(diag(R))`` (the sign fix makes
    ``Q`` uniformly distributed instead of biased by the QR convention); transposed when
    the weight is wide, then reshaped to ``shape``.
    """
    rows = shape[0]
    cols = int(np.prod(shape[1:]))
    rng = _rng(random_state)
    A = rng.standard_normal((max(rows, cols), min(rows, cols)))
    Q, R = np.linalg.qr(A)  # reduced QR: Q has orthonormal columns
    Q *= np.sign(np.where(np.diag(R) == 0, 1.0, np.diag(R)))
    if rows < cols:
        Q = Q.T
    return (gain * Q).reshape(shape).astype(dtype)


INITIALIZERS: dict[str, Callable[..., np.ndarray]] = {
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "glorot_normal": xavier_normal,
    "glorot_uniform": xavier_uniform,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "kaiming_normal": he_normal,
    "kaiming_uniform": he_uniform,
    "lecun_normal": lecun_normal,
    "lecun_uniform": lecun_uniform,
    "orthogonal": orthogonal,
    "normal": standard_normal,
}


def initialize(
    name: str | Callable[..., np.ndarray],
    shape: tuple[int, ...],
    random_state: Any = None,
    dtype: Any = np.float64,
) -> np.ndarray:
    """Draw a weight of ``shape`` with the named initialization (or a callable).

    Parameters
    ----------
    name : str or callable
        One of :data:`INITIALIZERS` (``"xavier_uniform"``, ``"he_normal"``,
        ``"orthogonal"``, …) or ``f(shape, random_state, dtype) -> ndarray``.
    shape : tuple of int
        ``(fan_out, fan_in[, kh, kw])``.
    random_state : int, Generator, RandomState or None
    dtype : dtype

    >>> initialize("he_normal", (3, 2), random_state=0).shape
    (3, 2)
    """
    if callable(name):
        W = np.asarray(name(shape, random_state, dtype), dtype=dtype)
        if W.shape != tuple(shape):
            raise LinmlInputError(
                f"init callable returned shape {W.shape}; expected {tuple(shape)}."
            )
        return W
    if name not in INITIALIZERS:
        raise LinmlInputError(
            f"init={name!r} is not known; use one of {', '.join(map(repr, INITIALIZERS))} "
            "or a callable f(shape, random_state, dtype)."
        )
    return INITIALIZERS[name](tuple(shape), random_state, dtype)
