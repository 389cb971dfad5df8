"""EmbeddingIndex.load and DocumentSearch.load on hostile files (issue 17): one LinmlInputError."""

from __future__ import annotations

import io as _io
import json
import zipfile

import numpy as np
import pytest

from linml.exceptions import LinmlInputError
from linml.neighbors import DocumentSearch, EmbeddingIndex
from linml.neighbors._document_store import encode_texts

DOCS = [
    "cats purr and sleep",
    "dogs bark and run",
    "kittens are young cats",
    "bond markets rallied",
]


def _members(path):
    with np.load(path) as npz:
        return {k: npz[k] for k in npz.files}


def _write(path, members, meta=None):
    payload = dict(members)
    if meta is not None:
        payload["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buffer = _io.BytesIO()
    np.savez(buffer, **payload)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def saved_index(tmp_path):
    path = tmp_path / "index.npz"
    EmbeddingIndex("l2").add(np.random.default_rng(0).standard_normal((10, 4))).save(path)
    members = _members(path)
    return path, members, json.loads(members.pop("meta").tobytes().decode())


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda m, meta: m.pop("sqnorm"), "no 'sqnorm' member"),
        (lambda m, meta: m.update(extra=np.ones(1)), "unknown member 'extra.npy'"),
        (lambda m, meta: m.update(sqnorm=m["sqnorm"] + 1), "squared norms do not match"),
        (lambda m, meta: m.update(vectors=m["vectors"][:5]), "arrays are inconsistent"),
        (lambda m, meta: m.update(vectors=m["vectors"].astype(np.float64)), "inconsistent"),
        (lambda m, meta: m.update(ids=m["ids"].astype(np.float64)), "ids are float64"),
        (lambda m, meta: m["vectors"].__setitem__((0, 0), np.nan), "NaN or infinity"),
        (lambda m, meta: meta.update(n="10"), "size n='10' is not a count"),
        (lambda m, meta: meta.update(metric="manhattan"), "metric 'manhattan'"),
        (lambda m, meta: meta.update(format="1"), "format '1' is not an integer"),
        (lambda m, meta: meta.update(format=99), "newer linml"),
        (lambda m, meta: meta.update(dim=5), "dimension 4 but the metadata says 5"),
        (lambda m, meta: meta.update(sha256="0" * 64), "checksum mismatch"),
    ],
)
def test_index_that_does_not_fit_is_one_clear_error(saved_index, edit, match):
    path, members, meta = saved_index
    edit(members, meta)
    with pytest.raises(LinmlInputError, match=match):
        EmbeddingIndex.load(_write(path, members, meta))


def test_index_metadata_that_is_not_a_mapping_or_too_deep(saved_index):
    path, members, _ = saved_index
    for raw in (b"[1]", b"[" * 100_000 + b"]" * 100_000, b"\xff"):
        payload = dict(members, meta=np.frombuffer(raw, dtype=np.uint8))
        with pytest.raises(LinmlInputError, match="not a linml embedding index"):
            EmbeddingIndex.load(_write(path, payload))


def test_index_huge_declared_shape_is_refused_before_allocating(tmp_path, saved_index):
    """Regression (issue 17): a declared (2**40, 4) shape was allocated (MemoryError)."""
    _, members, meta = saved_index
    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(path, "w") as zf:
        for key, value in members.items():
            buffer = _io.BytesIO()
            if key == "vectors":
                header = {"descr": "<f4", "fortran_order": False, "shape": (2**40, 4)}
                np.lib.format.write_array_header_1_0(buffer, header)
            else:
                np.save(buffer, value)
            zf.writestr(f"{key}.npy", buffer.getvalue())
        zf.writestr("meta.npy", _npy(np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)))
    with pytest.raises(LinmlInputError, match=r"\(1099511627776, 4\).*over max_load_mb=1024"):
        EmbeddingIndex.load(path)
    with pytest.raises(LinmlInputError, match=r"over max_load_mb=0\.0001"):
        EmbeddingIndex.load(saved_index[0], max_load_mb=0.0001)


def _npy(array):
    buffer = _io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_index_load_keeps_the_search_memory_bound(saved_index):
    index = EmbeddingIndex.load(saved_index[0], max_memory_mb=8)
    assert index.max_memory_mb == 8 and len(index) == 10


@pytest.fixture
def saved_search(tmp_path):
    path = tmp_path / "docs.npz"
    DocumentSearch(n_components=2, random_state=0).fit(DOCS).save(path)
    members = _members(path)
    return path, members, json.loads(members.pop("meta").tobytes().decode())


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda m, meta: m.pop("idf"), "lacks member 'idf'"),
        (lambda m, meta: m.update(extra=np.ones(1)), "unknown member 'extra.npy'"),
        (lambda m, meta: meta.update(embedder="minilm"), "unexpected member"),
        (lambda m, meta: m.update(idf=m["idf"][:-1]), r"idf is float32 of shape"),
        (lambda m, meta: m.update(vectors=m["vectors"][:, :1]), "vectors have 1 dimensions"),
        (
            lambda m, meta: m.update(document_offsets=m["document_offsets"][:3]),
            "3 document offsets for 4 vectors",
        ),
        (lambda m, meta: m.update(document_bytes=np.arange(4)), "document_bytes are int64"),
        (lambda m, meta: m.update(vocabulary_bytes=m["idf"]), "vocabulary_bytes are float32"),
        (lambda m, meta: m["components"].__setitem__((0, 0), np.inf), "NaN or infinity"),
        (
            lambda m, meta: m.update(
                zip(
                    ("vocabulary_bytes", "vocabulary_offsets"),
                    encode_texts(["same"] * len(m["idf"])),
                    strict=True,
                )
            ),
            "repeats a term",
        ),
        (lambda m, meta: meta.update(lsa_params={"n_components": "x"}), "inconsistent"),
        (lambda m, meta: meta.update(lsa_params={"evil": 1}), "lsa_params"),
        (lambda m, meta: meta.update(lsa_params=[1]), "lsa_params"),
        (lambda m, meta: meta.update(n_components=True), "n_components=True"),
        (lambda m, meta: meta.update(kind="linml.EmbeddingIndex"), "not a linml document index"),
    ],
)
def test_document_search_that_does_not_fit_is_one_clear_error(saved_search, edit, match):
    path, members, meta = saved_search
    edit(members, meta)
    with pytest.raises(LinmlInputError, match=match):
        DocumentSearch.load(_write(path, members, meta))


def test_document_search_round_trip_and_truncation(saved_search):
    path = saved_search[0]
    assert DocumentSearch.load(path).documents_ == DOCS
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(LinmlInputError, match="not a linml document index, or a damaged one"):
        DocumentSearch.load(path)
