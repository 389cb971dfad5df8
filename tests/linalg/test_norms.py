"""Tests for linml.linalg.norms: every kind vs NumPy for vectors and matrices."""

from __future__ import annotations

import numpy as np
import pytest

from linml.exceptions import LinmlInputError
from linml.linalg import NORM_KINDS, norm

VECTOR_ORD = {"l1": 1, "l2": 2, "linf": np.inf, "fro": 2, "nuclear": 2}
MATRIX_ORD = {"l1": 1, "l2": 2, "linf": np.inf, "fro": "fro", "nuclear": "nuc"}


@pytest.mark.parametrize("kind", NORM_KINDS)
def test_vector_norms_match_numpy(kind):
    x = np.random.default_rng(0).standard_normal(11)
    assert norm(x, kind) == pytest.approx(np.linalg.norm(x, VECTOR_ORD[kind]), rel=1e-12)


@pytest.mark.parametrize("kind", NORM_KINDS)
@pytest.mark.parametrize("shape", [(5, 3), (3, 5)])
def test_matrix_norms_match_numpy(kind, shape):
    A = np.random.default_rng(1).standard_normal(shape)
    assert norm(A, kind) == pytest.approx(np.linalg.norm(A, MATRIX_ORD[kind]), rel=1e-12)


def test_l2_vector_norm_does_not_overflow():
    assert norm(np.array([1e200, 1e200])) == pytest.approx(np.sqrt(2) * 1e200)


def test_norm_bad_input():
    with pytest.raises(LinmlInputError, match=r"kind='l3' is not supported.*'l1', 'l2'"):
        norm(np.ones(3), "l3")
    with pytest.raises(LinmlInputError, match=r"x contains NaN at position 1"):
        norm(np.array([1.0, np.nan]))
    with pytest.raises(LinmlInputError, match=r"vector .* or a matrix"):
        norm(np.ones((2, 2, 2)))
