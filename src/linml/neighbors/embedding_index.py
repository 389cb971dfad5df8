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

import hashlib
import json
import os
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from linml._validation import check_array
from linml.exceptions import LinmlInputError
from linml.neighbors._kernels import topk_merge

__all__ = ["EmbeddingIndex", "SearchResult"]

METRICS = ("cosine", "l2", "ip")
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
        m = V.shape[0]
        if ids is None:
            start = (
                int(self._ids.max()) + 1 if len(self) and self._ids.dtype.kind == "i" else len(self)
            )
            new_ids = np.arange(start, start + m, dtype=np.int64)
        else:
            new_ids = np.asarray(list(ids))
            if new_ids.shape != (m,):
                raise LinmlInputError(
                    f"ids must hold one id per vector ({m}); got {new_ids.shape[0]}."
                )
            if new_ids.dtype.kind in "iu":
                new_ids = new_ids.astype(np.int64)
            elif new_ids.dtype.kind != "U":
                raise LinmlInputError("ids must be all integers or all strings.")
            if len(self) and (new_ids.dtype.kind == "U") != (self._ids.dtype.kind == "U"):
                raise LinmlInputError(
                    "ids must be of one kind: the index holds "
                    f"{'string' if self._ids.dtype.kind == 'U' else 'integer'} ids."
                )
        keys = new_ids.tolist()
        clash = [k for k in keys if k in self._row]
        if clash or len(set(keys)) != len(keys):
            dup = clash[0] if clash else next(k for k in keys if keys.count(k) > 1)
            raise LinmlInputError(
                f"id {dup!r} is already in the index (ids must be unique); remove it first."
            )
        if self.metric == "cosine":
            V, _ = _normalize_rows(V)
        sq = np.einsum("ij,ij->i", V, V).astype(self.dtype)
        self._X = V.copy() if not len(self) else np.vstack([self._X, V])
        self._sqnorm = np.concatenate([self._sqnorm, sq])
        self._ids = new_ids if not len(self._ids) else np.concatenate([self._ids, new_ids])
        base = len(self._row)
        self._row.update({key: base + i for i, key in enumerate(keys)})
        return self

    def _rows_of(self, ids: Iterable[Hashable]) -> np.ndarray:
        rows = []
        for key in ids:
            key = key.item() if isinstance(key, np.generic) else key
            if key not in self._row:
                raise LinmlInputError(f"id {key!r} is not in the index.")
            rows.append(self._row[key])
        return np.asarray(rows, dtype=np.int64)

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
        n_exclude = 0 if exclude is None else max((len(e) for e in exclude), default=0)
        if not (isinstance(k, int | np.integer) and 1 <= k <= len(self) - n_exclude):
            raise LinmlInputError(
                f"k={k!r} must be an integer in [1, {len(self) - n_exclude}] (the index holds "
                f"{len(self)} vectors{f', {n_exclude} excluded' if n_exclude else ''})."
            )
        if exclude is not None and len(exclude) != Q.shape[0]:
            raise LinmlInputError(f"exclude must hold one id list per query ({Q.shape[0]}).")
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
        nq, n = Q.shape[0], len(self)
        itemsize = self.dtype.itemsize
        budget = self.max_memory_mb * 2**20 / itemsize  # entries of one score block
        q_block = int(min(nq, max(1, budget // min(n, 4096))))
        x_block = int(max(1, min(n, budget // q_block)))
        top_val = np.full((nq, k), -np.inf, dtype=self.dtype)
        top_idx = np.full((nq, k), -1, dtype=np.int64)
        bias = -self._sqnorm if self.metric == "l2" else np.zeros(n, dtype=self.dtype)
        Xt_scale = 2.0 if self.metric == "l2" else 1.0
        S = np.empty((q_block, x_block), dtype=self.dtype)
        for qs in range(0, nq, q_block):
            Qb = Q[qs : qs + q_block] * self.dtype.type(Xt_scale)
            tv, ti = top_val[qs : qs + q_block], top_idx[qs : qs + q_block]
            for xs in range(0, n, x_block):
                Xb = self._X[xs : xs + x_block]
                Sb = S[: Qb.shape[0], : Xb.shape[0]]
                np.matmul(Qb, Xb.T, out=Sb)  # (q_block, x_block) scores: one GEMM
                topk_merge(Sb, bias[xs : xs + x_block], xs, tv, ti)
        return top_val, top_idx

    def _drop_excluded(self, top_val, top_idx, exclude, k):
        out_val = np.empty((top_val.shape[0], k), dtype=top_val.dtype)
        out_idx = np.empty((top_val.shape[0], k), dtype=np.int64)
        for i, ex in enumerate(exclude):
            banned = set(self._rows_of(ex).tolist()) if len(ex) else set()
            keep = [j for j in range(top_idx.shape[1]) if top_idx[i, j] not in banned][:k]
            out_val[i], out_idx[i] = top_val[i, keep], top_idx[i, keep]
        return out_val, out_idx

    def most_similar(
        self,
        positive: Sequence[Hashable] = (),
        negative: Sequence[Hashable] = (),
        k: int = 10,
    ) -> list[tuple[Hashable, float]]:
        """Analogy by vector arithmetic: nearest to ``Σ x̂₊ − Σ x̂₋``, excluding the query ids.

        With unit vectors ``x̂`` this is the 3CosAdd rule of Mikolov et al. (2013): for
        ``positive=['king', 'woman'], negative=['man']`` the answer should be ``'queen'``.
        """
        positive, negative = list(positive), list(negative)
        if not positive and not negative:
            raise LinmlInputError("most_similar needs at least one positive or negative id.")
        P = self.get(positive) if positive else np.zeros((0, self.dim), self.dtype)
        N = self.get(negative) if negative else np.zeros((0, self.dim), self.dtype)
        P, _ = _normalize_rows(P)
        N, _ = _normalize_rows(N)
        query = P.sum(axis=0) - N.sum(axis=0)
        result = self.search(query[None, :], k=k, exclude=[positive + negative])
        return [
            (i.item() if isinstance(i, np.generic) else i, float(s))
            for i, s in zip(result.ids[0], result.scores[0])
        ]

    # ------------------------------------------------------------------ persistence
    def _digest(self) -> str:
        h = hashlib.sha256()
        h.update(np.ascontiguousarray(self._X).tobytes())
        h.update(np.ascontiguousarray(self._ids).tobytes())
        return h.hexdigest()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save to an ``.npz`` (``allow_pickle=False``) with a checksum; written atomically."""
        from linml.io import atomic_write

        meta = {
            "format": _FORMAT,
            "kind": "linml.EmbeddingIndex",
            "metric": self.metric,
            "dtype": str(self.dtype),
            "n": len(self),
            "dim": self.dim,
            "sha256": self._digest(),
        }
        payload = {"vectors": self._X, "ids": self._ids, "sqnorm": self._sqnorm}
        payload["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        with atomic_write(path) as handle:
            np.savez(handle, **payload)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, max_memory_mb: float = 256) -> EmbeddingIndex:
        """Load an index saved by :meth:`save`; a tampered or foreign file raises ``LinmlInputError``."""
        p = Path(path)
        if not p.is_file():
            raise LinmlInputError(f"cannot load {str(p)!r}: no such file.")
        try:
            with np.load(p, allow_pickle=False) as npz:
                meta = json.loads(npz["meta"].tobytes().decode())
                X, ids, sq = npz["vectors"], npz["ids"], npz["sqnorm"]
        except (OSError, ValueError, KeyError, EOFError) as e:
            raise LinmlInputError(
                f"cannot load {str(p)!r}: not a linml embedding index ({e})."
            ) from e
        if not isinstance(meta, dict) or meta.get("kind") != "linml.EmbeddingIndex":
            raise LinmlInputError(f"cannot load {str(p)!r}: not a linml embedding index.")
        if meta.get("format", 0) > _FORMAT:
            raise LinmlInputError(
                f"{str(p)!r} was written by a newer linml (format {meta['format']})."
            )
        index = cls(meta.get("metric"), dtype=meta.get("dtype"), max_memory_mb=max_memory_mb)
        if (
            X.dtype != index.dtype
            or X.ndim != 2
            or ids.shape != (X.shape[0],)
            or sq.shape != ids.shape
        ):
            raise LinmlInputError(
                f"cannot load {str(p)!r}: its arrays are inconsistent (tampered?)."
            )
        index._X, index._ids, index._sqnorm = X, ids, sq
        if meta.get("n") != len(index) or index._digest() != meta.get("sha256"):
            raise LinmlInputError(
                f"cannot load {str(p)!r}: checksum mismatch — the file was modified or corrupted."
            )
        index._row = {key: i for i, key in enumerate(ids.tolist())}
        if len(index._row) != len(ids):
            raise LinmlInputError(f"cannot load {str(p)!r}: duplicate ids.")
        return index
