"""Exact nearest-neighbour search over embeddings by blocked GEMM and partial selection.

For queries ``Q`` (``nq × d``) and stored vectors ``X`` (``n × d``) the scores of one block of
``X`` are one matrix product, and only the running top-k of each query is kept:

============  ===========================================  =======================
metric        score maximized                              returned
============  ===========================================  =======================
``ip``        ``s = q·x``                                  ``q·x`` (descending)
``cosine``    ``s = q̂·x̂`` (rows normalized once, at add)   cosine (descending)
``l2``        ``s = 2 q·x − ‖x‖²`` (``= ‖q‖² − ‖q − x‖²``)   ``‖q − x‖`` (ascending)
============  ===========================================  =======================

The score matrix of a block never exceeds ``max_memory_mb``, so memory stays bounded for
any ``n`` (1M × 128 float32 vectors are 512 MB; their full score matrix against 1000
queries would be 4 GB). Work per query is ``2 n d`` flops of GEMM plus one comparison per
candidate in the compiled merge.

Zero vectors under ``cosine``: a zero vector (stored or queried) has no direction; it is kept
as the zero vector, so its cosine with everything is defined as 0.

>>> import numpy as np
>>> index = EmbeddingIndex("cosine").add(np.eye(3), ids=["x", "y", "z"])
>>> result = index.search(np.array([[1.0, 0.1, 0.0]]), k=2)
>>> result.ids[0].tolist(), [round(float(s), 3) for s in result.scores[0]]
(['x', 'y'], [0.995, 0.1])
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Hashable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from linml._validation import check_array
from linml.exceptions import LinmlInputError
from linml.neighbors._kernels import topk_merge_rows

__all__ = ["EmbeddingIndex", "SearchResult"]

METRICS = ("cosine", "l2", "ip")
ANALOGY_METHODS = ("3cosadd", "3cosmul")
COSMUL_EPS = 1e-3  # Levy & Goldberg (2014) use ε = 0.001 to prevent division by zero
_FORMAT = 1


@dataclass
class SearchResult:
    """Top-k per query: ``scores`` (similarities, or L2 distances for 'l2'), ``ids``, ``indices``."""

    scores: np.ndarray
    ids: np.ndarray
    indices: np.ndarray


def _normalize_rows(V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    norms = np.linalg.norm(V, axis=1)
    safe = np.where(norms > 0, norms, 1.0).astype(V.dtype)
    return V / safe[:, None], norms


def _id_list(ids: Any, name: str) -> tuple[list[Hashable], str | None]:
    """``ids`` as a list of Python ints or strs and their kind ('int', 'str'; None if empty).

    An id is an integer or a string — never a bool, float or None — and one list holds one
    kind, so ``[1, "a"]`` is refused instead of being coerced to ``["1", "a"]``.
    """
    if isinstance(ids, str | bytes):
        raise LinmlInputError(
            f"{name} must be a list of ids; got the single string {ids!r} (write [{ids!r}])."
        )
    try:
        items = list(ids)
    except TypeError:
        raise LinmlInputError(
            f"{name} must be a list of ids (integers or strings); got {ids!r}."
        ) from None
    keys: list[Hashable] = []
    first: dict[str, int] = {}
    for i, key in enumerate(items):
        if isinstance(key, bool | np.bool_) or not isinstance(key, int | np.integer | str):
            raise LinmlInputError(
                f"{name}[{i}]={key!r} ({type(key).__name__}) is not an id: ids must be all "
                "integers or all strings."
            )
        kind = "str" if isinstance(key, str) else "int"
        first.setdefault(kind, i)
        if len(first) > 1:
            j, k = first["int"], first["str"]
            raise LinmlInputError(
                f"{name} must be all integers or all strings; {name}[{j}]={int(items[j])!r} is an "
                f"integer and {name}[{k}]={str(items[k])!r} a string."
            )
        keys.append(str(key) if kind == "str" else int(key))
    return keys, next(iter(first), None)


def _new_ids(existing: np.ndarray, m: int, ids: Any) -> np.ndarray:
    """The ids of ``m`` vectors added to an index that holds ``existing`` ids.

    ``None`` numbers them on from the largest integer id (refused when the index holds
    strings); given ids must be one per vector, all integers (int64) or all strings, of the
    index's kind, and new: an id already stored or repeated is refused.
    """
    n = existing.shape[0]
    if ids is None:
        if n and existing.dtype.kind == "U":
            raise LinmlInputError("this index holds string ids; pass ids= for new vectors.")
        start = int(existing.max()) + 1 if n else 0
        return np.arange(start, start + m, dtype=np.int64)
    keys, kind = _id_list(ids, "ids")
    if len(keys) != m:
        raise LinmlInputError(f"ids must hold one id per vector ({m}); got {len(keys)}.")
    if kind == "int":
        try:
            new_ids = np.array(keys, dtype=np.int64)
        except OverflowError:
            raise LinmlInputError("integer ids must fit in int64.") from None
    else:
        new_ids = np.array(keys, dtype=str)
    if n and (new_ids.dtype.kind == "U") != (existing.dtype.kind == "U"):
        raise LinmlInputError(
            "ids must be of one kind: the index holds "
            f"{'string' if existing.dtype.kind == 'U' else 'integer'} ids."
        )
    uniq, counts = np.unique(new_ids, return_counts=True)
    clash = new_ids[np.isin(new_ids, existing)] if n else new_ids[:0]
    if clash.size or (counts > 1).any():
        dup = clash[0] if clash.size else uniq[counts > 1][0]
        raise LinmlInputError(
            f"id {dup.item()!r} is already in the index (ids must be unique); remove it first."
        )
    return new_ids


# ---------------------------------------------------------------------- exact top-k scan
#: a scan of fewer flops (2 nq n d) than this runs on the calling thread alone: starting
#: threads and re-limiting BLAS would cost more than they save
_POOL_MIN_FLOPS = 2e8
#: fewer queries than this run on the calling thread too: a short query block makes each tile
#: GEMM a memory-bound stream over X that BLAS's own threads share well (measured with 16 and
#: 1000 queries: the pool is ~1.5× slower at 16 and ~1.3× faster at 1000, benchmarks/graph_search.py)
_POOL_MIN_QUERIES = 256
#: entries of one score tile S (q_block × x_block); 1024² float32 (4 MB) stays in L2/L3, so
#: the GEMM writes and the merge reads S from cache instead of memory
_TILE_ENTRIES = 2**20
#: queries per tile: a tall query block keeps the GEMM efficient (each X tile is read once)
_Q_BLOCK = 1024

_blas_lock = threading.Lock()
_blas_users = 0  # scans now running with BLAS held at one thread
_blas_limit: Any = None  # the threadpoolctl limit they share (restored by the last to leave)
_blas_controller: Any = None


def _blas_libraries() -> Any:
    """The loaded BLAS libraries (threadpoolctl), found once per process."""
    global _blas_controller
    if _blas_controller is None:
        from threadpoolctl import ThreadpoolController

        _blas_controller = ThreadpoolController().select(user_api="blas")
    return _blas_controller


def _n_workers(flops: float, nq: int) -> int:
    """Scan threads: the BLAS thread setting (so ``threadpool_limits(1)`` means one thread),
    at most numba's thread count, and 1 for a scan too small or with too few queries."""
    if flops < _POOL_MIN_FLOPS or nq < _POOL_MIN_QUERIES:
        return 1
    import numba

    blas = max((lib.num_threads for lib in _blas_libraries().lib_controllers), default=1)
    return max(1, min(blas, numba.get_num_threads()))


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """BLAS limited to one thread while any scan's workers run; restored by the last one.

    Counted, so concurrent searches (a server's threads) never restore each other's saved
    setting in the wrong order and leave BLAS stuck at one thread.
    """
    global _blas_users, _blas_limit
    with _blas_lock:
        if _blas_users == 0:
            _blas_limit = _blas_libraries().limit(limits=1)
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limit.restore_original_limits()
                _blas_limit = None


