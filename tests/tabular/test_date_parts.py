"""DateParts: dates as year, month, day, weekday (and hour, minute when times are present)."""

import numpy as np
import pandas as pd
import pytest

from linml.exceptions import LinmlInputError
from linml.tabular import DateParts


def test_parts_match_pandas_oracle():
    dates = pd.Series(pd.date_range("1999-12-30", periods=9, freq="37D"))
    out = DateParts().fit_transform(pd.DataFrame({"d": dates.dt.strftime("%Y-%m-%d")}))
    np.testing.assert_array_equal(out["d_year"], dates.dt.year.astype(float))
    np.testing.assert_array_equal(out["d_month"], dates.dt.month.astype(float))
    np.testing.assert_array_equal(out["d_day"], dates.dt.day.astype(float))
    np.testing.assert_array_equal(out["d_weekday"], dates.dt.day_of_week.astype(float))


def test_times_add_hour_and_minute_and_bad_entries_are_nan():
    frame = pd.DataFrame({"t": ["2024-01-01 10:30", "garbage", None]})
    model = DateParts().fit(frame)
    assert model.parts_ == [["year", "month", "day", "weekday", "hour", "minute"]]
    out = model.transform(frame)
    assert out.iloc[0].tolist() == [2024.0, 1.0, 1.0, 0.0, 10.0, 30.0]
    assert out.iloc[1:].isna().all(axis=None)


def test_datetime_dtype_and_numpy_input():
    frame = pd.DataFrame({"d": pd.to_datetime(["2020-02-29"]).tz_localize("UTC")})
    assert DateParts().fit_transform(frame).iloc[0].tolist() == [2020.0, 2.0, 29.0, 5.0]
    names = DateParts().fit(np.array([["2020-01-01"]], dtype=object)).get_feature_names_out()
    assert names.tolist() == ["x0_year", "x0_month", "x0_day", "x0_weekday"]


def test_bad_input():
    with pytest.raises(LinmlInputError, match="expected a 2-D table"):
        DateParts().fit(np.array(["2020-01-01"]))
    model = DateParts().fit(pd.DataFrame({"d": ["2020-01-01"]}))
    with pytest.raises(LinmlInputError, match="expecting 1 features"):
        model.transform(pd.DataFrame({"d": ["2020-01-01"], "e": ["2020-01-01"]}))
