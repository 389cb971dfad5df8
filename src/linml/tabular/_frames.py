"""Input checks shared by the table transformers (Coerce, DateParts): a 2-D table, dense, non-empty."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from linml.exceptions import LinmlInputError

_SCALARS = (str, bool, int, float, np.generic, _dt.date, _dt.datetime, pd.Timestamp, type(None))


def as_frame(X: Any, owner: str) -> pd.DataFrame:
    """``X`` as a DataFrame (columns ``x0, x1, …`` for arrays), refusing what a table is not.

    Sparse input, complex numbers, a 1-D array, an empty table and cells that are not scalars
    (a dict, a list) are refused with the owner's name in the message.
    """
    if hasattr(X, "toarray") or (hasattr(X, "sparse") and not isinstance(X, pd.DataFrame)):
        raise TypeError(f"{owner}: sparse input is not supported; pass a dense table.")
    if isinstance(X, pd.DataFrame):
        frame = X
    else:
        A = np.asarray(X, dtype=object) if not isinstance(X, np.ndarray) else X
        if A.ndim == 1:
            raise LinmlInputError(
                f"{owner}: expected a 2-D table, got a 1-D array of shape {A.shape}. Reshape your "
                "data either using array.reshape(-1, 1) if it has a single feature or "
                "array.reshape(1, -1) if it contains a single sample."
            )
        if A.ndim != 2:
            raise LinmlInputError(f"{owner}: X must be 2-D, got shape {A.shape}.")
        frame = pd.DataFrame(A, columns=[f"x{j}" for j in range(A.shape[1])])
    if frame.shape[1] == 0:
        raise LinmlInputError(
            f"{owner}: found 0 feature(s) (shape={frame.shape}) while a minimum of 1 is required."
        )
    if frame.shape[0] == 0:
        raise LinmlInputError(
            f"{owner}: found 0 sample(s) (shape={frame.shape}) while a minimum of 1 is required."
        )
    for c in frame.columns:
        col = frame[c]
        if pd.api.types.is_complex_dtype(col):
            raise LinmlInputError(f"{owner}: column {c!r}: Complex data not supported.")
        if col.dtype == object:
            odd = [v for v in col.to_numpy() if not isinstance(v, _SCALARS)]
            if odd:
                if any(isinstance(v, complex) for v in odd):
                    raise LinmlInputError(f"{owner}: column {c!r}: Complex data not supported.")
                raise TypeError(
                    f"{owner}: column {c!r} holds a {type(odd[0]).__name__}; each cell must be "
                    "a string or a number (argument must be a string or a number)."
                )
    return frame


def check_width(frame: pd.DataFrame, fitted: int, owner: str) -> None:
    """The number of columns seen in ``fit``, in scikit-learn's words."""
    if frame.shape[1] != fitted:
        raise LinmlInputError(
            f"X has {frame.shape[1]} features, but {owner} is expecting {fitted} features as input."
        )


class TableStep(TransformerMixin, BaseEstimator):
    """Base of linml's table transformers (Coerce, DateParts): their scikit-learn tags."""

    def __sklearn_tags__(self) -> Any:
        """A table step: strings and missing values are its input; it keeps no dtype."""
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []
        return tags
