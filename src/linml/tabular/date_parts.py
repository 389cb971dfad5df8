"""``DateParts``: a date column as the numbers a linear model can use (year, month, day, weekday)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from linml.tabular._frames import TableStep, as_frame, check_width

__all__ = ["DateParts", "parse_dates"]

_PARTS = ("year", "month", "day", "weekday")
_TIME_PARTS = ("hour", "minute")


def parse_dates(column: pd.Series) -> pd.Series:
    """Parse a column as datetimes; entries that are not dates become ``NaT``.

    >>> parse_dates(pd.Series(["2024-01-31", "not a date"])).dt.year.tolist()
    [2024.0, nan]
    """
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.tz_localize(None) if column.dt.tz is not None else column
    values = column.astype(object).where(column.notna(), None)
    return pd.to_datetime(values, errors="coerce", format="mixed")


class DateParts(TableStep):
    """Expand each date column into numeric parts: ``year, month, day, weekday`` (+ ``hour, minute``).

    For a date ``t`` the parts are ``year(t)``, ``month(t) ∈ 1..12``, ``day(t) ∈ 1..31`` and
    ``weekday(t) ∈ 0..6`` (Monday = 0); ``hour`` and ``minute`` are added for a column whose
    values carry a time of day in ``fit``. Unparseable entries give ``NaN`` parts (imputed by
    the step that follows).

    Attributes
    ----------
    parts_ : list of list of str
        The parts emitted for each input column.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import pandas as pd
    >>> out = DateParts().fit_transform(pd.DataFrame({"d": ["2024-03-01", "2023-12-25"]}))
    >>> out.columns.tolist(), out.iloc[0].tolist()
    (['d_year', 'd_month', 'd_day', 'd_weekday'], [2024.0, 3.0, 1.0, 4.0])
    """

    def fit(self, X: Any, y: Any = None) -> DateParts:
        """Decide, per column, whether times of day are present."""
        frame = as_frame(X, "DateParts")
        self.n_features_in_ = frame.shape[1]
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.parts_ = []
        for c in frame.columns:
            t = parse_dates(frame[c]).dropna()
            has_time = bool(t.size) and bool(((t.dt.hour != 0) | (t.dt.minute != 0)).any())
            self.parts_.append(list(_PARTS + (_TIME_PARTS if has_time else ())))
        return self

    def transform(self, X: Any) -> pd.DataFrame:
        """The parts as float64 columns named ``<column>_<part>``."""
        check_is_fitted(self, "parts_")
        frame = as_frame(X, "DateParts")
        check_width(frame, self.n_features_in_, "DateParts")
        out: dict[str, Any] = {}
        for name, c, parts in zip(self.feature_names_in_, frame.columns, self.parts_, strict=True):
            t = parse_dates(frame[c])
            for part in parts:
                values = t.dt.day_of_week if part == "weekday" else getattr(t.dt, part)
                out[f"{name}_{part}"] = values.astype(np.float64).to_numpy()
        return pd.DataFrame(out, index=frame.index)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``<column>_<part>`` for every column and part."""
        check_is_fitted(self, "parts_")
        names = self.feature_names_in_ if input_features is None else input_features
        return np.asarray(
            [f"{n}_{p}" for n, parts in zip(names, self.parts_, strict=True) for p in parts],
            dtype=object,
        )
