"""Small input checks shared by the public functions of :mod:`linml.linalg` (private).

Public functions validate once, at the door, with these; private helpers trust their inputs.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from linml._validation import check_array, check_same_length
from linml.exceptions import LinmlInputError


def as_matrix(X: Any, name: str = "X", *, copy: bool = False) -> np.ndarray:
    """A dense, finite, 2-D float64 (or float32, kept) array."""
    return check_array(X, name=name, copy=copy)


def as_square(A: Any, name: str = "A") -> np.ndarray:
    """A dense, finite, square 2-D float array."""
    A = check_array(A, name=name)
    if A.shape[0] != A.shape[1]:
        raise LinmlInputError(
            f"{name} must be square (n, n); got shape {A.shape}. Pass a symmetric matrix "
            f"such as a covariance or Gram matrix {name}ᵀ{name}."
        )
    return A


def as_targets(y: Any, X: np.ndarray, name: str = "y") -> np.ndarray:
    """``y`` as a finite float array of shape (n,) or (n, k) in ``X``'s dtype, one row per row of X."""
    if not hasattr(y, "__len__") and not hasattr(y, "shape"):
        raise LinmlInputError(f"{name} must be array-like with one entry per row of X; got {y!r}.")
    y = check_array(y, name=name, ensure_2d=False, dtype=X.dtype)
    if y.ndim not in (1, 2):
        raise LinmlInputError(
            f"{name} must be 1-D (n,) or 2-D (n, k); got {y.ndim}-D with shape {y.shape}."
        )
    check_same_length(X, y, y_name=name)
    return y


def check_option(name: str, value: Any, options: Sequence[str]) -> str:
    """Raise unless ``value`` is one of ``options``, listing the valid ones."""
    if not isinstance(value, str) or value not in options:
        raise LinmlInputError(
            f"{name}={value!r} is not supported; use one of {', '.join(map(repr, options))}."
        )
    return value


def check_nonneg(name: str, value: Any) -> None:
    """Raise unless ``value`` is a finite real number >= 0."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
        or value < 0
    ):
        raise LinmlInputError(f"{name}={value!r} must be a finite number >= 0.")


def check_positive_int(name: str, value: Any, *, low: int = 1, high: int | None = None) -> int:
    """Raise unless ``value`` is an integer in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise LinmlInputError(f"{name}={value!r} must be an integer >= {low}.")
    if value < low or (high is not None and value > high):
        limit = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise LinmlInputError(f"{name}={value!r} must be {limit}.")
    return int(value)


def check_tol(name: str, value: Any, *, allow_none: bool = True) -> None:
    """Raise unless ``value`` is None (when allowed) or a finite number > 0."""
    if value is None and allow_none:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
        or value <= 0
    ):
        raise LinmlInputError(f"{name}={value!r} must be a finite number > 0 (or None).")


def fix_column_signs(V: np.ndarray) -> np.ndarray:
    """Flip each column so its largest-|.| entry is positive (deterministic signs)."""
    if V.size == 0:
        return V
    idx = np.argmax(np.abs(V), axis=0)
    signs = np.sign(V[idx, np.arange(V.shape[1])])
    signs[signs == 0] = 1
    return V * signs + 0.0  # + 0.0: no -0.0 from flipping zeros
