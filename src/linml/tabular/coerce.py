"""``Coerce``: make a table's columns uniformly numbers or uniformly strings before encoding.

Real files mix types: a numeric column with a stray ``?``, a class code read as ``3`` in one
file and ``3.0`` in the next (a missing value makes pandas read floats), booleans. The
scikit-learn imputers and encoders that follow need one type per column, so this step fixes
it the same way at fit and at predict time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from linml.exceptions import LinmlInputError
from linml.tabular._frames import TableStep, as_frame, check_width

__all__ = ["Coerce", "as_strings"]


def as_strings(column: pd.Series) -> pd.Series:
    """Strings for a categorical column, ``NaN`` kept: integer-valued numbers without ``.0``.

    >>> as_strings(pd.Series([3.0, None, 1.5, True])).tolist()
    ['3', nan, '1.5', 'True']
    """

    def one(v: Any) -> Any:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
            return np.nan
        if isinstance(v, bool | np.bool_):
            return str(bool(v))
        if isinstance(v, int | np.integer):
            return str(int(v))
        if isinstance(v, float | np.floating):
            return str(int(v)) if float(v).is_integer() else repr(float(v))
        return str(v).strip()

    return pd.Series(
        [one(v) for v in column.to_numpy(dtype=object)], index=column.index, dtype=object
    )


class Coerce(TableStep):
    """Cast every column to float64 (``to="number"``) or to strings (``to="string"``).

    ``to="number"``: each entry is parsed as a number (``pd.to_numeric``); entries that are
    not numbers (``?``, ``n/a``, free text) become ``NaN``, to be imputed or reported by the
    steps that follow. ``to="string"``: see :func:`as_strings`.

    Parameters
    ----------
    to : {"number", "string"}, default="number"

    Attributes
    ----------
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (when given a DataFrame).

    Examples
    --------
    >>> import pandas as pd
    >>> Coerce().fit_transform(pd.DataFrame({"hp": ["130", "?", "95"]}))["hp"].tolist()
    [130.0, nan, 95.0]
    """

    def __init__(self, to: str = "number") -> None:
        self.to = to

    def fit(self, X: Any, y: Any = None) -> Coerce:
        """Record the columns (nothing is learned from the values)."""
        if self.to not in ("number", "string"):
            raise LinmlInputError(f"Coerce: to={self.to!r} must be 'number' or 'string'.")
        frame = as_frame(X, "Coerce")
        self.n_features_in_ = frame.shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        return self

    def transform(self, X: Any) -> pd.DataFrame:
        """The columns cast; a DataFrame with the same index and column names."""
        check_is_fitted(self, "n_features_in_")
        frame = as_frame(X, "Coerce")
        check_width(frame, self.n_features_in_, "Coerce")
        if self.to == "number":
            out = {c: pd.to_numeric(_as_object(frame[c]), errors="coerce") for c in frame.columns}
            return pd.DataFrame(out, index=frame.index).astype(np.float64)
        return pd.DataFrame({c: as_strings(frame[c]) for c in frame.columns}, index=frame.index)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The input column names, unchanged."""
        check_is_fitted(self, "n_features_in_")
        if input_features is not None:
            return np.asarray(input_features, dtype=object)
        if hasattr(self, "feature_names_in_"):
            return self.feature_names_in_.copy()
        return np.asarray([f"x{j}" for j in range(self.n_features_in_)], dtype=object)


def _as_object(column: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(column):
        return column.astype(np.float64)
    if pd.api.types.is_numeric_dtype(column):
        return column
    return column.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