def _tile_shape(
    nq: int, n: int, n_workers: int, itemsize: int, max_memory_mb: float
) -> tuple[int, int]:
    """``(q_block, x_block)`` of the score tiles: ``_TILE_ENTRIES`` entries, fewer when
    ``n_workers`` tiles would exceed ``max_memory_mb``."""
    budget = max(1, int(max_memory_mb * 2**20 / itemsize) // n_workers)  # entries per tile
    entries = min(_TILE_ENTRIES, budget)
    q_block = max(1, min(nq, _Q_BLOCK, entries))
    x_block = max(1, min(n, entries // q_block))
    return q_block, x_block


def _exact_topk(
    Q: np.ndarray,
    X: np.ndarray,
    bias: np.ndarray,
    k: int,
    max_memory_mb: float,
    n_workers: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` of ``s_ij = Q_i·X_j + bias_j`` per query row, by tiles of GEMM and merge.

    ``X`` is cut into row tiles ``X_t`` (``x_block`` rows from ``t``); for each tile and
    block of queries ``Q_b``, ``S = Q_b X_tᵀ`` is one GEMM into a cache-sized buffer and
    :func:`~linml.neighbors._kernels.topk_merge_rows` merges ``S + bias_t`` into the running
    top-k (descending ``s``, equal scores by the lower row ``j``). With ``n_workers > 1``
    (default: :func:`_n_workers`) each worker thread keeps its own top-k and takes tiles
    from a shared counter in increasing ``t``, with BLAS at one thread, so no thread waits
    on another before the end; the workers' ``n_workers · k`` candidates are then merged by
    the same order (descending ``s``, ties by lower ``j``), which makes the answer the same
    whichever worker scanned which tile.

    Returns
    -------
    top_val : ndarray of shape (nq, k)
        The ``k`` largest ``s_ij`` of each row, descending.
    top_idx : ndarray of shape (nq, k), int64
        Their rows ``j`` in ``X``.
    """
    nq, n = Q.shape[0], X.shape[0]
    if n_workers is None:
        n_workers = _n_workers(2.0 * nq * n * X.shape[1], nq)
    q_block, x_block = _tile_shape(nq, n, n_workers, X.dtype.itemsize, max_memory_mb)
    starts = range(0, n, x_block)
    n_workers = max(1, min(n_workers, len(starts)))
    next_tile, lock = iter(starts), threading.Lock()

    def scan() -> tuple[np.ndarray, np.ndarray]:
        top_val = np.full((nq, k), -np.inf, dtype=X.dtype)
        top_idx = np.full((nq, k), -1, dtype=np.int64)
        S = np.empty((q_block, x_block), dtype=X.dtype)
        while True:
            with lock:  # tiles leave in increasing order: each worker sees rising rows
                xs = next(next_tile, None)
            if xs is None:
                return top_val, top_idx
            Xt, bias_t = X[xs : xs + x_block], bias[xs : xs + x_block]
            for qs in range(0, nq, q_block):
                Qb = Q[qs : qs + q_block]
                Sb = S[: Qb.shape[0], : Xt.shape[0]]
                np.matmul(Qb, Xt.T, out=Sb)  # S = Q_b X_tᵀ, (q_block, x_block): one GEMM
                topk_merge_rows(Sb, bias_t, xs, qs, top_val, top_idx)

    if n_workers == 1:
        return scan()
    with _one_blas_thread(), ThreadPoolExecutor(n_workers) as pool:
        parts = [f.result() for f in [pool.submit(scan) for _ in range(n_workers)]]
    cand_val = np.concatenate([p[0] for p in parts], axis=1)  # (nq, n_workers · k)
    cand_idx = np.concatenate([p[1] for p in parts], axis=1)
    order = np.lexsort((cand_idx, -cand_val), axis=1)[:, :k]  # descending s, ties: lower j
    return np.take_along_axis(cand_val, order, axis=1), np.take_along_axis(cand_idx, order, 1)


class EmbeddingIndex:
    """An exact top-k index over vectors with ids, for cosine, L2 or inner-product search.

    Parameters
    ----------
    metric : {'cosine', 'l2', 'ip'}, default='cosine'
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
        Storage and compute precision.
    max_memory_mb : float, default=256
        Bound on the score block (queries × stored vectors) held at once.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> index = EmbeddingIndex("l2").add(rng.normal(size=(100, 8)))
    >>> hit = index.search(index.get([42]), k=1)
    >>> int(hit.ids[0, 0]), float(hit.scores[0, 0])
    (42, 0.0)
    """

    def __init__(
        self, metric: str = "cosine", *, dtype: Any = np.float32, max_memory_mb: float = 256
    ) -> None:
        if metric not in METRICS:
            raise LinmlInputError(
                f"metric={metric!r} must be one of {', '.join(map(repr, METRICS))}."
            )
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise LinmlInputError(f"dtype={dtype} must be float32 or float64.")
        if not max_memory_mb > 0:
            raise LinmlInputError(f"max_memory_mb={max_memory_mb!r} must be > 0.")
        self.metric = metric
        self.dtype = dtype
        self.max_memory_mb = float(max_memory_mb)
        self._X = np.empty((0, 0), dtype=dtype)  # stored (normalized for cosine) vectors
        self._sqnorm = np.empty(0, dtype=dtype)  # ‖x‖² (l2 bias)
        self._ids: np.ndarray = np.empty(0, dtype=np.int64)
        self._row: dict[Hashable, int] = {}

    # ------------------------------------------------------------------ contents
    def __len__(self) -> int:
        return self._X.shape[0]

    @property
    def dim(self) -> int | None:
        """Vector dimension (None while empty)."""
        return self._X.shape[1] if len(self) else None

    @property
    def ids(self) -> np.ndarray:
        """The ids, in storage order."""
        return self._ids.copy()

    def __contains__(self, item: Hashable) -> bool:
        return item in self._row

    def _check_vectors(self, vectors: Any, name: str) -> np.ndarray:
        V = check_array(vectors, name=name, dtype=(self.dtype,))
        if self.dim is not None and V.shape[1] != self.dim:
            raise LinmlInputError(
                f"{name} has dimension {V.shape[1]} but the index holds {self.dim}-dimensional vectors."
            )
        return V

    def add(self, vectors: Any, ids: Sequence[Hashable] | None = None) -> EmbeddingIndex:
        """Add vectors (``m × d``) with ids (ints or strings; default ``len(index) + arange(m)``)."""
        V = self._check_vectors(vectors, "vectors")
        new_ids = _new_ids(self._ids, V.shape[0], ids)
        keys = new_ids.tolist()
        if self.metric == "cosine":
            V, _ = _normalize_rows(V)
        sq = np.einsum("ij,ij->i", V, V).astype(self.dtype)
        self._X = V.copy() if not len(self) else np.vstack([self._X, V])
        self._sqnorm = np.concatenate([self._sqnorm, sq])
        self._ids = new_ids if not len(self._ids) else np.concatenate([self._ids, new_ids])
        base = len(self._row)
        self._row.update({key: base + i for i, key in enumerate(keys)})
        return self

    def _rows_of(self, ids: Iterable[Hashable], name: str = "ids") -> np.ndarray:
        return _rows_of_ids(ids, self._ids, self._row, name)

    def get(self, ids: Iterable[Hashable]) -> np.ndarray:
        """Stored vectors of ``ids`` (unit-normalized under 'cosine')."""
        return self._X[self._rows_of(ids)].copy()

    def remove(self, ids: Iterable[Hashable]) -> EmbeddingIndex:
        """Remove vectors by id (unknown ids raise)."""
        rows = self._rows_of(ids)
        keep = np.ones(len(self), dtype=bool)
        keep[rows] = False
        self._X, self._sqnorm, self._ids = self._X[keep], self._sqnorm[keep], self._ids[keep]
        self._row = {k: i for i, k in enumerate(self._ids.tolist())}
        return self

    # ------------------------------------------------------------------ search
    def search(
        self, queries: Any, k: int = 10, *, exclude: Sequence[Sequence[Hashable]] | None = None
    ) -> SearchResult:
        """Exact top-``k`` for each query row.

        Parameters
        ----------
        queries : array-like of shape (nq, d) or (d,)
        k : int
            Number of results, at most ``len(index)`` (minus excluded ids).
        exclude : list of id lists, optional
            Per query, ids never to return (e.g. the query words of an analogy).
        """
        if not len(self):
            raise LinmlInputError("the index is empty; add vectors first.")
        Q = np.asarray(queries)
        if Q.ndim == 1:
            Q = Q[None, :]
        Q = self._check_vectors(Q, "queries")
        if exclude is not None:
            if isinstance(exclude, str | bytes) or not hasattr(exclude, "__len__"):
                raise LinmlInputError(
                    f"exclude must be a list of id lists, one per query; got {exclude!r}."
                )
            if len(exclude) != Q.shape[0]:
                raise LinmlInputError(f"exclude must hold one id list per query ({Q.shape[0]}).")
            exclude = [self._rows_of(e, f"exclude[{i}]") for i, e in enumerate(exclude)]
        n_exclude = 0 if exclude is None else max((len(e) for e in exclude), default=0)
        if not (isinstance(k, int | np.integer) and 1 <= k <= len(self) - n_exclude):
            raise LinmlInputError(
                f"k={k!r} must be an integer in [1, {len(self) - n_exclude}] (the index holds "
                f"{len(self)} vectors{f', {n_exclude} excluded' if n_exclude else ''})."
            )
        if self.metric == "cosine":
            Q, _ = _normalize_rows(Q)
        k_inner = k + n_exclude
        top_val, top_idx = self._search_rows(Q, k_inner)
        if exclude is not None:
            top_val, top_idx = self._drop_excluded(top_val, top_idx, exclude, k)
        if self.metric == "l2":
            # s = 2 q·x − ‖x‖² ⇒ ‖q − x‖² = ‖q‖² − s
            qn = np.einsum("ij,ij->i", Q, Q)[:, None]
            scores = np.sqrt(np.maximum(qn - top_val, 0.0))
        else:
            scores = top_val
        return SearchResult(scores, self._ids[top_idx], top_idx)

    def _search_rows(self, Q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Raw top-``k`` scores ``s`` (descending, ties by lower row) and rows of ``Q``."""
        if self.metric == "l2":
            # s = (2q)·x − ‖x‖²: the factor 2 goes on the (small) queries, once
            Q = Q * self.dtype.type(2.0)
            bias = -self._sqnorm
        else:
            bias = np.zeros(len(self), dtype=self.dtype)
        return _exact_topk(Q, self._X, bias, k, self.max_memory_mb)

    def _drop_excluded(self, top_val, top_idx, exclude_rows, k):
        out_val = np.empty((top_val.shape[0], k), dtype=top_val.dtype)
        out_idx = np.empty((top_val.shape[0], k), dtype=np.int64)
        for i, ex_rows in enumerate(exclude_rows):
            banned = set(ex_rows.tolist())
            keep = [j for j in range(top_idx.shape[1]) if top_idx[i, j] not in banned][:k]
            out_val[i], out_idx[i] = top_val[i, keep], top_idx[i, keep]
        return out_val, out_idx

    def most_similar(
        self,
        positive: Sequence[Hashable] = (),
        negative: Sequence[Hashable] = (),
        k: int = 10,
        method: str = "3cosadd",
    ) -> list[tuple[Hashable, float]]:
        """Analogy by vector arithmetic over unit vectors ``x̂``, excluding the query ids.

        ``method='3cosadd'`` (Mikolov et al. 2013) returns the nearest, under the index's
        metric, to ``Σ x̂₊ − Σ x̂₋``; ``method='3cosmul'`` (Levy & Goldberg 2014, eq. 4) ranks
        every stored ``x`` by ``Π cos′(x, x₊) / (Π cos′(x, x₋) + ε)`` with
        ``cos′ = (1 + cos) / 2 ∈ [0, 1]`` and ``ε = 1e-3``, and returns that score. For
        ``positive=['king', 'woman'], negative=['man']`` the answer should be ``'queen'``.

        >>> import numpy as np
        >>> V = np.array([[1, 0, 0.2], [0, 1, 0.2], [1, 0, 1], [0, 1, 1], [0.3, 0.3, -1]])
        >>> index = EmbeddingIndex().add(V, ids=["man", "woman", "king", "queen", "apple"])
        >>> for method in ("3cosadd", "3cosmul"):
        ...     hits = index.most_similar(["king", "woman"], ["man"], k=2, method=method)
        ...     print(method, [(w, round(s, 3)) for w, s in hits])
        3cosadd [('queen', 0.963), ('apple', -0.368)]
        3cosmul [('queen', 1.205), ('apple', 0.272)]
        """
        if method not in ANALOGY_METHODS:
            raise LinmlInputError(
                f"method={method!r} must be one of {', '.join(map(repr, ANALOGY_METHODS))}."
            )
        positive, _ = _id_list(positive, "positive")  # a bare string is refused, not split
        negative, _ = _id_list(negative, "negative")
        if not positive and not negative:
            raise LinmlInputError("most_similar needs at least one positive or negative id.")
        P = self._X[self._rows_of(positive, "positive")]
        N = self._X[self._rows_of(negative, "negative")]
        P, _ = _normalize_rows(P)
        N, _ = _normalize_rows(N)
        if method == "3cosmul":
            return self._most_similar_cosmul(P, N, k, positive + negative)
        query = P.sum(axis=0) - N.sum(axis=0)
        result = self.search(query[None, :], k=k, exclude=[positive + negative])
        return [
            (i.item() if isinstance(i, np.generic) else i, float(s))
            for i, s in zip(result.ids[0], result.scores[0])
        ]

    def _most_similar_cosmul(self, P, N, k, query_ids):
        excluded = np.unique(self._rows_of(query_ids))
        n_left = len(self) - excluded.size
        if not (isinstance(k, int | np.integer) and 1 <= k <= n_left):
            raise LinmlInputError(
                f"k={k!r} must be an integer in [1, {n_left}] (the index holds {len(self)} "
                f"vectors, {excluded.size} excluded)."
            )
        # cos(x, u) = x·u / ‖x‖ (u unit; a zero x has cosine 0), one GEMM for all query words
        norms = np.sqrt(self._sqnorm)
        inv = np.where(norms > 0, 1.0 / np.where(norms > 0, norms, 1.0), 0.0).astype(self.dtype)
        C = (self._X @ np.vstack([P, N]).T) * inv[:, None]  # (n, n_pos + n_neg)
        C = (1 + C) / 2  # cos′ ∈ [0, 1], as Levy & Goldberg shift cosines (no negative factors)
        score = C[:, : len(P)].prod(axis=1) / (C[:, len(P) :].prod(axis=1) + COSMUL_EPS)
        score[excluded] = -np.inf
        top = np.argpartition(-score, k - 1)[:k]
        top = top[np.lexsort((top, -score[top]))]  # descending score, ties by storage order
        return [
            (i.item() if isinstance(i, np.generic) else i, float(s))
            for i, s in zip(self._ids[top], score[top])
        ]

    # ------------------------------------------------------------------ persistence
    def _digest(self) -> str:
        h = hashlib.sha256()
        h.update(np.ascontiguousarray(self._X).tobytes())
        h.update(np.ascontiguousarray(self._ids).tobytes())
        return h.hexdigest()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save to an ``.npz`` (``allow_pickle=False``) with a checksum; written atomically."""
        meta = {
            "format": _FORMAT,
            "kind": "linml.EmbeddingIndex",
            "metric": self.metric,
            "dtype": str(self.dtype),
            "n": len(self),
            "dim": self.dim,
            "sha256": self._digest(),
        }
        _write_index(path, {"vectors": self._X, "ids": self._ids, "sqnorm": self._sqnorm}, meta)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        max_memory_mb: float = 256,
        max_load_mb: float | None = None,
        max_compression_ratio: float | None = None,
    ) -> EmbeddingIndex:
        """Load an index saved by :meth:`save`; a tampered or foreign file raises ``LinmlInputError``.

        Parameters
        ----------
        path : str or PathLike
        max_memory_mb : float, default=256
            The loaded index's search block bound (as in the constructor).
        max_load_mb, max_compression_ratio : float, optional
            Limits on what the file may allocate (default :data:`linml.io.DEFAULT_MAX_LOAD_MB`
            and :data:`linml.io.DEFAULT_MAX_COMPRESSION_RATIO`), checked from the archive's
            headers before any array is inflated; see :func:`linml.io.open_npz`.
        """
        with _open_index(
            path, "linml embedding index", _MEMBERS, max_load_mb, max_compression_ratio
        ) as (npz, meta):
            metric, dtype, n = _check_index_meta(meta, npz)
            index = cls(metric, dtype=dtype, max_memory_mb=max_memory_mb)
            reason = _check_index_headers(npz, index.dtype, n, meta.get("dim"))
            if reason is not None:
                raise npz.error(f"its arrays are inconsistent (tampered?): {reason}.")
            X, ids, sq = npz.array("vectors"), npz.array("ids"), npz.array("sqnorm")
        if not (np.isfinite(X).all() and np.isfinite(sq).all()):
            raise npz.error("its vectors hold NaN or infinity (corrupted?).")
        index._X, index._ids, index._sqnorm = X, ids, sq
        if index._digest() != meta.get("sha256"):
            raise npz.error("checksum mismatch — the file was modified or corrupted.")
        # ‖x‖² is not covered by the checksum: recompute and compare (same einsum as add)
        rtol = 64 * np.finfo(index.dtype).eps * max(X.shape[1], 1)
        if not np.allclose(np.einsum("ij,ij->i", X, X), sq, rtol=rtol, atol=rtol):
            raise npz.error("checksum mismatch — its squared norms do not match its vectors.")
        index._row = {key: i for i, key in enumerate(ids.tolist())}
        if len(index._row) != len(ids):
            raise npz.error("duplicate ids.")
        return index


_MEMBERS = ("meta", "vectors", "ids", "sqnorm")


def _write_index(path: str | os.PathLike[str], arrays: dict[str, np.ndarray], meta: Any) -> None:
    """Write a saved index: ``arrays`` then ``meta`` as JSON bytes, one ``.npz``, atomically.

    Shared by :meth:`EmbeddingIndex.save` and :meth:`IVFIndex.save
    <linml.neighbors.IVFIndex.save>`; the ``meta`` member comes last.
    """
    from linml.io import atomic_write

    payload = {**arrays, "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}
    with atomic_write(path) as handle:
        np.savez(handle, **payload)


@contextlib.contextmanager
def _open_index(
    path: str | os.PathLike[str],
    what: str,
    members: Sequence[str],
    max_load_mb: float | None,
    max_compression_ratio: float | None,
) -> Iterator[tuple[Any, Any]]:
    """Open a saved index with :func:`linml.io.open_npz`; yield ``(npz, meta)``.

    Only ``members`` are allowed and every one must be there (else ``not a {what} (no …
    member)``); ``meta`` is the decoded JSON member. Shared by :meth:`EmbeddingIndex.load`
    and :meth:`IVFIndex.load <linml.neighbors.IVFIndex.load>`.
    """
    from linml import io

    with io.open_npz(
        path,
        what=what,
        allowed=members,
        json_keys=("meta",),
        max_load_mb=max_load_mb,
        max_compression_ratio=max_compression_ratio,
    ) as npz:
        missing = sorted(set(members) - set(npz.keys))
        if missing:
            raise npz.error(f"not a {what} (no {missing[0]!r} member).")
        yield npz, npz.json("meta")


def _rows_of_ids(
    ids: Iterable[Hashable], held_ids: np.ndarray, row_of: dict, name: str = "ids"
) -> np.ndarray:
    """Row numbers of ``ids`` in an index holding ``held_ids`` (``row_of``: id → row).

    Shared by :class:`EmbeddingIndex` and :class:`~linml.neighbors.IVFIndex`: an id of the
    wrong kind (string vs integer) or one not held is refused with its position.
    """
    keys, _ = _id_list(ids, name)
    held_str = held_ids.dtype.kind == "U"
    rows = []
    for i, key in enumerate(keys):
        if held_ids.shape[0] and isinstance(key, str) != held_str:
            got, want = (
                ("a string", "integer") if isinstance(key, str) else ("an integer", "string")
            )
            raise LinmlInputError(f"{name}[{i}]={key!r} is {got}, but this index holds {want} ids.")
        if key not in row_of:
            raise LinmlInputError(f"id {key!r} is not in the index.")
        rows.append(row_of[key])
    return np.asarray(rows, dtype=np.int64)


def _check_format(meta: Any, npz: Any, kind: str, what: str, newest: int) -> tuple[str, str]:
    """``(metric, dtype)`` of a saved index's metadata of ``kind`` (format ≤ ``newest``), or
    the reason it is unusable; shared by the exact and the IVF index's ``load``."""
    if not isinstance(meta, dict) or meta.get("kind") != kind:
        raise npz.error(f"not a {what}.")
    version = meta.get("format")
    if isinstance(version, bool) or not isinstance(version, int):
        raise npz.error(f"not a {what} (format {version!r} is not an integer).")
    if version > newest:
        raise LinmlInputError(
            f"{str(npz.path)!r} was written by a newer linml (format {version}); upgrade linml."
        )
    metric, dtype = meta.get("metric"), meta.get("dtype")
    if metric not in METRICS or dtype not in ("float32", "float64"):
        raise npz.error(f"not a {what} (metric {metric!r}, dtype {dtype!r}).")
    return metric, dtype


def _check_index_meta(meta: Any, npz: Any) -> tuple[str, str, int]:
    """``(metric, dtype, n)`` from a saved index's metadata, or the reason it is unusable."""
    what = "linml embedding index"
    metric, dtype = _check_format(meta, npz, "linml.EmbeddingIndex", what, _FORMAT)
    n = meta.get("n")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise npz.error(f"not a {what} (size n={n!r} is not a count).")
    return metric, dtype, n


def _check_index_headers(npz: Any, dtype: np.dtype, n: int, dim: Any) -> str | None:
    """Why the declared array headers do not make an index of ``n`` vectors (None if they do)."""
    X_dtype, X_shape = npz.header("vectors")
    ids_dtype, ids_shape = npz.header("ids")
    sq_dtype, sq_shape = npz.header("sqnorm")
    if X_dtype != dtype or sq_dtype != dtype:
        return f"vectors are {X_dtype} and norms {sq_dtype}, but the index stores {dtype}"
    if len(X_shape) != 2 or X_shape[0] != n or ids_shape != (n,) or sq_shape != (n,):
        return f"vectors {X_shape}, ids {ids_shape} and norms {sq_shape} for n={n}"
    if n and dim != X_shape[1]:
        return f"vectors have dimension {X_shape[1]} but the metadata says {dim!r}"
    if ids_dtype != np.int64 and ids_dtype.kind != "U":
        return f"ids are {ids_dtype}, not int64 or text"
    return None
