"""evaluate_analogies: the Google-format parser, batched answers vs loops, gensim's rules, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linml.datasets import load_word_vectors
from linml.exceptions import LinmlInputError
from linml.neighbors import EmbeddingIndex
from linml.neighbors.analogies import TOTAL, evaluate_analogies, read_analogies

HAND_WRITTEN = """\
: capitals
athens greece berlin germany
paris france rome italy

athens greece zzyzx nowhere
: gender
king queen man woman
Man Woman Boy Girl
"""


def _unit(V):
    n = np.linalg.norm(V, axis=-1, keepdims=True)
    return V / np.where(n > 0, n, 1.0)


def _bundled_questions():
    """All ordered pairs of pairs per relation of the bundled set, in the Google format."""
    _, _, relations = load_word_vectors()
    lines = []
    for name, pairs in relations.items():
        lines.append(f": {name}")
        lines += [f"{a} {b} {c} {d}" for a, b in pairs for c, d in pairs if (a, b) != (c, d)]
    return lines


# ------------------------------------------------------------------ parser
def test_parser_sections_blank_lines_and_case(tmp_path):
    path = tmp_path / "questions.txt"
    path.write_text(HAND_WRITTEN)
    folded = read_analogies(path)
    assert [name for name, _ in folded] == ["capitals", "gender"]
    assert folded[0][1] == [
        ("ATHENS", "GREECE", "BERLIN", "GERMANY"),
        ("PARIS", "FRANCE", "ROME", "ITALY"),
        ("ATHENS", "GREECE", "ZZYZX", "NOWHERE"),
    ]
    kept = read_analogies(HAND_WRITTEN.splitlines(), case_insensitive=False)
    assert kept[1][1] == [("king", "queen", "man", "woman"), ("Man", "Woman", "Boy", "Girl")]
    assert read_analogies(str(path)) == read_analogies(HAND_WRITTEN)  # path str or the text


def test_oov_questions_are_skipped_not_wrong():
    words = ["athens", "greece", "berlin", "germany", "paris", "france", "rome", "italy"]
    words += ["king", "queen", "man", "woman", "boy", "girl"]
    rng = np.random.default_rng(0)
    index = EmbeddingIndex().add(rng.normal(size=(len(words), 8)), ids=words)
    result = evaluate_analogies(index, HAND_WRITTEN, restrict_vocab=None)
    capitals, gender = result.sections
    assert (capitals.name, capitals.n_scored, capitals.n_oov) == ("capitals", 2, 1)
    assert (gender.name, gender.n_scored, gender.n_oov) == ("gender", 2, 0)
    total = result.to_frame().iloc[-1]
    assert total["section"] == TOTAL and total["oov"] == 1
    assert total["correct"] + total["incorrect"] == 4
    # the vocabulary cut makes words beyond it out of vocabulary ('girl' is the last word)
    cut = evaluate_analogies(index, HAND_WRITTEN, restrict_vocab=len(words) - 1)
    assert cut.sections[1].n_oov == 1 and cut.sections[1].n_scored == 1


# ------------------------------------------------------------------ batched = loop
@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
@pytest.mark.parametrize("max_memory_mb", [64, 0.01])  # one GEMM per section, or many blocks
def test_batched_equals_a_loop_of_most_similar(method, max_memory_mb):
    words, vectors, _ = load_word_vectors()
    index = EmbeddingIndex().add(vectors, ids=words)
    result = evaluate_analogies(
        index, _bundled_questions(), restrict_vocab=None, method=method, max_memory_mb=max_memory_mb
    )
    n = 0
    for section in result.sections:
        looped = []
        for a, b, c, _d in section.questions:
            hits = index.most_similar([b.lower(), c.lower()], [a.lower()], k=1, method=method)
            looped.append(hits[0][0])
        assert list(section.predicted) == looped
        assert section.correct == sum(p.upper() == q[3] for p, q in zip(looped, section.questions))
        n += len(looped)
    assert n == result.total.n_scored > 0
    if method == "3cosadd":
        assert result.accuracy > 0.8  # the tour chapter's claim on the same set


def _answers_reference(X, questions, method, eps=1e-3):
    """The NumPy twin: one question at a time, the argmax of the written-out formula."""
    Xn = _unit(X)
    out = []
    for a, b, c in questions:
        if method == "3cosadd":
            score = Xn @ (Xn[b] - Xn[a] + Xn[c])
        else:
            cos = (1 + Xn @ Xn[[a, b, c]].T) / 2  # (V, 3)
            score = cos[:, 1] * cos[:, 2] / (cos[:, 0] + eps)
        score[[a, b, c]] = -np.inf
        out.append(int(np.argmax(score)))
    return out


@given(
    V=st.integers(8, 60),
    d=st.integers(2, 8),
    m=st.integers(1, 25),
    method=st.sampled_from(["3cosadd", "3cosmul"]),
    seed=st.integers(0, 10_000),
)
def test_answers_equal_the_numpy_formula(V, d, m, method, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(V, d))
    words = [f"w{i}" for i in range(V)]
    questions = [rng.choice(V, size=4, replace=False).tolist() for _ in range(m)]
    lines = [": s"] + [" ".join(words[i] for i in q) for q in questions]
    index = EmbeddingIndex(dtype=np.float64).add(X, ids=words)
    result = evaluate_analogies(index, lines, restrict_vocab=None, method=method)
    expected = _answers_reference(X, [q[:3] for q in questions], method)
    assert list(result.sections[0].predicted) == [words[i] for i in expected]


def test_case_variant_of_a_query_word_is_skipped():
    """gensim's rule: 'KING' (a second spelling of king) is no answer to a question on king."""
    words = ["king", "man", "woman", "queen", "KING"]
    X = np.array([[1, 0, 1], [1, 0, 0], [0, 1, 0], [0, 1, 0.9], [-0.3, 1, 0.7]])
    index = EmbeddingIndex(dtype=np.float64).add(X, ids=words)
    assert index.most_similar(["king", "woman"], ["man"], k=1)[0][0] == "KING"
    folded = evaluate_analogies(index, [": g", "man king woman queen"], restrict_vocab=None)
    assert folded.sections[0].predicted == ("queen",) and folded.total.correct == 1
    exact = evaluate_analogies(
        index, [": g", "man king woman queen"], restrict_vocab=None, case_insensitive=False
    )
    assert exact.sections[0].predicted == ("KING",) and exact.total.correct == 0


