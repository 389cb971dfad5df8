"""Gradient checking by central differences, usable on any layer or scalar function.

For a scalar ``f`` and a step ``h``, ``(f(x + h e_i) − f(x − h e_i)) / 2h = ∂f/∂x_i + O(h²)``;
with float64 and ``h ≈ 1e-6`` the truncation (``h²``) and round-off (``eps/h``) errors are
both around ``1e-10``, so a correct backward agrees to a relative error well below ``1e-6``.

A layer ``Y = layer(X)`` is checked through the scalar ``L = Σ R ⊙ Y`` with a fixed random
``R``: then ``∂L/∂Y = R``, and ``layer.backward(R)`` must return ``∂L/∂X`` and write every
``∂L/∂param`` — compared entry by entry with the differences.

>>> import numpy as np
>>> from linml.neural.layers import Linear
>>> errors = check_layer_gradients(Linear(3, 2, random_state=0), np.ones((4, 3)))
>>> max(errors.values()) < 1e-8
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from linml.exceptions import LinmlInputError

__all__ = ["check_layer_gradients", "numerical_gradient", "relative_error"]


def relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 0.0) -> float:
    """``‖a − b‖ / max(‖a‖, ‖b‖, floor)`` (norms over all entries; 0 when both are 0).

    ``floor`` turns the comparison absolute for gradients that are truly zero (e.g. a key
    bias in attention: softmax ignores a constant added to a row), where both sides are
    round-off and their ratio means nothing.

    >>> import numpy as np
    >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    0.0
    """
    a = np.asarray(analytic, dtype=np.float64).ravel()
    b = np.asarray(numeric, dtype=np.float64).ravel()
    scale = max(np.linalg.norm(a), np.linalg.norm(b), floor)
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b) / scale)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f()`` with respect to the array ``x`` (perturbed in place).

    ``f`` takes no arguments and reads ``x`` (e.g. a closure over a layer's parameter);
    each entry of ``x`` is restored after its two evaluations.

    >>> import numpy as np
    >>> x = np.array([1.0, 2.0])
    >>> np.round(numerical_gradient(lambda: float(np.sum(x**2)), x), 6)
    array([2., 4.])
    """
    if x.dtype != np.float64:
        raise LinmlInputError(
            f"numerical_gradient needs float64 (got {x.dtype}): in float32 the differences "
            "lose about half of their digits to round-off."
        )
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)  # views: x must be contiguous
    if not np.shares_memory(flat, x):
        raise LinmlInputError("numerical_gradient: x must be a contiguous array.")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f()
        flat[i] = old - h
        f_minus = f()
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2 * h)
    return grad


def check_layer_gradients(
    layer: Any,
    X: np.ndarray,
    *,
    h: float = 1e-6,
    random_state: Any = 0,
    reset: Callable[[], None] | None = None,
    floor: float = 1e-7,
) -> dict[str, float]:
    """Relative error of ``layer.backward`` against central differences, per input and parameter.

    Parameters
    ----------
    layer : Layer
        Anything with ``forward(X)``, ``backward(G)`` and ``params``/``grads`` dicts
        (a :class:`~linml.neural.layers.Sequential` works; nested parameters are
        reached through ``parameters()``).
    X : ndarray, float64
        Input at which to check.
    h : float
        Difference step.
    random_state : int or None
        Seed of the projection ``R`` in ``L = Σ R ⊙ layer(X)``.
    reset : callable, optional
        Called before every forward pass (e.g. to reseed a Dropout so its mask is fixed).
    floor : float
        Gradients with norm below ``floor`` are compared absolutely (see
        :func:`relative_error`).

    Returns
    -------
    dict
        ``{"X": err, "W": err, "b": err, …}`` — relative errors (see :func:`relative_error`),
        keyed by the parameters' dotted names (``"0.W"`` for the first layer of a
        Sequential).
    """
    X = np.array(X, dtype=np.float64)
    # a stream of its own: R must not coincide with an X drawn from the same seed
    rng = np.random.default_rng(None if random_state is None else [random_state, 0x5EED])

    def run() -> np.ndarray:
        if reset is not None:
            reset()
        return layer.forward(X)

    Y = run()
    R = rng.standard_normal(Y.shape)
    dX = layer.backward(R)
    if hasattr(layer, "named_parameters"):
        named = [(name, theta, g.copy()) for name, theta, g in layer.named_parameters()]
    else:
        named = [(f"param_{i}", theta, g.copy()) for i, (theta, g) in enumerate(layer.parameters())]

    def loss() -> float:
        return float(np.sum(R * run()))

    errors: dict[str, float] = {}
    if dX is not None:
        errors["X"] = relative_error(dX, numerical_gradient(loss, X, h), floor)
    for name, theta, grad in named:
        errors[name] = relative_error(grad, numerical_gradient(loss, theta, h), floor)
    return errors
