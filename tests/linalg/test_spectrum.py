"""Tests for linml.linalg._spectrum: what an already computed spectrum says, without checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linml.linalg import condition_number, effective_rank, numerical_rank
from linml.linalg._spectrum import (
    cond_from_spectrum,
    effective_rank_from_spectrum,
    product_singular_values,
    rank_from_spectrum,
)


def _spectrum(X: np.ndarray) -> np.ndarray:
    return np.linalg.svd(X, compute_uv=False)


@pytest.mark.parametrize("shape", [(30, 5), (5, 30)])
def test_cond_from_spectrum_equals_condition_number_of_full_rank(shape):
    """On a full-rank matrix the trusted ratio is the public condition number."""
    X = np.random.default_rng(0).standard_normal(shape)
    assert cond_from_spectrum(_spectrum(X)) == pytest.approx(condition_number(X), rel=1e-12)


def test_cond_from_spectrum_zero_or_empty_is_inf():
    """A zero smallest singular value, or no singular values, is an infinite condition."""
    assert cond_from_spectrum(np.array([2.0, 0.0])) == math.inf
    assert cond_from_spectrum(np.zeros(0)) == math.inf


def test_cond_from_spectrum_trusts_a_non_finite_spectrum():
    """No validation: inf / inf is nan (what a diagnosis of a diverged layer reports)."""
    with np.errstate(invalid="ignore"):
        assert math.isnan(cond_from_spectrum(np.array([np.inf])))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rank_from_spectrum_matches_numerical_rank(seed):
    """With size = max(shape) and the dtype's eps it counts what numerical_rank counts."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 3)) @ rng.standard_normal((3, 7))  # rank 3 of 7 columns
    S = _spectrum(X)
    assert rank_from_spectrum(S, max(X.shape), np.finfo(X.dtype).eps) == numerical_rank(X).rank
    assert rank_from_spectrum(S, max(X.shape), np.finfo(X.dtype).eps) == 3


def test_rank_from_spectrum_of_zero_or_empty_is_zero():
    """An all-zero spectrum and an empty one have rank 0."""
    assert rank_from_spectrum(np.zeros(3), 3, 1e-16) == 0
    assert rank_from_spectrum(np.zeros(0), 3, 1e-16) == 0


@given(st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=1, max_size=20))
def test_effective_rank_from_spectrum_is_the_public_one(values):
    """The public effective_rank(singular_values=S) is this core behind its checks."""
    S = np.sort(np.asarray(values))[::-1]
    assert effective_rank_from_spectrum(S) == effective_rank(singular_values=S)


def test_effective_rank_from_spectrum_closed_forms():
    """k equal singular values give k; zeros do not count; a zero spectrum gives 0."""
    assert effective_rank_from_spectrum(np.full(4, 3.0)) == pytest.approx(4.0)
    assert effective_rank_from_spectrum(np.array([2.0, 2.0, 0.0])) == pytest.approx(2.0)
    assert effective_rank_from_spectrum(np.zeros(3)) == 0.0
    assert effective_rank_from_spectrum(np.zeros(0)) == 0.0


def test_effective_rank_from_spectrum_trusts_a_non_finite_spectrum():
    """No validation: an infinite singular value gives nan instead of an error."""
    with np.errstate(invalid="ignore"):
        assert math.isnan(effective_rank_from_spectrum(np.array([np.inf])))


@pytest.mark.parametrize(("n", "m", "k"), [(50, 30, 4), (3, 40, 6), (20, 20, 20)])
def test_product_singular_values_equal_those_of_the_product(n, m, k):
    """sv(A B^T) from two thin QRs equals the SVD of the formed product (its top min(n, m, k))."""
    rng = np.random.default_rng(n + m + k)
    A, B = rng.standard_normal((n, k)), rng.standard_normal((m, k))
    s = product_singular_values(A, B)
    r = min(n, m, k)
    assert s.shape == (r,)
    np.testing.assert_allclose(s, _spectrum(A @ B.T)[:r], rtol=1e-10, atol=1e-12)
    assert np.all(np.diff(s) <= 0)  # descending