# ------------------------------------------------------------------ gensim
def _structured_vocabulary(rng, n_pairs=40, d=6):
    """Pairs (x, x + offset + noise) so that analogies are right often but not always."""
    base = rng.normal(size=(n_pairs, d))
    offset = rng.normal(size=d)
    X = np.vstack([base, base + offset + 0.6 * rng.normal(size=(n_pairs, d))])
    words = [f"a{i}" for i in range(n_pairs)] + [f"b{i}" for i in range(n_pairs)]
    # second spellings: gensim's case-insensitive rule uses the first one's vector
    X = np.vstack([X, X[:5] + 0.1 * rng.normal(size=(5, d))])
    words += [w.upper() for w in words[:5]]
    return words, X.astype(np.float32)


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("restrict_vocab", [None, 70])
def test_equals_gensim_evaluate_word_analogies(tmp_path, case_insensitive, restrict_vocab):
    pytest.importorskip("gensim")
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(1)
    words, X = _structured_vocabulary(rng)
    n_pairs = 40
    lines = []
    for s in range(3):
        lines.append(f": section-{s}")
        for _ in range(60):
            i, j = rng.choice(n_pairs, size=2, replace=False)
            lines.append(f"a{i} b{i} a{j} b{j}")
    lines.append("A1 B1 a2 b2")  # a case variant (OOV when case-sensitive)
    path = tmp_path / "q.txt"
    path.write_text("\n".join(lines) + "\n")
    kv = KeyedVectors(X.shape[1])
    kv.add_vectors(words, X)
    restrict = len(words) if restrict_vocab is None else restrict_vocab
    _, expected = kv.evaluate_word_analogies(
        str(path), restrict_vocab=restrict, case_insensitive=case_insensitive
    )
    index = EmbeddingIndex().add(X, ids=words)
    result = evaluate_analogies(index, path, restrict, case_insensitive)
    ours = [*result.sections, result.total]
    assert [s.name for s in ours] == [e["section"] for e in expected]
    for section, e in zip(ours, expected):
        assert (section.correct, section.incorrect) == (len(e["correct"]), len(e["incorrect"]))
        assert 0 < section.accuracy < 1  # the comparison is not between trivial scores
    assert result.total.n_oov > 0 or restrict_vocab is None


# ------------------------------------------------------------------ errors
def _index():
    return EmbeddingIndex().add(np.eye(4), ids=["a", "b", "c", "d"])


@pytest.mark.parametrize(
    ("lines", "match"),
    [
        ([": s", "a b c"], r"line 2 of the analogy lines \('a b c'\) has 3 words"),
        ([": s", "a b c d e"], r"line 2 .* has 5 words; an analogy question is four words"),
        (["a b c d"], r"line 1 .* comes before any ': section' header"),
        ([], "holds no analogy questions"),
        ([": only-a-header", ""], "holds no analogy questions"),
        ([": s", 42], "line 2 of the analogy lines is int, not a string"),
    ],
)
def test_malformed_input(lines, match):
    with pytest.raises(LinmlInputError, match=match):
        evaluate_analogies(_index(), lines)


def test_empty_file_and_missing_path(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(LinmlInputError, match=r"empty.txt' holds no analogy questions"):
        evaluate_analogies(_index(), empty)
    with pytest.raises(LinmlInputError, match="no such file"):
        evaluate_analogies(_index(), tmp_path / "missing.txt")
    with pytest.raises(LinmlInputError, match="a file path or a list of lines; got int"):
        evaluate_analogies(_index(), 3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "3cosine"}, r"method='3cosine' must be one of '3cosadd', '3cosmul'"),
        ({"restrict_vocab": 0}, r"restrict_vocab=0 must be None or an integer in \[1, inf\)"),
        ({"case_insensitive": "yes"}, "case_insensitive='yes' must be an instance of bool"),
        ({"max_memory_mb": 0}, "max_memory_mb=0 must be"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(LinmlInputError, match=match):
        evaluate_analogies(_index(), [": s", "a b c d"], **kwargs)


def test_index_must_hold_words():
    with pytest.raises(
        LinmlInputError, match="must be a linml EmbeddingIndex of word vectors; got ndarray"
    ):
        evaluate_analogies(np.eye(3), [": s", "a b c d"])
    with pytest.raises(LinmlInputError, match=r"string ids .* its ids are integers"):
        evaluate_analogies(EmbeddingIndex().add(np.eye(3)), [": s", "a b c d"])
    with pytest.raises(LinmlInputError, match="it is empty"):
        evaluate_analogies(EmbeddingIndex(), [": s", "a b c d"])
