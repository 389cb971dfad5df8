"""Input checks at the public boundary: messages name the argument and the position."""

import numpy as np
import pytest
import scipy.sparse as sp

from linml._validation import Interval, Options, check_array, check_finite, validate_params
from linml.exceptions import LinmlInputError


def test_nan_message_gives_row_and_column():
    X = np.zeros((4, 3))
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN at row 2, column 1"):
        check_finite(X)


def test_inf_in_sparse_gives_position():
    X = sp.csr_matrix(np.array([[0.0, 1.0], [np.inf, 0.0]]))
    with pytest.raises(LinmlInputError, match=r"inf at row 1, column 0"):
        check_finite(X, "A")


def test_one_d_x_is_rejected_with_reshape_hint():
    with pytest.raises(ValueError, match=r"X must be 2-D.*Reshape your data: X.reshape\(-1, 1\)"):
        check_array(np.arange(3.0))


def test_float32_is_kept_and_ints_become_float64():
    assert check_array(np.ones((2, 2), np.float32)).dtype == np.float32
    assert check_array(np.ones((2, 2), int)).dtype == np.float64


def test_empty_x_is_rejected():
    with pytest.raises(ValueError, match="0 sample"):
        check_array(np.empty((0, 3)))


@pytest.mark.parametrize(
    ("value", "ok"),
    [(0.0, True), (1, True), (-1.0, False), (np.inf, True), (np.nan, False), (True, False)],
)
def test_interval(value, ok):
    assert Interval(float, 0, None).accepts(value) is ok


def test_validate_params_messages():
    spec = {"alpha": [Interval(float, 0, None), "array-like"], "solver": [Options(("qr", "svd"))]}
    validate_params("Ridge", {"alpha": [1.0, 2.0], "solver": "qr"}, spec)
    with pytest.raises(LinmlInputError, match=r"Ridge: solver='lu' must be one of 'qr', 'svd'"):
        validate_params("Ridge", {"solver": "lu"}, spec)
    with pytest.raises(
        LinmlInputError, match=r"every entry of alpha must be a number in \[0, inf\)"
    ):
        validate_params("Ridge", {"alpha": [1.0, -2.0]}, spec)


def test_nan_in_y_gives_its_position():
    """Regression: scikit-learn's y check ran first and said only 'Input y contains NaN.'"""
    from sklearn.base import BaseEstimator

    from linml._validation import validate_data

    y = np.array([1.0, 2.0, np.nan])
    with pytest.raises(ValueError, match=r"y contains NaN at position 2"):
        validate_data(BaseEstimator(), np.ones((3, 2)), y, multi_output=True)


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.array([[1.0, "a"]], dtype=object), r"^X must be numeric but has a non-numeric entry"),
        (np.array([[1.0 + 1j, 2.0]]), r"^X has complex entries"),
    ],
)
def test_conversion_errors_name_the_argument(X, match):
    """Issue 17: scikit-learn's "could not convert string to float" / "Complex data not
    supported" + the whole array passed through without naming the argument."""
    with pytest.raises(LinmlInputError, match=match) as info:
        check_array(X, name="X")
    assert len(str(info.value)) < 300


def test_interval_finite_rejects_inf():
    """Issue 17: Ridge(alpha=inf) passed validation and then warned about "α = 0"."""
    spec = {"alpha": [Interval(float, 0, None, finite=True)]}
    with pytest.raises(LinmlInputError, match=r"alpha=inf must be a number in \[0, inf\), finite"):
        validate_params("Ridge", {"alpha": float("inf")}, spec)


def test_array_like_constraint_rejects_strings():
    """Issue 17: Ridge(alpha="1.0") was coerced, a string counting as an array-like."""
    spec = {"alpha": [Interval(float, 0, None), "array-like"]}
    with pytest.raises(LinmlInputError, match=r"alpha='1.0' must be"):
        validate_params("Ridge", {"alpha": "1.0"}, spec)
