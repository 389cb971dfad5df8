"""Coerce: one type per column, the same at fit and at predict time."""

import numpy as np
import pandas as pd
import pytest

from linml.exceptions import LinmlInputError
from linml.tabular import Coerce
from linml.tabular.coerce import as_strings


def test_numbers_with_text_become_nan():
    out = Coerce().fit_transform(pd.DataFrame({"a": ["1", " 2.5 ", "?", None], "b": [1, 2, 3, 4]}))
    np.testing.assert_array_equal(out["a"].to_numpy(), [1.0, 2.5, np.nan, np.nan])
    assert out.dtypes.tolist() == [np.float64, np.float64]


def test_strings_are_stable_across_int_and_float_reads():
    """A code read as 3 (no NaN in the file) and as 3.0 (a NaN elsewhere) is the same level."""
    a = as_strings(pd.Series([3, 1]))
    b = as_strings(pd.Series([3.0, np.nan]))
    assert a[0] == b[0] == "3"
    assert as_strings(pd.Series([True, "x "])).tolist() == ["True", "x"]


def test_numpy_input_and_names():
    c = Coerce("string").fit(np.array([[1, "a"]], dtype=object))
    assert c.get_feature_names_out().tolist() == ["x0", "x1"]
    assert c.transform(np.array([[2, "b"]], dtype=object)).iloc[0].tolist() == ["2", "b"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: Coerce("int").fit(pd.DataFrame({"a": [1]})),
            "to='int' must be 'number' or 'string'",
        ),
        (
            lambda: (
                Coerce().fit(pd.DataFrame({"a": [1]})).transform(pd.DataFrame({"a": [1], "b": [2]}))
            ),
            "expecting 1 features",
        ),
        (lambda: Coerce().fit(np.zeros(3)), "expected a 2-D table"),
    ],
)
def test_bad_input(make, message):
    with pytest.raises(LinmlInputError, match=message):
        make()
