"""Input checks and clear errors: the one place that turns bad input into ``ValueError``.

Everything public in linml validates here, once, at the door; kernels and solvers below
trust their inputs. Messages name the argument, say what was wrong (shape, the row and
column of the first NaN, the offending value) and what to do.

Parameter constraints are declared once per estimator as a dict of :class:`Interval`,
:class:`Options` or types, and checked by :func:`validate_params`::

    >>> validate_params("Ridge", {"alpha": 1.0}, {"alpha": [Interval(float, 0, None)]})
    >>> validate_params("Ridge", {"alpha": -1.0}, {"alpha": [Interval(float, 0, None)]})
    Traceback (most recent call last):
    ...
    linml.exceptions.LinmlInputError: Ridge: alpha=-1.0 must be a number in [0, inf).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state
from sklearn.utils import validation as skv

from linml.exceptions import LinmlInputError, NumericalWarning  # noqa: F401

FLOAT_DTYPES = (np.float64, np.float32)

__all__ = [
    "FLOAT_DTYPES",
    "Interval",
    "Options",
    "check_array",
    "check_finite",
    "check_random_state",
    "check_same_length",
    "float_tolerance",
    "validate_data",
    "validate_params",
]


# ---------------------------------------------------------------------------- arrays
def _first_nonfinite(values: np.ndarray) -> tuple[int, int, int, str]:
    """Index (row, col), count and kind of the first non-finite entry of a 1-D or 2-D array."""
    bad = ~np.isfinite(values)
    count = int(bad.sum())
    flat = int(np.flatnonzero(bad.ravel())[0])
    if values.ndim == 1:
        row, col = flat, 0
    else:
        row, col = divmod(flat, values.shape[1]) if values.ndim == 2 else (flat, 0)
    kind = "NaN" if np.isnan(values.ravel()[flat]) else "inf"
    return row, col, count, kind


def check_finite(A: Any, name: str = "X") -> None:
    """Raise :class:`LinmlInputError` naming the row and column of the first NaN/inf in ``A``.

    Works for dense arrays (1-D: the position is the row) and scipy.sparse matrices
    (only stored entries can be non-finite).

    >>> check_finite(np.array([[1.0, np.nan]]))
    Traceback (most recent call last):
    ...
    linml.exceptions.LinmlInputError: X contains NaN at row 0, column 1 (1 non-finite entry in all; NaN or inf is not allowed); remove or impute it first.
    """
    if sp.issparse(A):
        coo = A.tocoo()
        if coo.data.size and not np.isfinite(coo.data).all():
            i = int(np.flatnonzero(~np.isfinite(coo.data))[0])
            count = int((~np.isfinite(coo.data)).sum())
            kind = "NaN" if np.isnan(coo.data[i]) else "inf"
            raise LinmlInputError(
                f"{name} contains {kind} at row {int(coo.row[i])}, column {int(coo.col[i])} "
                f"({_entries(count)} in all; NaN or inf is not allowed); remove or impute it first."
            )
        return
    values = np.asarray(A)
    if values.dtype.kind not in "fc" or values.size == 0:
        return
    if np.isfinite(values).all():
        return
    row, col, count, kind = _first_nonfinite(values.reshape(values.shape[0], -1))
    where = f"row {row}, column {col}" if values.ndim > 1 else f"position {row}"
    raise LinmlInputError(
        f"{name} contains {kind} at {where} ({_entries(count)} in all; NaN or inf is "
        "not allowed); remove or impute it first."
    )


def _entries(count: int) -> str:
    return f"{count} non-finite entr{'y' if count == 1 else 'ies'}"


def _check_not_1d(X: Any, name: str) -> None:
    shape = getattr(X, "shape", None)
    if shape is None and isinstance(X, list | tuple):
        try:
            shape = np.asarray(X).shape
        except ValueError:  # ragged lists: let numpy's own error through later
            return
    if shape is not None and len(shape) == 1:
        raise LinmlInputError(
            f"{name} must be 2-D (n_samples, n_features); got a 1-D array of shape "
            f"{tuple(shape)}. Reshape your data: {name}.reshape(-1, 1) for one feature or "
            f"{name}.reshape(1, -1) for one sample."
        )


def check_array(
    X: Any,
    *,
    name: str = "X",
    dtype: Any = FLOAT_DTYPES,
    ensure_2d: bool = True,
    accept_sparse: bool | str | Sequence[str] = False,
    allow_nd: bool = False,
    ensure_min_samples: int = 1,
    ensure_min_features: int = 1,
    order: str | None = None,
    copy: bool = False,
    allow_nonfinite: bool = False,
) -> Any:
    """Convert ``X`` to a validated array (float64, or float32 kept) and check it is finite.

    Parameters
    ----------
    X : array-like or sparse matrix
        The input.
    name : str
        The argument's name, used in messages.
    dtype : dtype or tuple of dtypes
        Accepted dtypes; the first is used when ``X``'s dtype is not among them.
    ensure_2d, accept_sparse, allow_nd, ensure_min_samples, ensure_min_features, order, copy
        As in :func:`sklearn.utils.check_array`.
    allow_nonfinite : bool
        Skip the NaN/inf check.

    Returns
    -------
    ndarray or sparse matrix
    """
    if ensure_2d:
        _check_not_1d(X, name)
    try:
        out = skv.check_array(
            X,
            accept_sparse=accept_sparse,
            dtype=dtype,
            order=order,
            copy=copy,
            ensure_all_finite=False,
            ensure_2d=ensure_2d,
            allow_nd=allow_nd,
            ensure_min_samples=ensure_min_samples,
            ensure_min_features=ensure_min_features,
            input_name=name,
        )
    except TypeError as e:
        if "sparse" in str(e).lower():
            raise TypeError(
                f"{name} is a scipy.sparse matrix, which this function does not accept; "
                f"pass a dense array ({name}.toarray()) instead."
            ) from e
        raise
    except ValueError as e:
        _reword_conversion_error(e, name)
        raise
    if not allow_nonfinite:
        check_finite(out, name)
    return out


def _reword_conversion_error(err: ValueError, name: str) -> None:
    """Re-raise scikit-learn's generic conversion errors naming ``name`` (else return).

    "could not convert string to float: 'a'" and "Complex data not supported" + the whole
    array say neither which argument nor what to do.
    """
    msg = str(err)
    if isinstance(err, LinmlInputError):
        return
    if msg.startswith("Complex data not supported"):
        # the phrase is kept: scikit-learn's estimator checks look for it
        raise LinmlInputError(
            f"{name} has complex entries (Complex data not supported): linml works with real "
            f"numbers — pass {name}.real, np.abs({name}) or the real and imaginary parts as "
            "separate features."
        ) from err
    if "could not convert" in msg or "Unable to convert" in msg:
        raise LinmlInputError(
            f"{name} must be numeric but has a non-numeric entry ({msg[:80]}); convert or "
            f"encode those columns (e.g. OneHotEncoder for categories) before passing {name}."
        ) from err


def check_same_length(X: Any, y: Any, *, x_name: str = "X", y_name: str = "y") -> None:
    """Raise when ``y`` does not have one entry (row) per row of ``X``."""
    n_x = skv._num_samples(X)
    n_y = skv._num_samples(y)
    if n_x != n_y:
        raise LinmlInputError(
            f"{y_name} has {n_y} rows but {x_name} has {n_x}; they must describe the same "
            "samples (inconsistent numbers of samples)."
        )


def validate_data(
    estimator: Any,
    X: Any,
    y: Any = "no_validation",
    *,
    reset: bool = True,
    dtype: Any = FLOAT_DTYPES,
    accept_sparse: bool | str | Sequence[str] = False,
    y_numeric: bool = False,
    multi_output: bool = False,
    ensure_min_samples: int = 1,
    order: str | None = None,
    copy: bool = False,
    allow_nonfinite: bool = False,
) -> Any:
    """Validate ``X`` (and ``y``) for an estimator, recording ``n_features_in_`` on ``reset``.

    A thin layer over :func:`sklearn.utils.validation.validate_data` (so feature names,
    ``n_features_in_`` and the feature-count check at predict time work as in
    scikit-learn) that adds linml's messages: 1-D ``X`` and the row/column of a NaN.

    Returns ``X`` when ``y`` is not given, else ``(X, y)``.
    """
    no_y = isinstance(y, str) and y == "no_validation"
    _check_not_1d(X, "X")
    if not no_y and y is not None:
        if not (hasattr(y, "__len__") or hasattr(y, "shape") or hasattr(y, "__array__")):
            raise LinmlInputError(f"y must be array-like with one entry per sample; got {y!r}.")
        check_same_length(X, y)
        if not allow_nonfinite and not sp.issparse(y):
            # before scikit-learn's own check, so the message gives the position
            y_arr = np.asarray(y)
            if y_arr.dtype.kind in "fc":
                check_finite(y_arr, "y")
    kwargs: dict[str, Any] = dict(
        reset=reset,
        accept_sparse=accept_sparse,
        dtype=dtype,
        order=order,
        copy=copy,
        ensure_all_finite=False,
        ensure_min_samples=ensure_min_samples,
    )
    if no_y:
        try:
            out = skv.validate_data(estimator, X, **kwargs)
        except ValueError as e:
            _reword_conversion_error(e, "X")
            raise
        if not allow_nonfinite:
            check_finite(out, "X")
        return out
    try:
        X_out, y_out = skv.validate_data(
            estimator, X, y, y_numeric=y_numeric, multi_output=multi_output, **kwargs
        )
    except ValueError as e:
        # which of X or y failed to convert: retry X alone (cheap next to the failure)
        try:
            skv.check_array(X, accept_sparse=accept_sparse, dtype=dtype, ensure_all_finite=False)
        except ValueError:
            _reword_conversion_error(e, "X")
        else:
            _reword_conversion_error(e, "y")
        raise
    if not allow_nonfinite:
        check_finite(X_out, "X")
        if np.asarray(y_out).dtype.kind in "fc":
            check_finite(y_out, "y")
    return X_out, y_out


def float_tolerance(dtype: Any, factor: float = 1.0) -> float:
    """A tolerance derived from machine epsilon: ``factor * finfo(dtype).eps``."""
    return float(
        factor * np.finfo(np.dtype(dtype) if np.dtype(dtype).kind == "f" else np.float64).eps
    )


# ---------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Interval:
    """A numeric parameter constraint: ``kind`` (int or float) in [low, high] (``closed`` sides).

    >>> Interval(int, 1, None).describe()
    'an integer in [1, inf)'
    """

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"  # "both", "left", "right", "neither"
    finite: bool = False  # True: reject ±inf even where the interval is unbounded

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if self.finite and not np.isfinite(value):
            return False
        if not np.isfinite(value) and not (
            (value == np.inf and self.high is None) or (value == -np.inf and self.low is None)
        ):
            return False
        if self.low is not None:
            if value < self.low or (value == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if value > self.high or (value == self.high and self.closed in ("left", "neither")):
                return False
        return True

    def describe(self) -> str:
        left = "(" if self.low is None or self.closed in ("right", "neither") else "["
        right = ")" if self.high is None or self.closed in ("left", "neither") else "]"
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        what = "an integer" if self.kind is int else "a number"
        finite = ", finite" if self.finite and self.kind is not int else ""
        return f"{what} in {left}{lo}, {hi}{right}{finite}"


@dataclass(frozen=True)
class Options:
    """A parameter constraint: one of a fixed set of values (usually strings)."""

    values: tuple

    def accepts(self, value: Any) -> bool:
        try:
            return value in self.values
        except TypeError:
            return False

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


def _describe(constraint: Any) -> str:
    if constraint is None:
        return "None"
    if constraint is callable:
        return "a callable"
    if isinstance(constraint, type):
        return f"an instance of {constraint.__name__}"
    if constraint == "array-like":
        return "an array-like"
    return constraint.describe()


def _accepts(constraint: Any, value: Any) -> bool:
    if constraint is None:
        return value is None
    if constraint is callable:
        return callable(value)
    if isinstance(constraint, type):
        return isinstance(value, constraint) and not (
            constraint in (int, float) and isinstance(value, bool)
        )
    if constraint == "array-like":
        # a string has a length but is no array of numbers ("1.0" must not pass as alpha)
        if isinstance(value, str | bytes):
            return False
        return hasattr(value, "__len__") or hasattr(value, "shape")
    return constraint.accepts(value)


def validate_params(
    owner: str, params: dict[str, Any], constraints: dict[str, Iterable[Any]]
) -> None:
    """Check each parameter against its declared constraints (any one must accept it).

    Constraints per parameter are a list of :class:`Interval`, :class:`Options`, a type,
    ``None`` (the value may be None), ``callable`` or the string ``"array-like"``.
    Array-like values are checked element-wise against the numeric constraints.
    """
    for key, allowed in constraints.items():
        if key not in params:
            continue
        value = params[key]
        allowed = list(allowed)
        is_array = _is_array_like(value)
        if not (is_array and "array-like" in allowed) and _accepts_any(allowed, value):
            continue
        if "array-like" in allowed and is_array:
            numeric = [c for c in allowed if isinstance(c, Interval)]
            if not numeric:
                continue
            arr = np.asarray(value)
            if arr.size and all(
                any(c.accepts(v.item() if hasattr(v, "item") else v) for c in numeric)
                for v in arr.ravel()
            ):
                continue
            desc = " or ".join(_describe(c) for c in numeric)
            raise LinmlInputError(f"{owner}: every entry of {key} must be {desc}; got {value!r}.")
        desc = " or ".join(_describe(c) for c in allowed)
        raise LinmlInputError(f"{owner}: {key}={value!r} must be {desc}.")


def _is_array_like(value: Any) -> bool:
    if isinstance(value, str | dict) or callable(value):
        return False
    try:
        return np.ndim(value) > 0
    except ValueError:  # ragged nested sequences
        return True


def _accepts_any(allowed: list[Any], value: Any) -> bool:
    return any(_accepts(c, value) for c in allowed)


def check_callable_or_options(value: Any, name: str, options: Sequence[str]) -> None:
    """Raise unless ``value`` is one of ``options`` or a callable."""
    if callable(value) or value in options:
        return
    raise LinmlInputError(
        f"{name}={value!r} must be one of {', '.join(map(repr, options))} or a callable."
    )
