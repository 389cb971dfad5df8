"""Word-analogy accuracy ("a : b :: c : ?") on the Google analogy set, batched by GEMM.

A question ``a b c d`` asks for the word ``x`` with ``b − a ≈ x − c``. Over unit vectors
``x̂`` of the first ``restrict_vocab`` words (matrix ``X``, ``V × d``), every question of a
block is answered at once:

=========  ==================================================================  ===========
method     score of every vocabulary word ``x`` (row of ``S``, ``m × V``)        GEMMs
=========  ==================================================================  ===========
3cosadd    ``S = (X̂_b − X̂_a + X̂_c) X̂ᵀ`` (Mikolov et al. 2013)                   one
3cosmul    ``S = cos′_b · cos′_c / (cos′_a + ε)``, ``cos′ = (1 + X̂_q X̂ᵀ) / 2``     one, 3m rows
           (Levy & Goldberg 2014, eq. 4; ``ε = 1e-3``)
=========  ==================================================================  ===========

then the three question words are excluded and the best remaining word is the answer; the
top 5 of each row of ``S`` come from the same compiled running top-k as
:meth:`EmbeddingIndex.search`. A section is one block unless ``S`` would exceed
``max_memory_mb``; then it is a few blocks, still one GEMM each — never a loop of searches.

The rules are those of gensim's ``KeyedVectors.evaluate_word_analogies`` (as in gensim 4.4.0), so
the figures compare one to one:

* the vocabulary is the first ``restrict_vocab`` ids of the index (frequency order for GloVe);
* with ``case_insensitive`` every word is upper-cased and a folded word stands for the
  vector of its first (most frequent) spelling;
* a question with any word outside that vocabulary is skipped (counted in ``n_oov``), not
  scored wrong;
* the answer is the first of the top 5 candidates (the three query rows removed) whose
  folded spelling is not a query word — if none is, the 5th;
* per section ``accuracy = correct / (correct + incorrect)`` (0 for an empty section) and
  the ``'Total accuracy'`` section pools every section, semantic and syntactic alike.

One difference: gensim logs and skips a line that is not four words; here it is an error
naming the line, since it is almost always a broken file.

>>> import numpy as np
>>> from linml.neighbors import EmbeddingIndex
>>> V = np.array([[1, 0, 0.2], [0, 1, 0.2], [1, 0, 1], [0, 1, 1], [0.3, 0.3, -1]])
>>> index = EmbeddingIndex().add(V, ids=["man", "woman", "king", "queen", "apple"])
>>> lines = [": royalty", "man woman king queen", "woman man queen king", "man woman king pear"]
>>> result = evaluate_analogies(index, lines, restrict_vocab=None)
>>> result.total.correct, result.total.incorrect, result.total.n_oov
(2, 0, 1)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from linml._numba import launch
from linml._validation import Interval, Options, validate_params
from linml.exceptions import LinmlInputError
from linml.neighbors._kernels import topk_merge
from linml.neighbors.embedding_index import ANALOGY_METHODS, COSMUL_EPS, EmbeddingIndex

__all__ = ["AnalogyResult", "AnalogySection", "evaluate_analogies", "read_analogies"]

TOTAL = "Total accuracy"  # gensim's name for the pooled section
_TOPN = 5  # gensim looks at the best 5 non-query candidates


@dataclass(frozen=True)
class AnalogySection:
    """One section's score: ``accuracy = correct / (correct + incorrect)`` (0 when empty).

    ``questions`` holds the scored ``(a, b, c, d)`` (folded when case-insensitive) and
    ``predicted`` the answer given to each (an id of the index, or None when every
    candidate was a query word); questions with out-of-vocabulary words are only counted.
    """

    name: str
    correct: int
    incorrect: int
    n_oov: int
    questions: tuple[tuple[str, str, str, str], ...] = field(default=(), repr=False)
    predicted: tuple[str | None, ...] = field(default=(), repr=False)

    @property
    def n_scored(self) -> int:
        return self.correct + self.incorrect

    @property
    def accuracy(self) -> float:
        return self.correct / self.n_scored if self.n_scored else 0.0


@dataclass(frozen=True)
class AnalogyResult:
    """Per-section scores (file order) and their pooled ``total`` ('Total accuracy')."""

    sections: tuple[AnalogySection, ...]
    method: str
    restrict_vocab: int

    @property
    def total(self) -> AnalogySection:
        return AnalogySection(
            TOTAL,
            sum(s.correct for s in self.sections),
            sum(s.incorrect for s in self.sections),
            sum(s.n_oov for s in self.sections),
        )

    @property
    def accuracy(self) -> float:
        """Pooled accuracy over every scored question."""
        return self.total.accuracy

    def to_frame(self) -> pd.DataFrame:
        """One row per section, then 'Total accuracy': correct, incorrect, oov, accuracy."""
        rows = [
            (s.name, s.correct, s.incorrect, s.n_oov, s.accuracy)
            for s in (*self.sections, self.total)
        ]
        return pd.DataFrame(rows, columns=["section", "correct", "incorrect", "oov", "accuracy"])


def read_analogies(
    path_or_lines: str | os.PathLike[str] | Iterable[str], *, case_insensitive: bool = True
) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """Parse the Google analogy format into ``[(section, [(a, b, c, d), ...]), ...]``.

    A line ``: name`` opens a section; every other non-blank line is four words ``a b c d``
    (upper-cased when ``case_insensitive``, as gensim does).

    Raises
    ------
    LinmlInputError
        Missing file, a question before the first section, a line that is not four
        words, or no question at all.

    >>> read_analogies([": capitals", "athens greece berlin germany"])
    [('capitals', [('ATHENS', 'GREECE', 'BERLIN', 'GERMANY')])]
    """
    source, lines = _lines(path_or_lines)
    sections: list[tuple[str, list[tuple[str, str, str, str]]]] = []
    for line_no, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        if not isinstance(raw, str):
            raise LinmlInputError(
                f"line {line_no} of {source} is {type(raw).__name__}, not a string."
            )
        if raw.startswith(": "):
            sections.append((raw.lstrip(": ").strip(), []))
            continue
        words = raw.split()
        if not words:
            continue  # blank line
        if not sections:
            raise LinmlInputError(
                f"line {line_no} of {source} ({raw.strip()!r}) comes before any ': section' "
                "header; start the file with a line like ': capital-common-countries'."
            )
        if len(words) != 4:
            raise LinmlInputError(
                f"line {line_no} of {source} ({raw.strip()!r}) has {len(words)} words; an "
                "analogy question is four words 'a b c d' (a is to b as c is to d)."
            )
        if case_insensitive:
            words = [w.upper() for w in words]
        sections[-1][1].append(tuple(words))
    if not any(questions for _, questions in sections):
        raise LinmlInputError(
            f"{source} holds no analogy questions; expected ': section' headers followed "
            "by lines 'a b c d'."
        )
    return sections


def _lines(path_or_lines: Any) -> tuple[str, list[Any]]:
    if isinstance(path_or_lines, str | os.PathLike) and not (
        isinstance(path_or_lines, str) and "\n" in path_or_lines
    ):
        path = Path(path_or_lines)
        if not path.is_file():
            raise LinmlInputError(
                f"cannot read analogies from {str(path)!r}: no such file (pass a path or a "
                "list of lines)."
            )
        return repr(str(path)), path.read_text(encoding="utf-8").splitlines()
    if isinstance(path_or_lines, str):
        return "the analogy text", path_or_lines.splitlines()
    if isinstance(path_or_lines, bytes) or not isinstance(path_or_lines, Iterable):
        raise LinmlInputError(
            "path_or_lines must be a file path or a list of lines; got "
            f"{type(path_or_lines).__name__}."
        )
    return "the analogy lines", list(path_or_lines)


def evaluate_analogies(
    index: EmbeddingIndex,
    path_or_lines: str | os.PathLike[str] | Iterable[str],
    restrict_vocab: int | None = 30_000,
    case_insensitive: bool = True,
    method: str = "3cosadd",
    *,
    max_memory_mb: float = 64,
) -> AnalogyResult:
    """Analogy accuracy of the word vectors in ``index``, per section and pooled.

    Parameters
    ----------
    index : EmbeddingIndex
        Holds string ids (words); its storage order is the vocabulary order.
    path_or_lines : path or iterable of str
        A file in the Google analogy format (gensim's ``questions-words.txt``) or its lines.
    restrict_vocab : int or None, default=30000
        Only the first ``restrict_vocab`` words are candidates and questions with any other
        word are skipped (None: the whole index).
    case_insensitive : bool, default=True
        Compare upper-cased words (the first spelling of a word stands for all).
    method : {'3cosadd', '3cosmul'}, default='3cosadd'
        The analogy rule (see the module docstring); gensim's evaluation uses 3CosAdd.
    max_memory_mb : float, default=64
        Bound on one score block ``S`` (questions × vocabulary); a section larger than that
        is answered in several GEMMs.

    Returns
    -------
    AnalogyResult
        ``sections`` in file order, ``total`` pooled, ``to_frame()`` as a table.

    Examples
    --------
    >>> import numpy as np
    >>> from linml.neighbors import EmbeddingIndex
    >>> X = np.array([[1.0, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1], [-1, 0, 0]])
    >>> index = EmbeddingIndex().add(X, ids=["a", "b", "c", "d", "e"])
    >>> result = evaluate_analogies(index, [": toy", "a b c d", "c d a b"], restrict_vocab=None)
    >>> print(result.to_frame().to_string(index=False))
           section  correct  incorrect  oov  accuracy
               toy        2          0    0       1.0
    Total accuracy        2          0    0       1.0
    """
    if not isinstance(index, EmbeddingIndex):
        raise LinmlInputError(
            f"index must be a linml EmbeddingIndex of word vectors; got {type(index).__name__}."
        )
    if not len(index) or index.ids.dtype.kind != "U":
        raise LinmlInputError(
            "index must hold word vectors with string ids (words); "
            + ("it is empty." if not len(index) else "its ids are integers.")
        )
    validate_params(
        "evaluate_analogies",
        {
            "restrict_vocab": restrict_vocab,
            "case_insensitive": case_insensitive,
            "method": method,
            "max_memory_mb": max_memory_mb,
        },
        {
            "restrict_vocab": [None, Interval(int, 1, None)],
            "case_insensitive": [bool],
            "method": [Options(ANALOGY_METHODS)],
            "max_memory_mb": [Interval(float, 0, None, closed="neither", finite=True)],
        },
    )
    sections = read_analogies(path_or_lines, case_insensitive=case_insensitive)
    n_vocab = len(index) if restrict_vocab is None else min(restrict_vocab, len(index))
    keys = index.ids[:n_vocab].tolist()
    # the first n_vocab stored rows are these ids' vectors; reading them in place skips
    # EmbeddingIndex.get's per-id checks (0.2 s for 30 000 words), which here cannot fail
    X = index._X[:n_vocab]
    norms = np.linalg.norm(X, axis=1)
    X = X / np.where(norms > 0, norms, 1.0).astype(X.dtype)[:, None]  # x̂ (zero rows stay 0)
    fold = str.upper if case_insensitive else str
    vocab: dict[str, int] = {}
    for row, key in enumerate(keys):
        vocab.setdefault(fold(key), row)  # a folded word means its first spelling
    canon = np.array([vocab[fold(key)] for key in keys], dtype=np.int64)  # (V,)
    per_row = X.dtype.itemsize * len(keys) * (3 if method == "3cosmul" else 1)  # bytes of S
    rows_per_block = max(1, int(max_memory_mb * 2**20 / per_row))
    scored = [
        _score_section(name, questions, X, canon, vocab, keys, method, rows_per_block)
        for name, questions in sections
    ]
    return AnalogyResult(tuple(scored), method, len(keys))


def _score_section(name, questions, X, canon, vocab, keys, method, rows_per_block):
    known = [q for q in questions if all(w in vocab for w in q)]
    ids = np.array([[vocab[w] for w in q] for q in known], dtype=np.int64).reshape(-1, 4)
    pred = np.full(len(known), -1, dtype=np.int64)  # answer row per question (-1: none)
    for start in range(0, len(known), rows_per_block):
        block = ids[start : start + rows_per_block]  # (m, 4): rows of a, b, c, d
        pred[start : start + rows_per_block] = _answer_block(block, X, canon, method)
    correct = int(np.sum((pred >= 0) & (canon[np.maximum(pred, 0)] == ids[:, 3])))
    return AnalogySection(
        name,
        correct,
        len(known) - correct,
        len(questions) - len(known),
        tuple(known),
        tuple(keys[p] if p >= 0 else None for p in pred.tolist()),
    )


def _analogy_scores(block: np.ndarray, X: np.ndarray, method: str) -> np.ndarray:
    """``S`` (m × V): the score of every vocabulary word for each question of ``block``."""
    a, b, c = block[:, 0], block[:, 1], block[:, 2]
    if method == "3cosadd":
        return (X[b] - X[a] + X[c]) @ X.T  # S = (x̂_b − x̂_a + x̂_c) X̂ᵀ: one GEMM
    m = block.shape[0]
    C = X[np.concatenate([a, b, c])] @ X.T  # (3m, V) cosines: one GEMM
    C += 1
    C *= 0.5  # cos′ = (1 + cos) / 2 ∈ [0, 1]
    return C[m : 2 * m] * C[2 * m :] / (C[:m] + X.dtype.type(COSMUL_EPS))


def _answer_block(block: np.ndarray, X: np.ndarray, canon: np.ndarray, method: str) -> np.ndarray:
    """gensim's answer per question: first of the top 5 (query rows removed) not a query word."""
    m = block.shape[0]
    S = _analogy_scores(block, X, method)
    rows = np.arange(m)[:, None]
    S[rows, block[:, :3]] = -np.inf  # the three query rows are never candidates
    top = min(_TOPN, S.shape[1])
    top_val = np.full((m, top), -np.inf, dtype=S.dtype)
    cand = np.full((m, top), -1, dtype=np.int64)  # (m, top) best first, ties by vocabulary order
    # the compiled running top-k of EmbeddingIndex.search (through launch: see embedding_index)
    launch(topk_merge, S, np.zeros(S.shape[1], dtype=S.dtype), 0, top_val, cand)
    listed = cand >= 0  # gensim's list never holds the query rows (fewer when V is tiny)
    folded = canon[np.maximum(cand, 0)]  # (m, top) row of each candidate's folded spelling
    is_query = (folded[:, :, None] == block[:, None, :3]).any(axis=2)
    valid = listed & ~is_query
    first = np.argmax(valid, axis=1)
    # no valid candidate: gensim keeps the last one it looked at (None if it listed none)
    last = listed.shape[1] - 1 - np.argmax(listed[:, ::-1], axis=1)
    pick = np.where(valid.any(axis=1), first, last)
    return np.where(listed.any(axis=1), cand[np.arange(m), pick], -1)
