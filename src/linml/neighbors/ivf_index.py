"""Approximate nearest-neighbour search with an inverted file (IVF): k-means cells, probe a few.

A coarse quantizer of ``nlist`` centroids ``C`` (``nlist × d``, scikit-learn k-means) splits the
stored vectors ``X`` into cells; a query scans only the ``nprobe`` cells whose centroids score
best, so its work drops from ``2 n d`` to about ``2 nlist d + 2 nprobe (n / nlist) d`` flops.

The linear algebra
------------------
Scores use the same conventions as :class:`~linml.neighbors.EmbeddingIndex`
(``s = q·x`` for ``ip``, ``q̂·x̂`` for ``cosine``, ``2 q·x − ‖x‖²`` for ``l2``, whose argmax is
the argmin of ``‖q − x‖``). Assigning rows to cells and choosing a query's cells are the same
operation against the centroids:

* **assignment** of stored rows ``V``: ``cell = argmax_c (V Cᵀ)[:, c] + b_c`` — one GEMM — with
  ``b_c = 0`` for cosine/ip (spherical k-means: unit centroids, assign by inner product)
  and, for l2, ``2 v·c − ‖c‖²`` (``= ‖v‖² − ‖v − c‖²``, so the nearest centroid wins);
* **probing** a query block ``Q``: the same GEMM ``Q Cᵀ`` plus bias, then a partial selection
  (a compiled ``argpartition``) keeps the ``nprobe`` best cells per row;
* **scanning**: the rows of a cell are one contiguous slice ``X[a:b]`` (vectors are stored
  permuted cell by cell, with ``offsets`` of length ``nlist + 1``), so a cell's candidate scores
  are a GEMV ``X[a:b] q``. When many queries probe the same cell (``nq · nprobe / nlist``
  large) they are grouped by cell — list-major batching — and each cell costs one GEMM
  ``Q_c X[a:b]ᵀ`` that reads its slice once (ranges of cells in parallel, each with its own
  running top-k per query); a compiled top-k merge then combines the ranges' lists.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(2000, 16)).astype(np.float32)
>>> index = IVFIndex("l2", nlist=16, nprobe=16, random_state=0).add(X)
>>> hit = index.search(X[:3], k=1)
>>> hit.ids[:, 0].tolist(), np.round(hit.scores[:, 0], 2).tolist()  # float32: ‖q‖² − s ≈ ε‖q‖²
([0, 1, 2], [0.0, 0.0, 0.0])
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numba
import numpy as np

from linml._base import Explanation
from linml._numba import launch
from linml._validation import check_array, check_random_state
from linml.exceptions import LinmlInputError
from linml.neighbors._ivf_kernels import (
    merge_parts,
    scan_list_major,
    scan_query_major,
    top_cells,
)
from linml.neighbors.embedding_index import (
    METRICS,
    EmbeddingIndex,
    SearchResult,
    _check_format,
    _new_ids,
    _normalize_rows,
    _open_index,
    _rows_of_ids,
    _write_index,
)

__all__ = ["IVFIndex"]

_FORMAT = 1
_KIND = "linml.IVFIndex"
_MEMBERS = ("meta", "vectors", "ids", "sqnorm", "centroids", "offsets")
# list-major batching once this many queries share a probed cell on average (benchmarks/ann.py)
_LIST_MAJOR_MIN_QUERIES_PER_CELL = 0.5


def _is_count(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


class IVFIndex:
    """An approximate top-k index: k-means cells (inverted lists), search probes ``nprobe`` of them.

    Parameters
    ----------
    metric : {'cosine', 'l2', 'ip'}, default='cosine'
        As in :class:`~linml.neighbors.EmbeddingIndex`; cosine/ip use spherical k-means.
    nlist : int, default=1024
        Number of cells (k-means centroids). About ``sqrt(n)`` to ``4 sqrt(n)`` is usual.
    nprobe : int, default=8
        Cells scanned per query when :meth:`search` is not given ``nprobe`` (capped at ``nlist``).
    random_state : int, RandomState or None, default=None
        Seeds the training subsample and k-means.
    train_size : int or None, default=None
        Rows used to train the quantizer (default ``256 * nlist``); larger inputs are subsampled.
    kmeans_iter : int, default=10
        Lloyd iterations of k-means (random initialisation, one run; fewer only if the
        assignment stops changing).
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
        Storage and compute precision.
    max_memory_mb : float, default=256
        Bound on the query × centroid score block held at once.

    Attributes
    ----------
    centroids_ : ndarray of shape (nlist, d)
        The coarse quantizer (unit rows for cosine/ip); set by :meth:`train` or the first add.
    offsets_ : ndarray of shape (nlist + 1,)
        Cell ``c`` holds storage rows ``offsets_[c]:offsets_[c + 1]``.

    Notes
    -----
    Results are those of exact search restricted to the probed cells; with ``nprobe = nlist``
    they equal :class:`~linml.neighbors.EmbeddingIndex`'s. If the probed cells of a query hold
    fewer than ``k`` rows the missing entries have index −1, id −1 (or ``""``) and score −inf
    (``inf`` for l2), and a warning says to raise ``nprobe``. :meth:`recall` measures
    recall@k against exact search so ``nprobe`` can be chosen from data.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(5000, 32)).astype(np.float32)
    >>> index = IVFIndex("cosine", nlist=64, random_state=0).add(X)
    >>> len(index), index.search(X[:2], k=3, nprobe=8).ids.shape
    (5000, (2, 3))
    >>> index.recall(k=10, nprobe=64, sample=50)
    1.0
    """

    def __init__(
        self,
        metric: str = "cosine",
        *,
        nlist: int = 1024,
        nprobe: int = 8,
        random_state: Any = None,
        train_size: int | None = None,
        kmeans_iter: int = 10,
        dtype: Any = np.float32,
        max_memory_mb: float = 256,
    ) -> None:
        if metric not in METRICS:
            raise LinmlInputError(
                f"metric={metric!r} must be one of {', '.join(map(repr, METRICS))}."
            )
        if not (_is_count(nlist) and nlist >= 1):
            raise LinmlInputError(f"nlist={nlist!r} must be an integer >= 1.")
        if not (_is_count(nprobe) and nprobe >= 1):
            raise LinmlInputError(f"nprobe={nprobe!r} must be an integer >= 1.")
        if train_size is not None and not (_is_count(train_size) and train_size >= nlist):
            raise LinmlInputError(
                f"train_size={train_size!r} must be None or an integer >= nlist={nlist}."
            )
        if not (_is_count(kmeans_iter) and kmeans_iter >= 1):
            raise LinmlInputError(f"kmeans_iter={kmeans_iter!r} must be an integer >= 1.")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise LinmlInputError(f"dtype={dtype} must be float32 or float64.")
        if not max_memory_mb > 0:
            raise LinmlInputError(f"max_memory_mb={max_memory_mb!r} must be > 0.")
        self.metric = metric
        self.nlist = int(nlist)
        self.nprobe = int(nprobe)
        self.random_state = random_state
        self.train_size = train_size
        self.kmeans_iter = int(kmeans_iter)
        self.dtype = dtype
        self.max_memory_mb = float(max_memory_mb)
        self.centroids_: np.ndarray | None = None
        self._csq = np.empty(0, dtype=dtype)  # ‖c‖² (l2 bias of the quantizer)
        self._X = np.empty((0, 0), dtype=dtype)  # stored rows, permuted cell by cell
        self._sqnorm = np.empty(0, dtype=dtype)  # ‖x‖² (l2 bias of the scan)
        self._ids: np.ndarray = np.empty(0, dtype=np.int64)
        self.offsets_ = np.zeros(self.nlist + 1, dtype=np.int64)
        self._row: dict[Hashable, int] | None = None  # id → storage row, built on demand

    # ------------------------------------------------------------------ contents
    def __len__(self) -> int:
        return self._X.shape[0]

    @property
    def is_trained(self) -> bool:
        """Whether the quantizer exists (after :meth:`train` or the first :meth:`add`)."""
        return self.centroids_ is not None

    @property
    def dim(self) -> int | None:
        """Vector dimension (None until trained or added to)."""
        return None if self.centroids_ is None else self.centroids_.shape[1]

    @property
    def ids(self) -> np.ndarray:
        """The ids, in storage order (cell by cell)."""
        return self._ids.copy()

    @property
    def list_sizes(self) -> np.ndarray:
        """Number of stored rows in each cell, shape ``(nlist,)``."""
        return np.diff(self.offsets_)

    def _rows(self) -> dict[Hashable, int]:
        if self._row is None:
            self._row = {key: i for i, key in enumerate(self._ids.tolist())}
        return self._row

    def __contains__(self, item: Hashable) -> bool:
        return item in self._rows()

    def _check_vectors(self, vectors: Any, name: str) -> np.ndarray:
        V = check_array(vectors, name=name, dtype=(self.dtype,))
        if self.dim is not None and V.shape[1] != self.dim:
            raise LinmlInputError(
                f"{name} has dimension {V.shape[1]} but the index holds {self.dim}-dimensional "
                "vectors."
            )
        return V

    # ------------------------------------------------------------------ quantizer
    def train(self, sample: Any) -> IVFIndex:
        """Fit the ``nlist`` centroids on ``sample`` (``m × d``, ``m >= nlist``); stored rows are reassigned.

        Rows beyond ``train_size`` (default ``256 * nlist``) are subsampled at random.
        """
        V = self._check_vectors(sample, "sample")
        self._fit_quantizer(V, "sample", normalized=False)
        if len(self):  # re-bucket what is already stored under the new centroids
            X, ids = self._X, self._ids
            self._X, self._sqnorm, self._ids = X[:0], self._sqnorm[:0], ids[:0]
            self.offsets_ = np.zeros(self.nlist + 1, dtype=np.int64)
            self._insert(X, ids)
        return self

    def _fit_quantizer(self, V: np.ndarray, name: str, *, normalized: bool) -> None:
        from sklearn.cluster import KMeans

        m = V.shape[0]
        if m < self.nlist:
            raise LinmlInputError(
                f"nlist={self.nlist} cells need at least {self.nlist} training vectors but "
                f"{name} has {m}; lower nlist or train on more vectors."
            )
        rng = check_random_state(self.random_state)
        train_size = 256 * self.nlist if self.train_size is None else self.train_size
        if m > train_size:
            V = V[np.sort(rng.choice(m, size=train_size, replace=False))]
        if self.metric == "cosine" and not normalized:
            V, _ = _normalize_rows(V)
        # one k-means run from random rows (k-means++ costs O(n nlist d log nlist), more than Lloyd)
        km = KMeans(
            n_clusters=self.nlist,
            init="random",
            n_init=1,
            max_iter=self.kmeans_iter,
            tol=0.0,  # stop only when no label changes (as faiss); skips a variance pass too
            random_state=rng.randint(2**31 - 1),
        ).fit(V)
        C = np.asarray(km.cluster_centers_, dtype=self.dtype)
        if self.metric != "l2":
            C, _ = _normalize_rows(C)  # spherical k-means: unit centroids, assign by q·c
        self.centroids_ = np.ascontiguousarray(C)
        self._csq = np.einsum("ij,ij->i", C, C).astype(self.dtype)

    def _centroid_scores(self, Q: np.ndarray) -> np.ndarray:
        """``Q Cᵀ`` (+ ``−‖c‖²`` with ``Q`` doubled for l2): one GEMM, shape ``(nq, nlist)``."""
        S = Q @ self.centroids_.T
        if self.metric == "l2":
            S *= 2
            S -= self._csq[None, :]  # 2 q·c − ‖c‖² = ‖q‖² − ‖q − c‖²
        return S

    def _query_block(self) -> int:
        """Rows per block of centroid scores: within ``max_memory_mb`` and at most ~16 MB, so
        the block is reused from cache instead of page-faulting a fresh GB-sized array."""
        budget = min(self.max_memory_mb * 2**20, 2**24) / self.dtype.itemsize
        return int(max(1, budget // self.nlist))

    def _assign(self, V: np.ndarray) -> np.ndarray:
        """Cell of each row of ``V``: argmax of the centroid scores, in bounded blocks."""
        step = self._query_block()
        labels = np.empty(V.shape[0], dtype=np.int64)
        for s in range(0, V.shape[0], step):
            labels[s : s + step] = np.argmax(self._centroid_scores(V[s : s + step]), axis=1)
        return labels

    # ------------------------------------------------------------------ add / remove
    def add(self, vectors: Any, ids: Sequence[Hashable] | None = None) -> IVFIndex:
        """Add vectors (``m × d``) with ids (ints or strings; default continues ``0, 1, …``).

        The first add trains the quantizer on ``vectors`` if :meth:`train` was not called.
        """
        V = self._check_vectors(vectors, "vectors")
        new_ids = _new_ids(self._ids, V.shape[0], ids)
        if self.metric == "cosine":
            V, _ = _normalize_rows(V)
        if not self.is_trained:
            self._fit_quantizer(V, "vectors", normalized=True)  # add normalized V already
        self._insert(V, new_ids)
        return self

    def _insert(self, V: np.ndarray, new_ids: np.ndarray) -> None:
        """Append rows into their cells and rebuild the contiguous layout (one stable sort)."""
        labels = np.concatenate(
            [np.repeat(np.arange(self.nlist), self.list_sizes), self._assign(V)]
        )
        order = np.argsort(labels, kind="stable")  # cell by cell, old rows before new ones
        X = V if not len(self) else np.concatenate([self._X, V])
        ids = new_ids if not len(self._ids) else np.concatenate([self._ids, new_ids])
        self._X = np.ascontiguousarray(X[order])
        self._sqnorm = np.einsum("ij,ij->i", self._X, self._X).astype(self.dtype)
        self._ids = ids[order]
        self.offsets_ = np.concatenate([[0], np.cumsum(np.bincount(labels, minlength=self.nlist))])
        self._row = None

    def _rows_of(self, ids: Iterable[Hashable], name: str = "ids") -> np.ndarray:
        return _rows_of_ids(ids, self._ids, self._rows(), name)

    def get(self, ids: Iterable[Hashable]) -> np.ndarray:
        """Stored vectors of ``ids`` (unit-normalized under 'cosine')."""
        return self._X[self._rows_of(ids)].copy()

    def remove(self, ids: Iterable[Hashable]) -> IVFIndex:
        """Remove vectors by id (unknown ids raise); the cells keep their order."""
        rows = self._rows_of(ids)
        keep = np.ones(len(self), dtype=bool)
        keep[rows] = False
        # offsets shrink by the removed rows before each boundary
        removed_before = np.concatenate([[0], np.cumsum(~keep)])
        self.offsets_ = self.offsets_ - removed_before[self.offsets_]
        self._X, self._sqnorm, self._ids = self._X[keep], self._sqnorm[keep], self._ids[keep]
        self._row = None
        return self

    # ------------------------------------------------------------------ search
    def _check_nprobe(self, nprobe: Any) -> int:
        if nprobe is None:  # the default is capped at nlist (nprobe=8 with nlist=4 scans all)
            return min(self.nprobe, self.nlist)
        if not (_is_count(nprobe) and 1 <= nprobe <= self.nlist):
            raise LinmlInputError(
                f"nprobe={nprobe!r} must be an integer in [1, nlist={self.nlist}]."
            )
        return int(nprobe)

    def search(self, queries: Any, k: int = 10, *, nprobe: int | None = None) -> SearchResult:
        """Approximate top-``k`` of each query row among the rows of its ``nprobe`` best cells.

        Parameters
        ----------
        queries : array-like of shape (nq, d) or (d,)
        k : int, default=10
            Number of results, at most ``len(index)``.
        nprobe : int, optional
            Cells scanned per query (default: the constructor's ``nprobe``); ``nlist`` is exact.

        Returns
        -------
        SearchResult
            ``scores`` (similarity descending; L2 distance ascending), ``ids`` and ``indices``
            (rows in the current storage order), each ``(nq, k)``.
        """
        if not len(self):
            raise LinmlInputError(
                "the index is empty; add vectors first (train() alone stores no vectors)."
            )
        Q = np.asarray(queries)
        if Q.ndim == 1:
            Q = Q[None, :]
        Q = self._check_vectors(Q, "queries")
        nprobe = self._check_nprobe(nprobe)
        if not (_is_count(k) and 1 <= k <= len(self)):
            raise LinmlInputError(
                f"k={k!r} must be an integer in [1, {len(self)}] (the index holds {len(self)} "
                "vectors)."
            )
        if self.metric == "cosine":
            Q, _ = _normalize_rows(Q)
        top_val, top_idx = self._search_rows(np.ascontiguousarray(Q), int(k), nprobe)
        missing = top_idx < 0
        if missing.any():
            warnings.warn(
                f"{int(missing.any(axis=1).sum())} queries found fewer than k={k} vectors in "
                f"their nprobe={nprobe} cells (missing entries have index -1); raise nprobe.",
                UserWarning,
                stacklevel=2,
            )
        if self.metric == "l2":
            # s = 2 q·x − ‖x‖² ⇒ ‖q − x‖² = ‖q‖² − s
            qn = np.einsum("ij,ij->i", Q, Q)[:, None]
            scores = np.sqrt(np.maximum(qn - top_val, 0.0))
        else:
            scores = top_val
        ids = self._ids[np.where(missing, 0, top_idx)]
        if missing.any():
            ids[missing] = "" if ids.dtype.kind == "U" else -1
        return SearchResult(scores, ids, top_idx)

    def _probe(self, Q: np.ndarray, nprobe: int) -> np.ndarray:
        """The ``nprobe`` best cells of each query: one GEMM + a partial selection, ``(nq, nprobe)``."""
        if nprobe == self.nlist:
            return np.broadcast_to(np.arange(self.nlist), (Q.shape[0], self.nlist))
        S = self._centroid_scores(Q)
        top_val = np.full((Q.shape[0], nprobe), -np.inf, dtype=S.dtype)
        top_idx = np.full((Q.shape[0], nprobe), -1, dtype=np.int64)
        launch(top_cells, S, top_val, top_idx)  # partial selection, like argpartition
        return top_idx

    def _search_rows(self, Q: np.ndarray, k: int, nprobe: int) -> tuple[np.ndarray, np.ndarray]:
        nq = Q.shape[0]
        top_val = np.full((nq, k), -np.inf, dtype=self.dtype)
        top_idx = np.full((nq, k), -1, dtype=np.int64)
        bias = -self._sqnorm if self.metric == "l2" else np.zeros(len(self), dtype=self.dtype)
        Qs = 2 * Q if self.metric == "l2" else Q  # the scan's q·x is 2 q·x for l2
        # the list-major scan splits the cells into one range per numba thread, each with its
        # own top-k of every query: n_parts × step × k (score + row) entries
        n_parts = max(1, min(numba.get_num_threads(), self.nlist))
        part_bytes = n_parts * k * (self.dtype.itemsize + 8)
        step = max(1, min(self._query_block(), int(self.max_memory_mb * 2**20 // part_bytes)))
        for s in range(0, nq, step):
            Qb, tv, ti = Qs[s : s + step], top_val[s : s + step], top_idx[s : s + step]
            probes = np.ascontiguousarray(self._probe(Q[s : s + step], nprobe), dtype=np.int64)
            if Qb.shape[0] * nprobe / self.nlist >= _LIST_MAJOR_MIN_QUERIES_PER_CELL:
                # group the probe table by cell (CSR): queries probing cell c are
                # cell_queries[cell_ptr[c]:cell_ptr[c + 1]]
                flat = probes.ravel()  # (query i, probe p) ↦ cell, at i·nprobe + p
                order = np.argsort(flat, kind="stable")  # probes cell by cell
                cell_queries = (order // nprobe).astype(np.int64)
                cell_ptr = np.concatenate([[0], np.cumsum(np.bincount(flat, minlength=self.nlist))])
                part_val = np.full((n_parts, Qb.shape[0], k), -np.inf, dtype=self.dtype)
                part_idx = np.full((n_parts, Qb.shape[0], k), -1, dtype=np.int64)
                X, off = self._X, self.offsets_
                launch(
                    scan_list_major, Qb, X, bias, off, cell_ptr, cell_queries, part_val, part_idx
                )
                launch(merge_parts, part_val, part_idx, tv, ti)
            else:
                # through launch: numba's workqueue layer aborts on concurrent launches
                launch(scan_query_major, Qb, self._X, bias, self.offsets_, probes, tv, ti)
        return top_val, top_idx

    # ------------------------------------------------------------------ diagnostics
    def stats(self, nprobe: int | None = None) -> dict[str, Any]:
        """List-size statistics and the expected scan length for ``nprobe`` (default: own).

        ``imbalance = nlist Σ n_c² / (Σ n_c)²`` (1 for equal cells). A query distributed like
        the data lands in cell ``c`` with probability ``n_c / n``, so it scans
        ``Σ n_c² / n = imbalance · n / nlist`` rows per probed cell on average;
        ``expected_candidates`` multiplies that by ``nprobe`` (capped at ``n``).
        """
        nprobe = self._check_nprobe(nprobe)
        sizes = self.list_sizes.astype(np.float64)
        n = float(sizes.sum())
        imbalance = float(self.nlist * np.sum(sizes**2) / n**2) if n else float("nan")
        per_cell = float(np.sum(sizes**2) / n) if n else 0.0
        return {
            "n": int(n),
            "dim": self.dim,
            "nlist": self.nlist,
            "nprobe": nprobe,
            "trained": self.is_trained,
            "list_size_min": int(sizes.min()),
            "list_size_median": float(np.median(sizes)),
            "list_size_max": int(sizes.max()),
            "empty_lists": int(np.sum(sizes == 0)),
            "imbalance": imbalance,
            "expected_candidates": float(min(n, nprobe * per_cell)),
        }

    def recall(
        self, k: int = 10, nprobe: int | None = None, *, queries: Any = None, sample: int = 1000
    ) -> float:
        """Mean recall@k of :meth:`search` against exact search (:class:`EmbeddingIndex`).

        ``recall = |approximate top-k ∩ exact top-k| / k``, averaged over ``queries`` or, if
        none are given, over ``sample`` stored vectors drawn with ``random_state``. Compare a
        few ``nprobe`` values to pick the smallest that reaches the recall you need.
        """
        if not len(self):
            raise LinmlInputError("the index is empty; add vectors first.")
        if not (_is_count(sample) and sample >= 1):
            raise LinmlInputError(f"sample={sample!r} must be an integer >= 1.")
        if queries is None:
            rng = check_random_state(self.random_state)
            rows = np.sort(rng.choice(len(self), size=min(sample, len(self)), replace=False))
            Q = self._X[rows]
        else:
            Q = self._check_vectors(queries, "queries")
        approx = self.search(Q, k, nprobe=nprobe)
        exact = EmbeddingIndex(self.metric, dtype=self.dtype, max_memory_mb=self.max_memory_mb)
        truth = exact.add(self._X).search(Q, k).indices  # ids 0..n-1 = storage rows
        hits = [np.intersect1d(a, t).size for a, t in zip(approx.indices, truth)]
        return float(np.mean(hits) / k)

    def explain(self, nprobe: int | None = None) -> Explanation:
        """The index's cells and cost in words (see :meth:`stats`)."""
        st = self.stats(nprobe)
        exp = Explanation(title=f"IVFIndex ({self.metric}, nlist={self.nlist})")
        exp.add("n", st["n"], "stored vectors")
        exp.add("dim", st["dim"], "vector dimension d")
        exp.add(
            "list sizes",
            f"min {st['list_size_min']}, median {st['list_size_median']:g}, "
            f"max {st['list_size_max']}",
            "rows per cell n_c",
        )
        exp.add("empty lists", st["empty_lists"], "cells no stored vector is assigned to")
        exp.add("imbalance", st["imbalance"], "nlist Σ n_c² / (Σ n_c)²; 1 = equal cells")
        exp.add(
            "expected candidates",
            st["expected_candidates"],
            f"rows scanned per query at nprobe={st['nprobe']} (nprobe Σ n_c² / n)",
        )
        frac = st["expected_candidates"] / st["n"] if st["n"] else float("nan")
        exp.add("scan fraction", frac, "expected candidates / n: the work saved vs exact search")
        exp.verdict = (
            f"each query scans ~{100 * frac:.2g}% of the {st['n']} vectors "
            f"(+ {self.nlist} centroid scores)."
            if st["n"]
            else "the index holds no vectors yet."
        )
        if st["n"] and st["imbalance"] > 2:
            exp.suggestions.append(
                "cells are unbalanced (imbalance > 2): queries in big cells cost more; "
                "train on more vectors or lower nlist."
            )
        if st["n"] and st["empty_lists"] > 0.05 * self.nlist:
            exp.suggestions.append("many empty cells: nlist is too large for these vectors.")
        exp.suggestions.append(
            "measure recall(k, nprobe) for a few nprobe and keep the smallest that suffices."
        )
        return exp

    # ------------------------------------------------------------------ persistence
    def _digest(self) -> str:
        h = hashlib.sha256()
        for a in (self._X, self._ids, self.centroids_, self.offsets_):
            h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save to an ``.npz`` (``allow_pickle=False``) with a checksum; written atomically."""
        if not self.is_trained:
            raise LinmlInputError(
                "the index is not trained; train() or add() vectors before saving."
            )
        meta = {
            "format": _FORMAT,
            "kind": _KIND,
            "metric": self.metric,
            "dtype": str(self.dtype),
            "n": len(self),
            "dim": self.dim,
            "nlist": self.nlist,
            "nprobe": self.nprobe,
            "kmeans_iter": self.kmeans_iter,
            "sha256": self._digest(),
        }
        payload = {
            "vectors": self._X.reshape(-1, self.dim),
            "ids": self._ids,
            "sqnorm": self._sqnorm,
            "centroids": self.centroids_,
            "offsets": self.offsets_.astype(np.int64),
        }
        _write_index(path, payload, meta)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        max_memory_mb: float = 256,
        max_load_mb: float | None = None,
        max_compression_ratio: float | None = None,
    ) -> IVFIndex:
        """Load an index saved by :meth:`save`; a tampered or foreign file raises ``LinmlInputError``.

        Every header is checked before any array is inflated (see
        :meth:`EmbeddingIndex.load <linml.neighbors.EmbeddingIndex.load>` for the limits),
        then the checksum over vectors, ids, centroids and offsets, and the squared norms.
        """
        with _open_index(path, "linml IVF index", _MEMBERS, max_load_mb, max_compression_ratio) as (
            npz,
            meta,
        ):
            index = _index_from_meta(cls, meta, npz, max_memory_mb)
            reason = _check_headers(npz, index.dtype, meta["n"], meta.get("dim"), index.nlist)
            if reason is not None:
                raise npz.error(f"its arrays are inconsistent (tampered?): {reason}.")
            X, ids, sq = npz.array("vectors"), npz.array("ids"), npz.array("sqnorm")
            C, offsets = npz.array("centroids"), npz.array("offsets")
        if not (np.isfinite(X).all() and np.isfinite(sq).all() and np.isfinite(C).all()):
            raise npz.error("its vectors hold NaN or infinity (corrupted?).")
        if offsets[0] != 0 or offsets[-1] != X.shape[0] or np.any(np.diff(offsets) < 0):
            raise npz.error("its cell offsets are not a partition of the rows (tampered?).")
        index._X, index._ids, index._sqnorm = X, ids, sq
        index.centroids_, index.offsets_ = C, offsets
        if index._digest() != meta.get("sha256"):
            raise npz.error("checksum mismatch — the file was modified or corrupted.")
        rtol = 64 * np.finfo(index.dtype).eps * max(X.shape[1], 1)
        if not np.allclose(np.einsum("ij,ij->i", X, X), sq, rtol=rtol, atol=rtol):
            raise npz.error("checksum mismatch — its squared norms do not match its vectors.")
        index._csq = np.einsum("ij,ij->i", C, C).astype(index.dtype)
        if len(index._rows()) != len(ids):
            raise npz.error("duplicate ids.")
        return index


def _index_from_meta(cls: type[IVFIndex], meta: Any, npz: Any, max_memory_mb: float) -> IVFIndex:
    """A new, empty index with the saved parameters, or the reason the metadata is unusable."""
    what = "linml IVF index"
    metric, dtype = _check_format(meta, npz, _KIND, what, _FORMAT)
    for key in ("n", "dim", "nlist", "nprobe", "kmeans_iter"):
        value = meta.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < (key != "n"):
            raise npz.error(f"not a {what} ({key}={value!r} is not a count).")
    try:
        return cls(
            metric,
            nlist=meta["nlist"],
            nprobe=meta["nprobe"],
            kmeans_iter=meta["kmeans_iter"],
            dtype=dtype,
            max_memory_mb=max_memory_mb,
        )
    except LinmlInputError as e:
        raise npz.error(f"its parameters are invalid: {e}") from e


def _check_headers(npz: Any, dtype: np.dtype, n: int, dim: int, nlist: int) -> str | None:
    """Why the declared array headers do not make an index of ``n`` rows in ``nlist`` cells."""
    X_dtype, X_shape = npz.header("vectors")
    ids_dtype, ids_shape = npz.header("ids")
    sq_dtype, sq_shape = npz.header("sqnorm")
    C_dtype, C_shape = npz.header("centroids")
    off_dtype, off_shape = npz.header("offsets")
    if X_dtype != dtype or sq_dtype != dtype or C_dtype != dtype:
        return (
            f"vectors are {X_dtype}, norms {sq_dtype} and centroids {C_dtype}, but the index "
            f"stores {dtype}"
        )
    if X_shape != (n, dim) or ids_shape != (n,) or sq_shape != (n,):
        return f"vectors {X_shape}, ids {ids_shape} and norms {sq_shape} for n={n}, dim={dim}"
    if C_shape != (nlist, dim) or off_shape != (nlist + 1,):
        return f"centroids {C_shape} and offsets {off_shape} for nlist={nlist}, dim={dim}"
    if off_dtype != np.int64:
        return f"offsets are {off_dtype}, not int64"
    if ids_dtype != np.int64 and ids_dtype.kind != "U":
        return f"ids are {ids_dtype}, not int64 or text"
    return None
